# outcome: success
# stdout-json: "a\u0000b\ufffdc"
import sys
sys.stdout.buffer.write(b"a\x00b\xffc\n")

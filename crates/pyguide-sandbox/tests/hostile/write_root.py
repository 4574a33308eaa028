# outcome: success
# stdout: SAFE /
import os
for path in ["/pwned", "/work/../pwned", "/usr/pwned", "/etc/pwned", "/lib/pwned", "/dev/pwned"]:
    try:
        open(path, "w").write("x")
        print("ESCAPED: wrote", path)
    except OSError:
        pass
print("SAFE /")

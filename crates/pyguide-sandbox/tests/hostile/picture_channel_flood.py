# outcome: success
# stdout: SAFE picture channel closed
# The picture channel (a socket the server reads pictures from) is the program's to write.
# Flooding it with junk must cost the server one short line's read: it then closes the
# channel, and the run goes on without pictures.
import os

import _pyguide_pictures

fd = _pyguide_pictures._FD
try:
    for _ in range(64):
        os.write(fd, b"x" * (1 << 20))
    print("ESCAPED: wrote 64 MiB to the picture channel")
except OSError:
    print("SAFE picture channel closed")

# outcome: success
# stdout: SAFE autobind
# A Unix socket that passes credentials (SO_PASSCRED) or pidfds (SO_PASSPIDFD) is given an
# abstract address by the kernel when it sends or connects ("autobind"), and every run shares
# the sandbox's network namespace: with one, a concurrent run could find this run and send it
# descriptors of its own /work. Setting those options is refused, so no socket ever gets one.
import socket

SO_PASSPIDFD = 76
for option in (socket.SO_PASSCRED, SO_PASSPIDFD):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, option, 1)
    except OSError:
        continue
    try:
        s.sendto(b"hello", b"\0pyguide-nobody-listens")
    except OSError:
        pass  # nobody is there, but the socket was autobound on the way
    if s.getsockname():
        print("ESCAPED: autobound to an abstract address", s.getsockname())
# Other options still work.
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
print("SAFE autobind")

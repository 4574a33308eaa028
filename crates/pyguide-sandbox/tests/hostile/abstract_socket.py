# outcome: success
# stdout: SAFE abstract
# Unix sockets with addresses (abstract ones are shared by the network namespace) could let
# concurrent runs talk: bind, listen and connect are refused.
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
for call in (lambda: s.bind("\0pyguide-hostile"), lambda: s.connect("\0pyguide-hostile"), lambda: s.listen()):
    try:
        call()
        print("ESCAPED: an addressed unix socket works")
    except OSError:
        pass
a, b = socket.socketpair()
a.sendall(b"ok")
assert b.recv(2) == b"ok"
print("SAFE abstract")

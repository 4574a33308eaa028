# outcome: success
# stdout: SAFE port
import socket
for family, addr in [(socket.AF_INET, ("127.0.0.1", {PORT})), (socket.AF_INET6, ("::1", {PORT}))]:
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(1)
        s.connect(addr)
        print("ESCAPED: connected to", addr)
    except OSError:
        pass
print("SAFE port")

# outcome: success
# stdout: SAFE dns
import socket
try:
    print("ESCAPED: resolved", socket.getaddrinfo("example.com", 80))
except OSError:
    pass
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", ("8.8.8.8", 53))
    print("ESCAPED: sent UDP")
except OSError:
    pass
print("SAFE dns")

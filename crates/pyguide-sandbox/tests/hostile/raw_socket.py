# outcome: success
# stdout: SAFE raw
import socket
for args in [(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), (socket.AF_PACKET, socket.SOCK_RAW, 0),
             (socket.AF_NETLINK, socket.SOCK_RAW, 0)]:
    try:
        socket.socket(*args)
        print("ESCAPED: raw socket", args)
    except OSError:
        pass
print("SAFE raw")

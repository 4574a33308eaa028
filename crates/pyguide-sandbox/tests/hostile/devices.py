# outcome: success
# stdout: SAFE devices
import os
print(sorted(os.listdir("/dev")))
for dev in ["/dev/sda", "/dev/vda", "/dev/mem", "/dev/kmsg", "/dev/tty"]:
    try:
        open(dev, "rb")
        print("ESCAPED: opened", dev)
    except OSError:
        pass
try:
    os.mknod("node", 0o600 | 0o020000, os.makedev(1, 3))
    print("ESCAPED: mknod")
except OSError:
    pass
assert len(open("/dev/urandom", "rb").read(8)) == 8
open("/dev/null", "w").write("x")
print("SAFE devices")

# outcome: success
# stdout: SAFE etc usr
import os, sys
targets = ["/etc/passwd", "/etc/hostname", os.__file__, sys.executable]
for path in targets:
    try:
        with open(path, "a") as f:
            f.write("# pwned\n")
        print("ESCAPED: appended to", path)
    except OSError:
        pass
    try:
        os.chmod(path, 0o777)
        print("ESCAPED: chmod", path)
    except OSError:
        pass
print("SAFE etc usr")

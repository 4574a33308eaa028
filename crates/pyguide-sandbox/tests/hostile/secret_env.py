# outcome: success
# stdout: SAFE env
import os
if any("hunter2" in v for v in os.environ.values()) or "PYGUIDE_HOSTILE_SECRET" in os.environ:
    print("ESCAPED: secret in environ")
for path in ["/proc/self/environ", "/proc/1/environ", "/proc/2/environ"]:
    try:
        if b"hunter2" in open(path, "rb").read():
            print("ESCAPED: secret in", path)
    except OSError:
        pass
print("SAFE env", sorted(os.environ))

# outcome: success
# stdout: SAFE privileges 1000
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
if os.getuid() == 0 or os.geteuid() == 0:
    print("ESCAPED: root")
for uid in (0, 1, 65534):
    try:
        os.setuid(uid)
        print("ESCAPED: setuid", uid)
    except OSError:
        pass
# PR_CAPBSET_READ for every capability: none may remain
if any(libc.prctl(23, cap, 0, 0, 0) == 1 for cap in range(41)):
    print("ESCAPED: a capability in the bounding set")
# PR_GET_NO_NEW_PRIVS
if libc.prctl(39, 0, 0, 0, 0) != 1:
    print("ESCAPED: no_new_privs is off")
print("SAFE privileges", os.getuid())

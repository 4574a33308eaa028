# outcome: success
# stdout: SAFE privileges 1000
import ctypes, os, resource
libc = ctypes.CDLL(None, use_errno=True)
if os.getuid() == 0 or os.geteuid() == 0:
    print("ESCAPED: root")
if os.getgid() == 0 or os.getegid() == 0 or os.getgroups():
    print("ESCAPED: a privileged group", os.getgid(), os.getgroups())
for uid in (0, 1, 65534):
    try:
        os.setuid(uid)
        print("ESCAPED: setuid", uid)
    except OSError:
        pass
# PR_CAPBSET_READ for every capability: none may remain
if any(libc.prctl(23, cap, 0, 0, 0) == 1 for cap in range(41)):
    print("ESCAPED: a capability in the bounding set")
# No effective capability either: CAP_CHOWN would let this give a file away.
open("mine", "w").close()
try:
    os.chown("mine", 0, 0)
    print("ESCAPED: chown to root")
except OSError:
    pass
# PR_GET_NO_NEW_PRIVS
if libc.prctl(39, 0, 0, 0, 0) != 1:
    print("ESCAPED: no_new_privs is off")
# PR_GET_SECCOMP: 2 is filter mode
if libc.prctl(21, 0, 0, 0, 0) != 2:
    print("ESCAPED: no seccomp filter")
for name, want in (("RLIMIT_CORE", (0, 0)), ("RLIMIT_NOFILE", (256, 256))):
    if resource.getrlimit(getattr(resource, name)) != want:
        print("ESCAPED:", name, resource.getrlimit(getattr(resource, name)))
for name in ("RLIMIT_CPU", "RLIMIT_FSIZE"):
    if resource.RLIM_INFINITY in resource.getrlimit(getattr(resource, name)):
        print("ESCAPED: no", name)
# The program leads a session of its own (a signal to its old group reaches nothing else).
if os.getsid(0) != os.getpid():
    print("ESCAPED: not a session leader")
# Nothing of the sandbox's own is open but the standard streams, the run's status pipe and its
# picture channel (a socket, whose number the picture module holds).
import stat
import _pyguide_pictures
extra = []
for fd in range(3, 256):
    try:
        st = os.fstat(fd)
    except OSError:
        continue
    if fd == _pyguide_pictures._FD and stat.S_ISSOCK(st.st_mode):
        continue
    extra.append(fd)
if len(extra) > 1:
    print("ESCAPED: descriptors left open", extra)
print("SAFE privileges", os.getuid())

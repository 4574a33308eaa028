# outcome: success
# stdout: SAFE namespaces
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
if libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, None) == 0:
    print("ESCAPED: mount")
if libc.umount2(b"/work", 2) == 0:
    print("ESCAPED: umount")
for flag in (0x10000000, 0x00020000, 0x20000000, 0x40000000, 0x08000000, 0x04000000, 0x02000000):
    if libc.unshare(flag) == 0:
        print("ESCAPED: unshare", hex(flag))
if libc.setns(0, 0) == 0:
    print("ESCAPED: setns")
if libc.chroot(b"/tmp") == 0:
    print("ESCAPED: chroot")
if libc.syscall(155, b"/tmp", b"/tmp") == 0:  # pivot_root
    print("ESCAPED: pivot_root")
# clone with CLONE_NEWUSER: refused by the filter
if libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0) >= 0:
    print("ESCAPED: clone(CLONE_NEWUSER)")
print("SAFE namespaces")

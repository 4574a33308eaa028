# outcome: success
# stdout: SAFE ipc
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
# shmget is refused (not in the allowlist); and each run has its own IPC namespace anyway
if libc.syscall(29, 0x1234, 4096, 0o1000 | 0o666) >= 0:
    print("ESCAPED: shmget")
print("SAFE ipc")

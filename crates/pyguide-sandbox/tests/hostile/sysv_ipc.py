# outcome: success
# stdout: SAFE ipc
# Runs share the sandbox's IPC namespace, so every way into it must be refused: SysV shared
# memory, message queues and semaphores, and POSIX message queues (x86_64 syscall numbers).
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
if libc.syscall(29, 0x1234, 4096, 0o1000 | 0o666) >= 0:
    print("ESCAPED: shmget")
if libc.syscall(68, 0x1234, 0o1000 | 0o666) >= 0:
    print("ESCAPED: msgget")
if libc.syscall(64, 0x1234, 1, 0o1000 | 0o666) >= 0:
    print("ESCAPED: semget")
if libc.syscall(240, b"pyguide-queue", 0o100 | 0o2, 0o666, None) >= 0:
    print("ESCAPED: mq_open")
print("SAFE ipc")

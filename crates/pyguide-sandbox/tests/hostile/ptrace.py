# outcome: success
# stdout: SAFE ptrace
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
if libc.ptrace(0, 0, None, None) == 0:  # PTRACE_TRACEME
    print("ESCAPED: PTRACE_TRACEME")
if libc.ptrace(16, os.getppid(), None, None) == 0:  # PTRACE_ATTACH
    print("ESCAPED: attached to the parent")
if libc.ptrace(16, 1, None, None) == 0:
    print("ESCAPED: attached to pid 1")
print("SAFE ptrace")

# outcome: success
# stdout: SAFE kill
import os, signal
try:
    os.kill(-1, signal.SIGKILL)  # everything this run may signal: only its own namespace
except OSError:
    pass
for pid in (1, os.getppid()):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
print("SAFE kill")

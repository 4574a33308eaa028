# outcome: success
# stdout: SAFE daemon
# A double-forked, setsid'ed daemon that tries to outlive its run.
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2):
            os.close(fd)
        time.sleep(60)
        open("/tmp/daemon-was-here", "w").write("x")
        os._exit(0)
    os._exit(0)
time.sleep(0.1)
print("SAFE daemon")

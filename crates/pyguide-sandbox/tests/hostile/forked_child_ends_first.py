# outcome: success
# stdout: child done
# stdout: parent kept running
# A forked child that runs to the end of the program first must not end the run: only the
# program's own process reports its exit to the server.
import os, time
pid = os.fork()
if pid == 0:
    print("child done")
else:
    os.waitpid(pid, 0)
    time.sleep(0.3)
    print("parent kept running")

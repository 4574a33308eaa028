# outcome: error|timeout
# A fork bomb: the pids cgroup stops it; the run ends and nothing is left behind.
import os
while True:
    os.fork()

# outcome: success
# stdout: SAFE inodes
import os
n = 0
try:
    for n in range(1_000_000):
        open("f%d" % n, "w").close()
    print("ESCAPED: a million files")
except OSError as e:
    print("SAFE inodes", type(e).__name__, n < 100_000)

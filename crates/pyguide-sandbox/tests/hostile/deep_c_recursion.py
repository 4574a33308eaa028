# outcome: error|memory_limit|timeout
import sys
sys.setrecursionlimit(10 ** 8)
x = []
for _ in range(10 ** 6):
    x = [x]
print(repr(x)[:10])

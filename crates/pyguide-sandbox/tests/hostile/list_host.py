# outcome: success
# stdout: SAFE list
import os
seen = set()
for root, dirs, files in os.walk("/"):
    for name in files + dirs:
        seen.add(os.path.join(root, name))
leaks = [p for p in seen if p.startswith(("/home", "/proc/", "/sys/", "/var", "/work/../", "/root/.cargo", "/etc/shadow"))]
if any(p == "{PROJECT}" or p.startswith("{PROJECT}/") for p in seen):
    print("ESCAPED: sees the project")
if leaks:
    print("ESCAPED: sees", sorted(leaks)[:5])
print("SAFE list")

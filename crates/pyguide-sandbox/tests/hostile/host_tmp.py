# outcome: success
# stdout: SAFE tmp
# The sandbox's /tmp is its own tmpfs: the marker must not appear in the host's /tmp.
open("/tmp/pyguide-hostile-marker", "w").write("x")
print("SAFE tmp")

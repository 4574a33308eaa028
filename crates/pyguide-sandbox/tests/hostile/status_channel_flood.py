# outcome: error
# stderr: PyGuide stopped the program: it wrote to the channel
# The run's status pipe (how the server learns the exit status) is a descriptor of this
# process. Flooding it must cost the server nothing: it reads one short line at most, and
# anything else ends the run as an error.
import os

chunk = b"x" * (1 << 20)
for _ in range(64):
    for fd in range(3, 64):
        try:
            os.write(fd, chunk)
        except OSError:
            pass
print("ESCAPED: wrote 64 MiB to every descriptor")

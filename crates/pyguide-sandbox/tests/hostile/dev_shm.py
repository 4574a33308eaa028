# outcome: success
# stdout: SAFE shm
written = 0
try:
    with open("/dev/shm/big", "wb") as f:
        while written < (512 << 20):
            f.write(b"x" * (1 << 20))
            written += 1 << 20
    print("ESCAPED: 512 MiB in /dev/shm")
except OSError:
    print("SAFE shm", written <= (64 << 20))

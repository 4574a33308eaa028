# outcome: success
# stdout: SAFE full
chunk = b"x" * (1 << 20)
written = 0
try:
    with open("big", "wb") as f:
        while written < (1 << 30):
            f.write(chunk)
            written += len(chunk)
    print("ESCAPED: wrote 1 GiB")
except OSError as e:
    print("SAFE full", type(e).__name__, written >> 20, "MiB")

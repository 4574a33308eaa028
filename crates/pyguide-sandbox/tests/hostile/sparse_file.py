# outcome: success
# stdout: SAFE sparse
try:
    with open("sparse", "wb") as f:
        f.seek(2 ** 40)
        f.write(b"x")
    print("ESCAPED: a 1 TiB sparse file")
except OSError as e:
    print("SAFE sparse", type(e).__name__)

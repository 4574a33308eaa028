# outcome: memory_limit
x = bytearray(2 ** 33)
print("ESCAPED: allocated 8 GiB")

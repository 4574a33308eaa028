# Shows: indexing a number as if it were a list.
# Kind: TypeError
# Line: 6
# Mentions: int, count
count = 42
print(count[0])

# Shows: a for loop over a number instead of range(number).
# Kind: TypeError
# Line: 6
# Mentions: int, range(n)
n = 5
for i in n:
    print(i)

# Shows: a function that prints instead of returning, its None used in a sum.
# Kind: TypeError
# Line: 9
# Mentions: double, return, None
def double(x):
    print(x * 2)


result = double(4) + 1

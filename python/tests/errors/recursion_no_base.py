# Shows: a recursive function with no base case.
# Kind: RecursionError
# Line: 6
# Mentions: countdown, base case
def countdown(n):
    return countdown(n - 1)


countdown(3)

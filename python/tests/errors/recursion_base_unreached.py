# Shows: a recursive function whose base case is never reached (n grows instead of shrinking).
# Kind: RecursionError
# Line: 6 or 8
# Mentions: factorial, line 6, n - 1
def factorial(n):
    if n == 0:
        return 1
    return n * factorial(n + 1)


print(factorial(5))

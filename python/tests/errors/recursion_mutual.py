# Shows: two functions that call each other with no way out.
# Kind: RecursionError
# Line: 6 or 10
# Mentions: is_even, is_odd, base case
def is_even(n):
    return is_odd(n - 1)


def is_odd(n):
    return is_even(n - 1)


print(is_even(4))

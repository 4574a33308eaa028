# Shows: an assert whose condition is false.
# Kind: AssertionError
# Line: 6
# Mentions: assert, price
price = -5
assert price >= 0, "price must not be negative"

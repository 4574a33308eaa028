# Shows: unpacking one value into two names.
# Kind: ValueError
# Line: 6
# Mentions: 2, 1, parts
parts = "Ada".split(",")
first, last = parts

# Shows: unpacking three values into two names.
# Kind: ValueError
# Line: 6
# Mentions: 2, 3, point
point = (1, 2, 3)
x, y = point

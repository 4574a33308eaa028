# Shows: append on a tuple, which cannot grow.
# Kind: AttributeError
# Line: 6
# Mentions: tuple, append, point
point = (1, 2)
point.append(3)

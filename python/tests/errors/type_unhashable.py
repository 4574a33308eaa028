# Shows: a list used as a dictionary key.
# Kind: TypeError
# Line: 6
# Mentions: list, tuple
seen = {}
seen[[1, 2]] = "point"

# Shows: a number called like a function (a missing * in maths).
# Kind: TypeError
# Line: 6
# Mentions: int, width
width = 4
area = width(3 + 2)

# Shows: the square root of a negative number.
# Kind: ValueError
# Line: 8
# Mentions: math, negative
import math

side = -4
print(math.sqrt(side))

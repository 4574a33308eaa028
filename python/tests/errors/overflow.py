# Shows: a float result too large to represent.
# Kind: OverflowError
# Line: 8
# Mentions: math.exp, float
import math

growth = 1000
print(math.exp(growth))

# Shows: a misspelled function of a standard module (math.sqr).
# Kind: AttributeError
# Line: 7
# Mentions: math, sqr, sqrt
import math

print(math.sqr(16))

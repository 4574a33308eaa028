# Shows: a module used without importing it.
# Kind: NameError
# Line: 5
# Mentions: math, import math
print(math.sqrt(16))

# Shows: importing a name a module does not have.
# Kind: ImportError
# Line: 5
# Mentions: sqroot, math, sqrt
from math import sqroot

# Shows: `from random import randint` finds the learner's own random.py.
# Files: import_shadowed_from/random.py
# Kind: ImportError
# Line: 6
# Mentions: random.py, randint, Rename
from random import randint

print(randint(1, 6))

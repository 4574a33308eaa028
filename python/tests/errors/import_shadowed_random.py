# Shows: a file of the learner's named random.py hides the standard random module.
# Files: import_shadowed_random/random.py
# Kind: AttributeError
# Line: 8
# Mentions: random.py, randint, Rename
import random

print(random.randint(1, 6))

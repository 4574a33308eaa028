# Shows: a misspelled standard module (maths for math).
# Kind: ModuleNotFoundError
# Line: 5
# Mentions: maths, math
import maths

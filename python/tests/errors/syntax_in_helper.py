# Shows: a syntax error in the learner's helper file, found when main.py imports it.
# Files: syntax_in_helper/shapes.py
# Kind: SyntaxError.missing_colon
# Line: 3
# Mentions: shapes.py, colon, def
import shapes

print(shapes.area(2))

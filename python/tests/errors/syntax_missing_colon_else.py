# Shows: an else without its colon.
# Kind: SyntaxError.missing_colon
# Line: 8
# Mentions: else, colon
x = 3
if x > 2:
    print("big")
else
    print("small")

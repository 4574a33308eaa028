# Shows: an elif whose if is missing.
# Kind: SyntaxError.else_without_if
# Line: 6
# Mentions: elif, if
x = 3
elif x > 2:
    print("big")

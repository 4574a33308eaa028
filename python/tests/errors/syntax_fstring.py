# Shows: an f-string with an empty pair of braces.
# Kind: SyntaxError.fstring
# Line: 6
# Mentions: f-string, {}
name = "Ada"
print(f"Hello {}!")

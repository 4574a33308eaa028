# Shows: changing one character of a string in place.
# Kind: TypeError
# Line: 6
# Mentions: str, word
word = "cat"
word[0] = "b"

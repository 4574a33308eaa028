# Shows: curly quotes copied from a document.
# Kind: SyntaxError.invalid_character
# Line: 5
# Mentions: U+201C, quotes
print(“Hello”)

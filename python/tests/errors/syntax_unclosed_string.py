# Shows: a string without its closing quote.
# Kind: SyntaxError.unclosed_string
# Line: 5
# Mentions: quote
message = "Hello, world
print(message)

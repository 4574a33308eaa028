# Shows: a string method with a wrong name (uppercase for upper).
# Kind: AttributeError
# Line: 6
# Mentions: uppercase, upper, str
name = "ada"
print(name.uppercase())

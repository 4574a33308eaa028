# Shows: a def line without its colon.
# Kind: SyntaxError.missing_colon
# Line: 5
# Mentions: colon, def
def greet(name)
    print("Hello", name)

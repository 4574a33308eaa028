# Shows: a positional argument after a keyword argument in a call.
# Kind: SyntaxError.positional_after_keyword
# Line: 9
# Mentions: name=value, positional
def describe(name, age):
    print(name, "is", age)


describe(name="Ada", 36)

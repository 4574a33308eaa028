# Shows: a keyword argument the function has no parameter for.
# Kind: TypeError
# Line: 9
# Mentions: colour, greet, name
def greet(name):
    print("Hello", name)


greet(name="Ada", colour="red")

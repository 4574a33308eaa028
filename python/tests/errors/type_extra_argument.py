# Shows: a function called with more arguments than it takes.
# Kind: TypeError
# Line: 9
# Mentions: greet, 1, 2
def greet(name):
    print("Hello", name)


greet("Ada", "Lovelace")

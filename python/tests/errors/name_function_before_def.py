# Shows: a function called before the `def` that makes it has run.
# Kind: NameError
# Line: 5
# Mentions: greet, line 8
greet("Ada")


def greet(name):
    print("Hello", name)

# Shows: a variable named list hides the built-in list().
# Kind: TypeError
# Line: 6
# Mentions: list, line 5
list = [1, 2, 3]
letters = list("abc")

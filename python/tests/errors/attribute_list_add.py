# Shows: list.add (a set method) used on a list.
# Kind: AttributeError
# Line: 6
# Mentions: add, append, list
items = [1, 2]
items.add(3)

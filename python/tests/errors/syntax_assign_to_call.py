# Shows: assigning to a function call.
# Kind: SyntaxError.assign_to_call
# Line: 6
# Mentions: ==, len(
names = ["a"]
len(names) = 1

# Shows: = written where == (compare) was meant.
# Kind: SyntaxError.assign_in_condition
# Line: 6
# Mentions: ==
answer = 42
if answer = 42:
    print("right")

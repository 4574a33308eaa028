# Shows: a function that changes a global counter without `global`.
# Kind: UnboundLocalError
# Line: 9
# Mentions: count, line 9
count = 0


def add_one():
    count = count + 1


add_one()

# Shows: int() of text that is not a whole number.
# Kind: ValueError
# Line: 6
# Mentions: '3.5', float
answer = "3.5"
number = int(answer)

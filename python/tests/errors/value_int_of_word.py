# Shows: int() of a word.
# Kind: ValueError
# Line: 6
# Mentions: 'ten', try
answer = "ten"
number = int(answer)

# Shows: a variable used with a typo in its name (score written as scroe).
# Kind: NameError
# Line: 6
# Mentions: scroe, score
score = 10
print(scroe)

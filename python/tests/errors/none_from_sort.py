# Shows: x = x.sort() keeps None, then indexing it fails.
# Kind: TypeError
# Line: 7
# Mentions: scores, sort, None, sorted
scores = [3, 1, 2]
scores = scores.sort()
print(scores[0])

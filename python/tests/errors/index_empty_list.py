# Shows: the first item of an empty list.
# Kind: IndexError
# Line: 6
# Mentions: results, empty
results = []
print(results[0])

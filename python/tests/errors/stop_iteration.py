# Shows: next() on an iterator that has no items left.
# Kind: StopIteration
# Line: 8
# Mentions: next, default
colours = iter(["red"])
print(next(colours))

print(next(colours))

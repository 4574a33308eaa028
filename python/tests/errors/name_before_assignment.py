# Shows: a name used on a line above the one that assigns it.
# Kind: NameError
# Line: 5
# Mentions: total, line 6
print(total)
total = 0

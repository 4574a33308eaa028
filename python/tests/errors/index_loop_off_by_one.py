# Shows: a loop that runs one step too far with range(len(x) + 1).
# Kind: IndexError
# Line: 7
# Mentions: letters, i, 2
letters = "ab"
for i in range(len(letters) + 1):
    print(letters[i])

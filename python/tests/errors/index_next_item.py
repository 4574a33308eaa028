# Shows: comparing each item with the next one runs past the end.
# Kind: IndexError
# Line: 7
# Mentions: temps, position 3, `i` is 2
temps = [12, 15, 11]
for i in range(len(temps)):
    if temps[i + 1] > temps[i]:
        print("warmer")

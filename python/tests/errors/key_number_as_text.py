# Shows: a dictionary keyed by numbers looked up with text read from input.
# Stdin: 1
# Kind: KeyError
# Line: 8
# Mentions: '1', prizes, 1
prizes = {1: "gold", 2: "silver"}
place = input("Place? ")
print(prizes[place])

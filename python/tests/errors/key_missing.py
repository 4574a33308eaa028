# Shows: a dictionary key with different capitals from the one stored.
# Kind: KeyError
# Line: 6
# Mentions: 'Alice', 'alice', ages
ages = {"alice": 31, "bob": 27}
print(ages["Alice"])

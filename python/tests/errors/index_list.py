# Shows: reading one past the end of a list.
# Kind: IndexError
# Line: 6
# Mentions: fruits, 3
fruits = ["apple", "pear", "plum"]
print(fruits[3])

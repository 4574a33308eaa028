# Shows: list.remove of an item the list does not hold.
# Kind: ValueError
# Line: 6
# Mentions: "kiwi", basket, if "kiwi" in basket
basket = ["apple", "pear"]
basket.remove("kiwi")

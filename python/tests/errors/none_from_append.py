# Shows: x = x.append(...) keeps None, then the next append fails.
# Kind: AttributeError
# Line: 7
# Mentions: names, append, None
names = []
names = names.append("Ada")
names.append("Grace")

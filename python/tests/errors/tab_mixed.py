# Shows: a block indented with a tab on one line and spaces on the next.
# Kind: TabError
# Line: 7
# Mentions: tab, spaces
if True:
        x = 1
	print(x)

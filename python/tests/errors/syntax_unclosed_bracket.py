# Shows: a call whose ( is never closed; Python notices lines later.
# Kind: SyntaxError.unclosed_bracket
# Line: 5
# Mentions: (, line 5
print("total:", sum([1, 2, 3])
value = 4
print(value)

# Shows: one closing bracket too many.
# Kind: SyntaxError.unmatched_bracket
# Line: 5
# Mentions: )
total = (1 + 2))

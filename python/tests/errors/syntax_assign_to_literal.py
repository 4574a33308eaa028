# Shows: an assignment written backwards, to a number.
# Kind: SyntaxError.assign_to_literal
# Line: 5
# Mentions: left
5 = count

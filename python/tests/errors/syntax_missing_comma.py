# Shows: a list whose items lack a comma between them.
# Kind: SyntaxError.missing_comma
# Line: 5
# Mentions: comma, 20, 30
scores = [10, 20 30, 40]

# Shows: a list written one item per line, with a comma missing at the end of one line.
# Kind: SyntaxError.missing_comma
# Line: 7
# Mentions: comma, end of line 7
scores = [
    10,
    20
    30,
]

# Shows: a Python keyword used as a variable name.
# Kind: SyntaxError.keyword_as_name
# Line: 5
# Mentions: class, keyword
class = "3B"

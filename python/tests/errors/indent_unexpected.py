# Shows: a line indented for no reason.
# Kind: IndentationError.unexpected_indent
# Line: 6
# Mentions: indent
x = 1
    print(x)

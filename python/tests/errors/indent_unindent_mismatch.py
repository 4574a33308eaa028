# Shows: a line dedented to a level no block started at.
# Kind: IndentationError.unindent_mismatch
# Line: 8
# Mentions: indent
def f():
    if True:
        print(1)
      print(2)

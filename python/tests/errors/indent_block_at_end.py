# Shows: a def whose body is only a comment, at the end of the file (on 3.8 a SyntaxError
# "unexpected EOF while parsing", an IndentationError from 3.9: the same kind on every version).
# Kind: IndentationError.expected_indent
# Line: 6
# Mentions: def, line 6, pass
def greet(name):
    # to do: say hello

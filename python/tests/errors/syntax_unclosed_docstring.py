# Shows: a docstring whose closing triple quote is missing.
# Kind: SyntaxError.unclosed_string
# Line: 6
# Mentions: line 6, """
def area(width, height):
    """Return the area of a rectangle.
    return width * height


print(area(2, 3))

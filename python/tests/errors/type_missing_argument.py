# Shows: a function called with too few arguments.
# Kind: TypeError
# Line: 9
# Mentions: area, height
def area(width, height):
    return width * height


print(area(3))

# Shows: a try block with no except after it.
# Kind: SyntaxError.try_without_except
# Line: 6
# Mentions: try, except, line 6
text = "42"
try:
    number = int(text)
print(number)

# Shows: a for loop whose body is not indented.
# Kind: IndentationError.expected_indent
# Line: 6
# Mentions: for, indent
for i in range(3):
print(i)

# Shows: text written without quotes, read as a variable name.
# Kind: NameError
# Line: 5
# Mentions: hello, "hello"
print(hello)

# Shows: arithmetic on the text input() returns.
# Stdin: 7
# Kind: TypeError
# Line: 7
# Mentions: str, int(
age = input("Age? ")
print(age - 1)

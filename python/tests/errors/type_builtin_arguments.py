# Shows: a built-in function called with no argument.
# Kind: TypeError
# Line: 6
# Mentions: len, argument
names = ["Ada", "Grace"]
print(len())

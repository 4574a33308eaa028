# Shows: a price read with input() multiplied by a decimal number.
# Stdin: 10
# Kind: TypeError
# Line: 7
# Mentions: float(, input
price = input("Price? ")
print(price * 1.2)

# Shows: input() when no input is left (the Input box is empty).
# Kind: EOFError
# Line: 5
# Mentions: input, Input
name = input("Your name? ")

# Shows: len() of a number, to count its digits.
# Kind: TypeError
# Line: 6
# Mentions: len(str(
year = 2024
print(len(year))

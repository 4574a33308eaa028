# Shows: an else with no if before it (the if's block ended).
# Kind: SyntaxError.else_without_if
# Line: 7
# Mentions: else, if
x = 3
print(x)
else:
    print("no")

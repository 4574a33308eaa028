# Shows: a list spread over lines whose ] is missing.
# Kind: SyntaxError.unclosed_bracket
# Line: 5
# Mentions: [, line 5
numbers = [1, 2,
           3, 4
print(numbers)

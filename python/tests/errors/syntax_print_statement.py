# Shows: Python 2's print statement.
# Kind: SyntaxError.print_statement
# Line: 5
# Mentions: print(
print "Hello"

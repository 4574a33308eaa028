# Shows: return at the top level of the program, outside any function.
# Kind: SyntaxError.return_outside_function
# Line: 6
# Mentions: return, def
total = 3
return total

# Shows: an if statement without its colon.
# Kind: SyntaxError.missing_colon
# Line: 6
# Mentions: colon, if
temperature = 30
if temperature > 25
    print("hot")

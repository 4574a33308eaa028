# Shows: break used in an if that is not inside a loop.
# Kind: SyntaxError.break_outside_loop
# Line: 7
# Mentions: break, loop
answer = "yes"
if answer == "yes":
    break

# Shows: a misspelled built-in function (Print with a capital P).
# Kind: NameError
# Line: 5
# Mentions: Print, print
Print("Hello")

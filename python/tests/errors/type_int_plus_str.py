# Shows: adding a number read as text: int + str.
# Kind: TypeError
# Line: 6
# Mentions: int, str, extra
extra = "5"
total = 10 + extra

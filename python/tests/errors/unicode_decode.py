# Shows: bytes that are not UTF-8 decoded as UTF-8.
# Kind: UnicodeDecodeError
# Line: 6
# Mentions: utf-8, 0xe9, latin-1
data = b"caf\xe9"
print(data.decode("utf-8"))

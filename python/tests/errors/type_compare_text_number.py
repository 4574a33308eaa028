# Shows: text from input() compared with a number.
# Stdin: 15
# Kind: TypeError
# Line: 7
# Mentions: age, '15', int(age)
age = input("Age? ")
if age < 18:
    print("too young")

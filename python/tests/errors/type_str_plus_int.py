# Shows: joining text and a number with + (str + int).
# Kind: TypeError
# Line: 6
# Mentions: age, str(age)
age = 12
print("You are " + age + " years old")

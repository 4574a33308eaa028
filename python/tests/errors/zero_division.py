# Shows: an average of an empty list divides by zero.
# Kind: ZeroDivisionError
# Line: 6
# Mentions: len(marks), marks
marks = []
average = sum(marks) / len(marks)

# Shows: a path on the learner's own computer, which the sandbox does not have.
# Files: file_not_found_own_computer/marks.txt
# Kind: FileNotFoundError
# Line: 6
# Mentions: C:\Users, marks.txt, working folder
with open("C:\\Users\\sam\\marks.txt") as f:
    print(f.read())

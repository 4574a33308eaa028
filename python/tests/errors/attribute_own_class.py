# Shows: a misspelled attribute of the learner's own object.
# Kind: AttributeError
# Line: 11
# Mentions: Dog, nmae, name
class Dog:
    def __init__(self, name):
        self.name = name


rex = Dog("Rex")
print(rex.nmae)

# Shows: a method defined without its self parameter.
# Kind: TypeError
# Line: 11
# Mentions: bark, self
class Dog:
    def bark():
        print("Woof")


rex = Dog()
rex.bark()

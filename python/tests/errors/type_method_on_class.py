# Shows: a method called on the class itself instead of on an object.
# Kind: TypeError
# Line: 10
# Mentions: bark, Dog, Dog(
class Dog:
    def bark(self):
        print("Woof")


Dog.bark()

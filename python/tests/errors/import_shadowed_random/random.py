# The learner's own helper, unluckily named like the standard module.
def pick(items):
    return items[0]

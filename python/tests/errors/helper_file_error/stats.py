# A helper module of the learner's.
def mean(values):
    return sum(values) / len(values)

# The learner's notes, unluckily named like the standard module.
favourite = 7

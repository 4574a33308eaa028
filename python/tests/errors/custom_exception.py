# Shows: an exception class of the learner's own, which the explainer does not know.
# Kind: OutOfStock
# Line: 10
# Mentions: OutOfStock, traceback, buy, line 13, except OutOfStock
class OutOfStock(Exception):
    pass


def buy(item):
    raise OutOfStock(item)


buy("apples")

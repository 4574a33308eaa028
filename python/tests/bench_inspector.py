#!/usr/bin/env python3
"""Benchmark (not a test): inspect a 50-line program 20 times.

Usage: python3 python/tests/bench_inspector.py [--baseline OLD_INSPECTOR] [PYTHON ...]
Prints, per interpreter, the median / min / max wall time of 20 runs of
`PYTHON inspector.py prog.py` (process start to exit, JSON piped back), the
JSON size, the number of trace steps and the inspector's own timing_ms. With
--baseline (e.g. `git show main:python/inspector.py > /tmp/old.py`), that
inspector runs too, interleaved with this one, and the ratios are printed.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INSPECTOR = os.path.join(os.path.dirname(HERE), "inspector.py")
RUNS = 20

PROGRAM = '''\
import math


class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))

    def __repr__(self):
        return f"Account({self.owner!r}, {self.balance})"


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def stats(values):
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return {"mean": mean, "std": math.sqrt(var)}


def evens(limit):
    for i in range(limit):
        if i % 2 == 0:
            yield i


acc = Account("ada")
for amount in [10, 20, -5]:
    try:
        acc.deposit(amount)
    except ValueError as err:
        print("error:", err)

squares = [x * x for x in range(6)]
table = {name: len(name) for name in ["ada", "bob", "eve"]}
print(fib(5), stats(squares), list(evens(6)))
print(acc, table)
words = "the quick brown fox".split()
print(sorted(words, key=len))
'''


def run_once(py, inspector, prog):
    t = time.perf_counter()
    out = subprocess.run([py, inspector, prog], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, check=True).stdout
    return (time.perf_counter() - t) * 1000, out


def main():
    args = sys.argv[1:]
    baseline = None
    if "--baseline" in args:
        i = args.index("--baseline")
        baseline = args[i + 1]
        del args[i:i + 2]
    pythons = args or [sys.executable]
    inspectors = [("this one", INSPECTOR)] + ([("baseline", baseline)] if baseline else [])
    with tempfile.TemporaryDirectory() as tmp:
        prog = os.path.join(tmp, "main.py")
        with open(prog, "w") as fh:
            fh.write(PROGRAM)
        assert len(PROGRAM.splitlines()) == 50, len(PROGRAM.splitlines())
        for py in pythons:
            times = {name: [] for name, _ in inspectors}
            outs = {}
            for _ in range(RUNS):          # interleaved, so both see the same machine
                for name, path in inspectors:
                    ms, outs[name] = run_once(py, path, prog)
                    times[name].append(ms)
            for name, _ in inspectors:
                doc = json.loads(outs[name])
                ts = times[name]
                print("%s (Python %s), %s: median %.1f ms  min %.1f  max %.1f  | JSON %d bytes, "
                      "%d steps, outcome %s, inspector timing_ms %s" % (
                          py, doc["python_version"], name, statistics.median(ts), min(ts),
                          max(ts), len(outs[name]), doc["steps"], doc["outcome"],
                          doc["timing_ms"]))
            if baseline:
                print("  this one / baseline: time %.2fx, size %.2fx" % (
                    statistics.median(times["this one"]) / statistics.median(times["baseline"]),
                    len(outs["this one"]) / len(outs["baseline"])))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark (not a test): the inspector's CPU time in a simulated sandbox unit.

Usage: python3 -I -S python/tests/bench_inspector_unit.py [--runs N] [--baseline OLD_INSPECTOR]
                                                         [--prepared-baseline]

The sandboxed runner's wall time swings with the machine's load; the CPU time one inspect
costs does much less. This measures it as the sandbox's interpreter spends it: an interpreter
with only its start-up modules prepares the inspector once with zygote.py's own prepare_tool
(compiled; its definitions run and its modules imported), then forks a process per run that
puts those modules back in sys.modules and runs the rest of the inspector (its
`if __name__ == "__main__":` block) on the 50-line program of
crates/pyguide/examples/inspect_bench.rs. Printed: the medians of N runs (interleaved with the
baseline's) of the run's CPU time (user + system, from wait4) and of each phase's CPU time (the
document's timing_ms, measured with the process's CPU clock), and the document's size. The
baseline inspector (e.g. `git show main:python/inspector.py > /tmp/old.py`) runs as the
interpreter ran it before it prepared tools: compiled before the fork, everything else in each
run; with --prepared-baseline it is prepared as this one is (to compare two inspectors' work per
run, such as main's and a branch's).
Run it with -I -S so that, as in the sandbox, no site-packages modules are loaded at start-up.
"""
import sys
import os
import site  # noqa: F401  (the sandbox's interpreter has these at start-up, with site)

BASELINE_MODULES = set(sys.modules)  # what zygote.py keeps in a run's sys.modules

import gc  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INSPECTOR = os.path.join(ROOT, "python", "inspector.py")
BENCH_RS = os.path.join(ROOT, "crates", "pyguide", "examples", "inspect_bench.rs")
TOOL_PATH = "/tmp/inspector.py"  # where the sandbox's runs find the inspector


def program():
    """The 50-line program of the sandboxed bench (one definition, in inspect_bench.rs)."""
    with open(BENCH_RS, encoding="utf-8") as f:
        return re.search(r'const PROGRAM: &str = r#"(.*?)"#;', f.read(), re.S).group(1)


def from_zygote(*names):
    """The functions `names` of python/zygote.py, defined here: the bench prepares the
    inspector with the sandbox's own code (zygote.py itself cannot be imported: it starts
    serving). They use this module's BASELINE_MODULES."""
    import ast

    with open(os.path.join(ROOT, "python", "zygote.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in names]
    exec(compile(ast.Module(body=defs, type_ignores=[]), "zygote.py", "exec"), globals())


from_zygote("prepare_tool", "is_main_check", "forget_modules")


def one_run(code, module, modules, main_py):
    """Forks a unit that runs `code` (in `module`, if prepared) on `main_py`, as zygote.py's
    run_main does; (CPU ms, document bytes)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.dup2(w, 1)
            os.close(w)
            forget_modules()
            sys.modules.update(modules)
            sys.argv[:] = [TOOL_PATH, main_py]
            sys.path[0] = os.path.dirname(main_py)
            # timing_ms in CPU time: the inspector reads the clock as time.perf_counter
            time.perf_counter = time.process_time
            main = module
            if main is None:
                main = type(sys)("__main__")
                main.__file__ = TOOL_PATH
                main.__builtins__ = __builtins__
            sys.modules["__main__"] = main
            gc.unfreeze()
            exec(code, main.__dict__)
        finally:
            os._exit(125)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise SystemExit("the inspector's unit failed (status %d)" % status)
    return (usage.ru_utime + usage.ru_stime) * 1000, b"".join(chunks)


def main(argv):
    runs = 20
    inspectors = [("this one", INSPECTOR, True)]
    prepared_baseline = False
    i = 0
    while i < len(argv):
        if argv[i] == "--runs":
            runs = int(argv[i + 1])
            i += 1
        elif argv[i] == "--baseline":
            inspectors.append(("baseline", argv[i + 1], False))
            i += 1
        elif argv[i] == "--prepared-baseline":
            prepared_baseline = True
        else:
            raise SystemExit(__doc__)
        i += 1
    folder = tempfile.mkdtemp()
    main_py = os.path.join(folder, "main.py")
    with open(main_py, "w", encoding="utf-8") as f:
        f.write(program())
    prepared = []
    for name, path, imported in inspectors:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        if imported or prepared_baseline:
            prepared.append((name,) + prepare_tool(source, TOOL_PATH))
        else:
            prepared.append((name, compile(source, TOOL_PATH, "exec", dont_inherit=True), None, {}))
    forget_modules()
    gc.collect()
    gc.freeze()
    results = {name: ([], []) for name, _, _, _ in prepared}
    size = {}
    for _ in range(runs):
        for name, code, module, modules in prepared:
            cpu, out = one_run(code, module, modules, main_py)
            doc = json.loads(out)
            if doc["outcome"] != "success":
                raise SystemExit("%s: %s" % (name, doc.get("exception") or doc.get("inspector_error")))
            results[name][0].append(cpu)
            results[name][1].append(doc["timing_ms"])
            size[name] = len(out)
    print("inspect of the %d-line program in a simulated unit, %d runs each (interleaved), Python %s"
          % (program().count("\n"), runs, sys.version.split()[0]))
    print()
    print("| inspector | CPU p50 | CPU min | tokens | ast | bytecode | traced run | total (timing_ms, CPU) | document |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, (cpus, timings) in results.items():
        med = {k: statistics.median(t[k] for t in timings) for k in timings[0]}
        print("| %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.0f KB |" % (
            name, statistics.median(cpus), min(cpus), med["tokens"], med["ast"], med["bytecode"],
            med["run"], med["total"], size[name] / 1024))
    if len(results) > 1:
        new = statistics.median(results["this one"][0])
        print()
        for name in list(results)[1:]:
            old = statistics.median(results[name][0])
            print("CPU p50 against the %s, same run: %.1f ms -> %.1f ms (%.2fx)" % (name, old, new, new / old))


if __name__ == "__main__":
    main(sys.argv[1:])

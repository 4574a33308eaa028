"""PyGuide's exercise checker: runs the learner's main.py, then the exercise's checks.

It runs inside the sandbox like any program: `python exercise.py /work/main.py`, with the
exercise's spec in `pyguide_exercise.json` beside this file:

    {"nonce": "…", "checks": "assert f(2) == 4, 'f(2)'\n…", "visible": false}

The spec file is read and deleted before the learner's code runs. The learner's code runs as
`__main__` exactly as a plain run would (same tracebacks, same output). Then every top-level
statement of the checks runs in the learner's namespace with output captured; each top-level
`assert` is one check. For `assert GOT == EXPECTED` (or `is`) the report carries both values' reprs.
The checks' source is reported only when the spec says `visible`.

The report is one line on stderr, at the very end: "\x1e<nonce> <json>\n". The server removes
it from what the learner sees. The schema:

    {"program": null | {"kind": "syntax_error" | "exception" | "exit", "message": str,
                        "line": int | null},
     "checks": [{"name": str, "passed": bool, "expected"?: str, "got"?: str, "error"?: str,
                 "source"?: str}]}

Checking is for learning, not grading: a learner's program could read this process's memory
and forge a report, and would only fool itself (progress lives in the learner's browser).
"""

import ast
import io
import json
import os
import sys
import traceback

SPEC_FILE = "pyguide_exercise.json"
MAX_REPR = 300
SETUP_NAME = "preparing the checks"


def short_repr(value):
    try:
        text = repr(value)
    except BaseException as e:  # a learner's __repr__ may raise
        text = "<%s whose repr() raised %s>" % (type(value).__name__, type(e).__name__)
    if len(text) > MAX_REPR:
        text = text[: MAX_REPR - 1] + "…"
    return text


def main_py_line(tb, target):
    """The line of the learner's main.py where an exception was last seen, or None."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def describe(exc, target):
    text = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    line = main_py_line(exc.__traceback__, target)
    if line is not None:
        text += " (main.py, line %d)" % line
    return text


def learner_files(source, target):
    """The learner's files by name (main.py and the files beside it), for the explainer: only
    theirs, so that an explanation never points into this checker."""
    folder = os.path.dirname(os.path.abspath(target))
    files = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name != "main.py" and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as f:
                    files[name] = f.read(1 << 16)
            except (OSError, UnicodeDecodeError):
                pass
    files["main.py"] = source
    return files


def explain(exc, sources):
    """Has the runner explain the learner's error, when it offers to (the sandbox's
    interpreter gives this program `pyguide_explain`); it goes back with the exit status."""
    hook = globals().get("pyguide_explain")
    if hook is not None:
        hook(exc, sources)


def run_program(source, target, module):
    """Runs the learner's code like `python main.py`; returns None or the program's failure."""
    sources = learner_files(source, target)
    try:
        code = compile(source, target, "exec", dont_inherit=True)
    except SyntaxError as e:
        # The learner's lines only: the traceback would start in this checker's compile().
        e = e.with_traceback(None)
        explain(e, sources)
        sys.excepthook(type(e), e, None)
        return {"kind": "syntax_error", "message": "%s: %s" % (type(e).__name__, e.msg), "line": e.lineno}
    try:
        exec(code, module.__dict__)
    except SystemExit as e:
        if e.code is None or e.code == 0:
            return None
        return {"kind": "exit", "message": "the program called exit(%r)" % (e.code,), "line": None}
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != target:
            tb = tb.tb_next
        e = e.with_traceback(tb)
        explain(e, sources)
        sys.excepthook(type(e), e, tb)
        return {"kind": "exception", "message": describe(e, target), "line": main_py_line(tb, target)}
    return None


def evaluate(node, ns):
    return eval(compile(ast.Expression(node), "<checks>", "eval"), ns)


def run_assert(stmt, ns, number, source, visible, target):
    msg = stmt.msg
    constant = isinstance(msg, ast.Constant) and isinstance(msg.value, str)
    entry = {"name": msg.value if constant else "check %d" % number, "passed": False}
    if visible:
        entry["source"] = ast.get_source_segment(source, stmt)
    test = stmt.test
    try:
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is)):
            got = evaluate(test.left, ns)
            expected = evaluate(test.comparators[0], ns)
            passed = got is expected if isinstance(test.ops[0], ast.Is) else bool(got == expected)
            if not passed:
                entry["expected"] = short_repr(expected)
                entry["got"] = short_repr(got)
        else:
            passed = bool(evaluate(test, ns))
        if not passed and msg is not None and not constant:
            entry["name"] = str(evaluate(msg, ns))
        entry["passed"] = passed
    except BaseException as e:  # the learner's code raised (or exited) inside the check
        entry["error"] = describe(e, target)
    return entry


def run_checks(source, visible, ns, target):
    try:
        tree = ast.parse(source, "<checks>")
    except SyntaxError as e:
        return [{"name": SETUP_NAME, "passed": False, "error": "the exercise's checks do not compile (line %s)" % e.lineno}]
    results = []
    number = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.Assert):
            number += 1
            results.append(run_assert(stmt, ns, number, source, visible, target))
            continue
        try:
            exec(compile(ast.Module([stmt], type_ignores=[]), "<checks>", "exec"), ns)
        except BaseException as e:
            results.append({"name": SETUP_NAME, "passed": False, "error": describe(e, target)})
            break
    return results


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    spec_path = os.path.join(here, SPEC_FILE)
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    os.unlink(spec_path)
    nonce = spec["nonce"]
    target = sys.argv[1]
    with open(target, encoding="utf-8") as f:
        source = f.read()
    sys.argv[:] = ["main.py"]
    # Imports resolve beside main.py (its extra files), as in `python main.py`, not beside this file.
    sys.path[0] = os.path.dirname(os.path.abspath(target))
    module = type(sys)("__main__")
    module.__file__ = target
    module.__cached__ = None
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    report = {"program": run_program(source, target, module), "checks": []}
    if report["program"] is None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        real = sys.stdout, sys.stderr
        # What checks (and the learner's functions they call) print is not the program's output.
        sys.stdout = sys.stderr = io.StringIO()
        try:
            report["checks"] = run_checks(spec["checks"], spec.get("visible", False), module.__dict__, target)
        finally:
            sys.stdout, sys.stderr = real
    line = "\x1e%s %s\n" % (nonce, json.dumps(report, ensure_ascii=True))
    os.write(2, line.encode("ascii"))
    if report["program"] is not None:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Benchmark (not a test): what explaining an error adds to a failing run, PyGuide's explainer
beside friendly-traceback, on the error corpus (tests/errors/*.py).

    python3 python/tests/bench_explain.py [--rounds N] [--python PATH] [CASE-SUBSTRING ...]

Every corpus program runs as main.py in a fresh process, three ways, round-robin in the same
run so that both explainers meet the same machine load:
- plain: the program runs as the sandbox runs it (compiled as main.py, exec'd in a fresh
  __main__, from its folder) and its traceback is printed; this is the baseline;
- explain: the same, then `import explain` and `explain.explain(exc, sources)` and json.dumps
  of the result;
- friendly: the same, then `import friendly_traceback` and
  `friendly_traceback.explain_traceback(redirect="capture")`.

It reports, per program, the time the explanation step itself takes in the process (its import
included, from a compiled .pyc; median of the rounds), and apart the explain() call alone (as
when the zygote has imported explain.py before the run) and, over the corpus, the p50 of that and of the added wall
time of the whole run (median run minus median plain run, per program). friendly-traceback
"gives a specific explanation" when its `cause` is set (not only its generic text about the
exception's class) and "names a fix" when its `suggest` hint is set. PyGuide's explainer is
specific unless it fell back to a generic topic (explain.GENERIC_TOPICS) and names a fix when
its `fix` is set and it is specific.

friendly-traceback 0.7.61 is installed from PyPI into a venv under /tmp on the first run (with
the interpreter given by --python, python3 by default); all three ways run with that venv's
interpreter, so all three start the same way.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "errors")
FT_VERSION = "0.7.61"

# The child: runs main.py as the sandbox does, prints the traceback, then explains (or not).
CHILD = r"""
import json, os, sys, time
mode, work, python_dir = sys.argv[1], sys.argv[2], sys.argv[3]
main_path = os.path.join(work, "main.py")
with open(main_path, encoding="utf-8") as f:
    source = f.read()
os.chdir(work)
sys.path[0] = work
main = type(sys)("__main__")
main.__file__ = main_path
main.__builtins__ = __builtins__
sys.modules["__main__"] = main
report = {}
try:
    exec(compile(source, main_path, "exec", dont_inherit=True), main.__dict__)
except BaseException as exc:
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != main_path:
        tb = tb.tb_next
    exc = exc.with_traceback(tb)
    sys.excepthook(type(exc), exc, tb)
    if mode == "explain":
        t0 = time.perf_counter()
        sys.path.append(python_dir)
        import explain
        t1 = time.perf_counter()
        sources = {}
        for name in os.listdir(work):
            if os.path.isfile(name):
                with open(name, encoding="utf-8") as f:
                    sources[name] = f.read()
        result = explain.explain(exc, sources)
        payload = json.dumps(result)
        report["seconds"] = time.perf_counter() - t0
        report["call_seconds"] = time.perf_counter() - t1
        topic = explain._explanation(exc, sources)[0].topic
        report["specific"] = topic not in explain.GENERIC_TOPICS
        report["fix"] = bool(result["fix"]) and report["specific"]
        report["kind"] = result["kind"]
    elif mode == "friendly":
        t0 = time.perf_counter()
        try:
            import friendly_traceback
            from friendly_traceback.config import session
            friendly_traceback.explain_traceback(redirect="capture")
            info = session.recorded_tracebacks[-1].info
            report["seconds"] = time.perf_counter() - t0
            report["specific"] = bool(info.get("cause"))
            report["fix"] = bool(info.get("suggest"))
        except BaseException as e:
            report["seconds"] = time.perf_counter() - t0
            report["crashed"] = "%s: %s" % (type(e).__name__, str(e)[:100])
os.write(1, ("\nBENCH " + json.dumps(report) + "\n").encode())
"""


def ensure_friendly(python):
    """A venv under /tmp with friendly-traceback FT_VERSION; returns its interpreter."""
    venv = "/tmp/pyguide-bench-ft"
    exe = os.path.join(venv, "bin", "python")
    check = [exe, "-c", "import importlib.metadata as m; print(m.version('friendly-traceback'))"]
    if os.path.exists(exe):
        done = subprocess.run(check, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if done.returncode == 0:
            return exe, done.stdout.decode().strip()
    subprocess.run([python, "-m", "venv", venv], check=True)
    subprocess.run(
        [os.path.join(venv, "bin", "pip"), "install", "-q", "friendly-traceback==" + FT_VERSION], check=True
    )
    return exe, subprocess.run(check, stdout=subprocess.PIPE, check=True).stdout.decode().strip()


def prepare(case, root):
    work = os.path.join(root, os.path.basename(case)[:-3])
    os.mkdir(work)
    shutil.copy(case, os.path.join(work, "main.py"))
    extra = case[:-3]
    if os.path.isdir(extra):
        for name in os.listdir(extra):
            shutil.copy(os.path.join(extra, name), work)
    stdin = ""
    with open(case, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# Stdin:"):
                stdin = line.split(":", 1)[1].strip()
    return work, stdin


def run(python, mode, work, stdin):
    t0 = time.perf_counter()
    proc = subprocess.run(
        [python, "-c", CHILD, mode, work, PYTHON_DIR],
        input=stdin.encode(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    wall = time.perf_counter() - t0
    marker = proc.stdout.rfind(b"\nBENCH ")
    report = json.loads(proc.stdout[marker + 7 :].decode()) if marker >= 0 else {"crashed": "no report"}
    return wall, report


def ms(seconds):
    return "%.2f" % (seconds * 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--python", default="python3")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    python, ft_version = ensure_friendly(args.python)
    version = (
        subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"], stdout=subprocess.PIPE, check=True
        )
        .stdout.decode()
        .strip()
    )
    cases = sorted(glob.glob(os.path.join(CORPUS, "*.py")))
    if args.cases:
        cases = [c for c in cases if any(s in os.path.basename(c) for s in args.cases)]
    print(
        "CPython %s, friendly-traceback %s, %d programs, %d rounds"
        % (version, ft_version, len(cases), args.rounds)
    )
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for case in cases:
            work, stdin = prepare(case, root)
            walls = {"plain": [], "explain": [], "friendly": []}
            inner = {"explain": [], "friendly": [], "call": []}
            reports = {}
            for _ in range(args.rounds):
                for mode in ("plain", "explain", "friendly"):
                    wall, report = run(python, mode, work, stdin)
                    walls[mode].append(wall)
                    if "seconds" in report:
                        inner[mode].append(report["seconds"])
                    if "call_seconds" in report:
                        inner["call"].append(report["call_seconds"])
                    reports[mode] = report
            plain = statistics.median(walls["plain"])
            rows.append(
                {
                    "case": os.path.basename(case)[:-3],
                    "kind": reports["explain"].get("kind", "?"),
                    "ours": reports["explain"],
                    "ft": reports["friendly"],
                    "ours_ms": statistics.median(inner["explain"]) if inner["explain"] else None,
                    "call_ms": statistics.median(inner["call"]) if inner["call"] else None,
                    "ft_ms": statistics.median(inner["friendly"]) if inner["friendly"] else None,
                    "ours_wall": statistics.median(walls["explain"]) - plain,
                    "ft_wall": statistics.median(walls["friendly"]) - plain,
                    "plain_wall": plain,
                }
            )
            print(".", end="", flush=True)
    print()

    def yes(report, key):
        if "crashed" in report:
            return "crash"
        return "yes" if report.get(key) else "no"

    header = "%-30s %-36s | %-8s %-5s %8s | %-8s %-5s %8s" % (
        "program",
        "kind (PyGuide)",
        "specific",
        "fix",
        "ms",
        "specific",
        "fix",
        "ms",
    )
    print("%-67s | %-24s | %-24s" % ("", "PyGuide explain.py", "friendly-traceback " + ft_version))
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            "%-30s %-36s | %-8s %-5s %8s | %-8s %-5s %8s"
            % (
                r["case"],
                r["kind"][:36],
                yes(r["ours"], "specific"),
                yes(r["ours"], "fix"),
                ms(r["ours_ms"]) if r["ours_ms"] is not None else "-",
                yes(r["ft"], "specific"),
                yes(r["ft"], "fix"),
                ms(r["ft_ms"]) if r["ft_ms"] is not None else "-",
            )
        )
    n = len(rows)

    def count(who, key):
        return sum(1 for r in rows if r[who].get(key) and "crashed" not in r[who])

    ours_ms = [r["ours_ms"] for r in rows if r["ours_ms"] is not None]
    ft_ms = [r["ft_ms"] for r in rows if r["ft_ms"] is not None]
    print()
    print("%-44s %18s %22s" % ("", "PyGuide explain.py", "friendly-traceback"))
    print(
        "%-44s %18s %22s"
        % (
            "specific explanation",
            "%d/%d" % (count("ours", "specific"), n),
            "%d/%d" % (count("ft", "specific"), n),
        )
    )
    print(
        "%-44s %18s %22s"
        % ("names a fix", "%d/%d" % (count("ours", "fix"), n), "%d/%d" % (count("ft", "fix"), n))
    )
    print(
        "%-44s %18s %22s"
        % (
            "crashed",
            str(sum(1 for r in rows if "crashed" in r["ours"])),
            str(sum(1 for r in rows if "crashed" in r["ft"])),
        )
    )
    if ours_ms and ft_ms:
        print(
            "%-44s %18s %22s"
            % (
                "explanation step in-process, p50 ms",
                ms(statistics.median(ours_ms)),
                ms(statistics.median(ft_ms)),
            )
        )
        print("%-44s %18s %22s" % ("explanation step in-process, max ms", ms(max(ours_ms)), ms(max(ft_ms))))
        calls = [r["call_ms"] for r in rows if r["call_ms"] is not None]
        print(
            "%-44s %18s %22s"
            % ("  of which explain() alone (module loaded), p50", ms(statistics.median(calls)), "-")
        )
        print("%-44s %18s %22s" % ("  of which explain() alone, max ms", ms(max(calls)), "-"))
    print(
        "%-44s %18s %22s"
        % (
            "added wall time per run, p50 ms",
            ms(statistics.median(r["ours_wall"] for r in rows)),
            ms(statistics.median(r["ft_wall"] for r in rows)),
        )
    )
    print(
        "%-44s %18s"
        % ("plain failing run (baseline), p50 ms", ms(statistics.median(r["plain_wall"] for r in rows)))
    )
    rec = [r for r in rows if r["case"].startswith("recursion")]
    if rec and rec[0]["ours_ms"] is not None and rec[0]["ft_ms"] is not None:
        print(
            "%-44s %18s %22s" % ("RecursionError, in-process ms", ms(rec[0]["ours_ms"]), ms(rec[0]["ft_ms"]))
        )


if __name__ == "__main__":
    sys.exit(main())

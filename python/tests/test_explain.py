"""Tests for python/explain.py (stdlib unittest only).

Run from the repository root:
    python3 -m unittest discover -s python/tests -v

The error corpus (tests/errors/*.py, one beginner error each; a folder of the same name holds
the example's other files) runs through explain.py's command (`run_file`, what
`python explain.py FILE` prints) on every CPython from 3.8 to 3.13 that is installed (found
under $PYENV_ROOT/versions or ~/.pyenv/versions, else as python3.X on PATH); a missing
version's tests are skipped with a message naming it. Each corpus file's header says what it
shows and what it expects:

    # Shows: ...               what the program gets wrong
    # Files: folder/name       (informational) the example's other files
    # Kind: NameError          the explanation's kind
    # Line: 6                  its line, in the learner's file ("6 or 10": either)
    # Mentions: scroe, score   words its title, text or fix must contain
    # Stdin: 7                 (optional) the program's input
    # Fix: none                (optional) no fix is expected

The interpreters run with -I -S: the sandbox's interpreter imports only what Python itself needs
at start-up, while a site-packages .pth file can import much more (one on this machine imports
`random`, which would hide the corpus's random.py shadowing).
"""

import glob
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
EXPLAIN = os.path.join(PYTHON_DIR, "explain.py")
CORPUS = os.path.join(HERE, "errors")
CONTENT = os.path.join(os.path.dirname(PYTHON_DIR), "content")
VERSIONS = ["3.%d" % minor for minor in range(8, 14)]

sys.path.insert(0, PYTHON_DIR)
import explain  # noqa: E402


def find_interpreter(version):
    """The newest installed CPython `version` (e.g. "3.9"), or None."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = []
    for path in glob.glob(os.path.join(root, "versions", version + ".*", "bin", "python" + version)):
        patch = path.split(os.sep)[-3].split(".")[2]
        if patch.isdigit():  # not 3.13.0t or a dev build
            found.append((int(patch), path))
    if found:
        return max(found)[1]
    return shutil.which("python" + version)


INTERPRETERS = {v: find_interpreter(v) for v in VERSIONS}


# ---------------------------------------------------------------- the curriculum's anchors


def slugify(text):
    """crates/pyguide-content/src/slug.rs: ASCII letters and digits kept (lowercased),
    apostrophes dropped, runs of anything else become one `-`."""
    out = []
    dash = False
    for c in text:
        if c.isascii() and c.isalnum():
            if dash and out:
                out.append("-")
            dash = False
            out.append(c.lower())
        elif c in "'\u2019":
            pass
        else:
            dash = True
    return "".join(out) or "section"


def heading_text(markdown):
    """The text pulldown-cmark gives for a heading's inline Markdown: code without its
    backticks, links as their text, emphasis without its markers."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\\(.)", r"\1", text)
    return text.replace("`", "").replace("**", "").strip("*_ ").replace("*", "")


def content_anchors(root=CONTENT):
    """{"/tutorials/<slug>#<anchor>"} for every heading of every tutorial, made as
    crates/pyguide-content/src/parse.rs makes them: the slug from the front matter or the file
    name; an explicit {#id}, else the slugified text, made unique on the page with -2, -3 ..."""
    links = set()
    for path in sorted(glob.glob(os.path.join(root, "**", "*.md"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        slug = os.path.splitext(os.path.basename(path))[0]
        start = 0
        if lines and lines[0].strip() in ("+++", "---"):
            fence = lines[0].strip()
            for i in range(1, len(lines)):
                if lines[i].strip() == fence:
                    start = i + 1
                    break
                m = re.match(r"\s*slug\s*[=:]\s*[\"']?([a-z0-9-]+)", lines[i])
                if m:
                    slug = m.group(1)
        seen = set()
        code_fence = None
        for line in lines[start:]:
            m = re.match(r" {0,3}(`{3,}|~{3,})(.*)$", line)
            if code_fence is not None:
                if (
                    m
                    and m.group(1)[0] == code_fence[0]
                    and len(m.group(1)) >= len(code_fence)
                    and not m.group(2).strip()
                ):
                    code_fence = None
                continue
            if m:
                code_fence = m.group(1)
                continue
            m = re.match(r" {0,3}(#{2,6})\s+(.*?)\s*#*\s*$", line)
            if not m:
                continue
            text = m.group(2)
            attrs = re.search(r"\s*\{([^}]*)\}\s*$", text)
            explicit = None
            if attrs:
                ids = [a[1:] for a in attrs.group(1).split() if a.startswith("#")]
                explicit = ids[0] if ids else None
                text = text[: attrs.start()]
            if explicit:
                anchor = explicit
            else:
                base = slugify(heading_text(text))
                anchor, n = base, 2
                while anchor in seen:
                    anchor, n = "%s-%d" % (base, n), n + 1
            seen.add(anchor)
            links.add("/tutorials/%s#%s" % (slug, anchor))
    return links


ANCHORS = content_anchors()


# ---------------------------------------------------------------- running the corpus


def read_header(path):
    header = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("# "):
                break
            key, _, value = line[2:].partition(":")
            header[key.strip().lower()] = value.strip()
    return header


CASES = sorted(glob.glob(os.path.join(CORPUS, "*.py")))


# One process per interpreter runs every program, each in a child forked from it (as the
# sandbox's zygote does): a fresh interpreter per program would cost ~30 ms of CPU each, over
# 500 times. The driver imports json once and takes it out of sys.modules, as the zygote does,
# so the programs start from the same sys.modules as `python explain.py FILE` would; a child
# puts it back after its program has run. A job is a line: the mode ("cli": what
# `explain.py FILE` prints; "hostile": see HOSTILE_CHILD), main.py's path, the stdin file, and
# the files for the child's stdout and stderr.
DRIVER = """
import io, os, sys
before = set(sys.modules)
import json
JSON = {name: sys.modules.pop(name) for name in set(sys.modules) - before}
sys.path.insert(0, sys.argv[1])
import explain
jobs = sys.stdin.read().splitlines()
for job in jobs:
    mode, main_path, stdin_path, out_path, err_path = job.split("\\t")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        for fd, path, flags in ((0, stdin_path, os.O_RDONLY),
                                (1, out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            os.dup2(os.open(path, flags, 0o600), fd)
        sys.stdin = io.TextIOWrapper(io.open(0, "rb", closefd=False), encoding="utf-8")
        try:
            if mode == "cli":
                result = explain.run_file(main_path)
                sys.modules.update(JSON)
                print(json.dumps(result))
            else:
                exec(compile(sys.argv[2], "<hostile child>", "exec"),
                     {"explain": explain, "main_path": main_path, "JSON": JSON})
            code = 0
        except BaseException as e:
            import traceback
            traceback.print_exc()
            code = 3
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    os.waitpid(pid, 0)
"""


def run_batch(python, jobs):
    """Runs [(mode, files {name: text}, stdin)] under `python`; returns [(stdout, stderr)]."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = []
        for i, (mode, files, stdin) in enumerate(jobs):
            work = os.path.join(tmp, "job%d" % i)
            os.mkdir(work)
            for name, text in files.items():
                with open(os.path.join(work, name), "w", encoding="utf-8") as f:
                    f.write(text)
            stdin_path = os.path.join(tmp, "stdin%d" % i)
            with open(stdin_path, "w", encoding="utf-8") as f:
                f.write(stdin)
            lines.append(
                "\t".join(
                    (
                        mode,
                        os.path.join(work, "main.py"),
                        stdin_path,
                        os.path.join(tmp, "out%d" % i),
                        os.path.join(tmp, "err%d" % i),
                    )
                )
            )
        # PYGUIDE_EXPLAIN_DEBUG: a bug in the explainer fails the test instead of falling back.
        subprocess.run(
            [python, "-I", "-S", "-c", DRIVER, PYTHON_DIR, HOSTILE_CHILD],
            input="\n".join(lines).encode(),
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=300,
            env=dict(os.environ, PYGUIDE_EXPLAIN_DEBUG="1"),
        )
        out = []
        for i in range(len(jobs)):
            texts = []
            for stream in ("out", "err"):
                path = os.path.join(tmp, "%s%d" % (stream, i))
                with (
                    open(path, encoding="utf-8", errors="replace") if os.path.exists(path) else io.StringIO()
                ) as f:
                    texts.append(f.read())
            out.append(tuple(texts))
        return out


def case_files(case):
    """main.py and the example's other files of one corpus program."""
    with open(case, encoding="utf-8") as f:
        files = {"main.py": f.read()}
    extra = os.path.splitext(case)[0]
    if os.path.isdir(extra):
        for name in os.listdir(extra):
            with open(os.path.join(extra, name), encoding="utf-8") as f:
                files[name] = f.read()
    return files


def parse(stdout, stderr):
    try:
        return json.loads(stdout), stderr
    except ValueError:
        return {"error": "no JSON on stdout"}, stderr


_RESULTS = {}


def corpus_results(version):
    """{case or hostile program: (result, stderr)} for one version. At the first call every
    installed version runs the corpus and the hostile programs, in parallel."""
    if not _RESULTS:

        def run(version):
            jobs = [("cli", case_files(case), read_header(case).get("stdin", "")) for case in CASES]
            jobs += [("hostile", {"main.py": HOSTILE_PRELUDE + program}, "") for program in HOSTILE.values()]
            outputs = run_batch(INTERPRETERS[version], jobs)
            keys = CASES + list(HOSTILE)
            return {key: parse(*output) for key, output in zip(keys, outputs)}

        installed = [v for v in VERSIONS if INTERPRETERS[v]]
        with ThreadPoolExecutor(max_workers=len(installed) or 1) as pool:
            for version, results in zip(installed, pool.map(run, installed)):
                _RESULTS[version] = results
    return _RESULTS.get(version, {})


class CorpusTest(unittest.TestCase):
    """The corpus on one CPython version per test method (test_corpus_3_8 ... test_corpus_3_13)."""

    def check_version(self, version):
        if not INTERPRETERS[version]:
            self.skipTest(
                "CPython %s is not installed (looked in ~/.pyenv/versions and for python%s on PATH)"
                % (version, version)
            )
        results = corpus_results(version)
        for case in CASES:
            name = os.path.basename(case)
            header = read_header(case)
            result, stderr = results[case]
            with self.subTest(version=version, case=name):
                self.assertNotIn("error", result, stderr[-2000:])
                self.assertEqual(result["kind"], header["kind"], result)
                # "6 or 10": where the interpreter stops a mutual recursion depends on the version.
                self.assertIn(result["line"], [int(n) for n in header["line"].split(" or ")], result)
                said = " ".join((result["title"], result["text"], result["fix"] or ""))
                for word in (w.strip() for w in header["mentions"].split(",")):
                    self.assertIn(word, said, result)
                if header.get("fix") != "none":
                    self.assertTrue(result["fix"], result)
                self.assertIn(result["learn_more"], ANCHORS, result)
                self.assertTrue(result["title"].endswith((".", "?")), result["title"])
                self.assertEqual(set(result), {"kind", "title", "text", "line", "fix", "learn_more"})


for _version in VERSIONS:
    setattr(
        CorpusTest,
        "test_corpus_" + _version.replace(".", "_"),
        (lambda v: lambda self: self.check_version(v))(_version),
    )


# ---------------------------------------------------------------- never calling learner code

# A class whose every hook records that it was called, in a list the driver below reads after
# the program has ended: the explainer must not add to it.
HOSTILE_PRELUDE = """
import builtins
CALLS = builtins.EVIL_CALLS = []

def record(name):
    CALLS.append(name)

class Meta(type):
    def __getattribute__(cls, name):
        record("Meta.__getattribute__ " + name)
        return type.__getattribute__(cls, name)
    def __repr__(cls):
        record("Meta.__repr__")
        return "Meta"

class Evil(metaclass=Meta):
    def __repr__(self):
        record("__repr__")
        return "EVIL-REPR"
    def __str__(self):
        record("__str__")
        return "EVIL-STR"
    def __eq__(self, other):
        record("__eq__")
        return self is other
    __hash__ = object.__hash__
    def __len__(self):
        record("__len__")
        return 3
    def __iter__(self):
        record("__iter__")
        return iter([1, 2, 3])
    def __getattr__(self, name):
        record("__getattr__ " + name)
        raise AttributeError(name)
    def __dir__(self):
        record("__dir__")
        return ["name"]
    def __format__(self, spec):
        record("__format__")
        return "Evil"
    def __bool__(self):
        record("__bool__")
        return True

class EvilText(str):
    def __repr__(self):
        record("EvilText.__repr__")
        return "EVIL-TEXT-REPR"
    def __eq__(self, other):
        record("EvilText.__eq__")
        return str.__eq__(self, other)
    __hash__ = str.__hash__
"""

HOSTILE = {
    "key_error_evil_dict": "d = {Evil(): Evil(), 'alpha': Evil()}\nd['alpah']\n",
    "key_error_evil_key": "d = {'a': 1}\nd[EvilText('b')]\n",
    "index_error_evil_items": "items = [Evil(), Evil()]\nitems[5]\n",
    "attribute_error_evil_object": "e = Evil()\ne.nmae\n",
    "type_error_evil_operand": "e = Evil()\ne + 1\n",
    "name_error_evil_globals": "globals()[Evil()] = 1\nglobals()[EvilText('scroe_')] = 2\nscore = Evil()\nscroe\n",
    "unpack_evil_iterable": "a, b = Evil()\n",
    "none_with_evil_neighbours": "e = Evil()\nx = [e].sort()\nx[0]\n",
    "exception_of_their_own": (
        "class Boom(Exception, metaclass=Meta):\n"
        "    @property\n"
        "    def args(self):\n"
        "        record('Boom.args')\n"
        "        return ('boom',)\n"
        "    def __str__(self):\n"
        "        record('Boom.__str__')\n"
        "        return 'boom'\n"
        "    def __getattribute__(self, name):\n"
        "        record('Boom.__getattribute__ ' + name)\n"
        "        return object.__getattribute__(self, name)\n"
        "raise Boom(Evil())\n"
    ),
    "recursion_with_evil_locals": "def f(x):\n    return f(x)\nf(Evil())\n",
    "evil_locals_of_a_function": "def f():\n    e = Evil()\n    items = {Evil(): 1}\n    return e + items\nf()\n",
    # A program that replaces built-ins and os functions with its own: the explainer, imported
    # before the program ran (as in the zygote), keeps the real ones.
    "patched_builtins": (
        "import os\n"
        "def spy(name, real):\n"
        "    def fake(*args, **kwargs):\n"
        "        record(name)\n"
        "        return real(*args, **kwargs)\n"
        "    return fake\n"
        "for name in ('len', 'repr', 'sorted', 'min', 'max', 'dir', 'getattr', 'enumerate', 'any'):\n"
        "    setattr(builtins, name, spy(name, getattr(builtins, name)))\n"
        "os.path.basename = spy('basename', os.path.basename)\n"
        "os.path.dirname = spy('dirname', os.path.dirname)\n"
        "os.getcwd = spy('getcwd', os.getcwd)\n"
        "sys_modules_before = 1\n"
        "scores = {'alice': 1}\n"
        "print(scores['Alice'] + totl)\n"
    ),
    "evil_class_attributes": "class Thing(metaclass=Meta):\n    colour = Evil()\nThing.color\n",
}

# Runs in the forked child: the program as main.py the way the CLI does, then explain(),
# counting the hooks called and the modules imported meanwhile.
HOSTILE_CHILD = """
import builtins, sys
exc, source = explain._run_as_main(main_path)
calls = builtins.__dict__.get("EVIL_CALLS", [])
before = len(calls)
modules = set(sys.modules)
result = explain.explain(exc, {"main.py": source})
new_modules = set(sys.modules) - modules
sys.modules.update(JSON)
import json
print(json.dumps({"calls": calls[before:], "result": result, "new_modules": sorted(new_modules)}))
"""


class HostileTest(unittest.TestCase):
    """Objects whose hooks record calls: explain() calls none, on each version, and imports
    nothing (sys.modules is as the program left it)."""

    def check_version(self, version):
        if not INTERPRETERS[version]:
            self.skipTest("CPython %s is not installed" % version)
        results = corpus_results(version)
        for name in HOSTILE:
            out, stderr = results[name]
            with self.subTest(version=version, case=name):
                self.assertNotIn("error", out, stderr[-2000:])
                self.assertEqual(out["calls"], [], out)
                self.assertEqual(out["new_modules"], [], out)
                result = out["result"]
                self.assertTrue(result["title"] and result["text"], result)
                said = result["text"] + result["title"] + (result["fix"] or "")
                for marker in ("EVIL-REPR", "EVIL-STR", "EVIL-TEXT-REPR"):  # what their hooks return
                    self.assertNotIn(marker, said)

    def test_exception_of_their_own_gets_the_general_explanation(self):
        version = next((v for v in VERSIONS if INTERPRETERS[v]), None)
        if version is None:
            self.skipTest("no CPython 3.8-3.13 is installed")
        out, _ = corpus_results(version)["exception_of_their_own"]
        self.assertEqual(out["result"]["kind"], "Boom")
        self.assertIn("traceback", out["result"]["text"])
        self.assertEqual(out["result"]["learn_more"], "/tutorials/exceptions#tracebacks")


for _version in VERSIONS:
    setattr(
        HostileTest,
        "test_hostile_" + _version.replace(".", "_"),
        (lambda v: lambda self: self.check_version(v))(_version),
    )


# ---------------------------------------------------------------- in-process checks


def raised(code, filename="/work/main.py"):
    """The exception `code` raises when run as main.py, with its traceback from main.py."""
    namespace = {"__name__": "__main__"}
    try:
        exec(compile(code, filename, "exec"), namespace)
    except BaseException as e:  # noqa: B902 - SyntaxError and the like are what is tested
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next
        return e.with_traceback(tb)
    raise AssertionError("the code raised nothing")


class ExplainTest(unittest.TestCase):
    def test_every_learn_more_target_is_a_heading_of_the_curriculum(self):
        self.assertGreater(len(ANCHORS), 500)  # the parser found the curriculum
        for topic, link in explain.LEARN_MORE.items():
            with self.subTest(topic=topic):
                self.assertIn(link, ANCHORS)

    def test_every_topic_the_explainer_names_has_a_target(self):
        # Topics are the first argument of _Explanation(...) and exp(...), a `topic=`, the first
        # item of what _none_maker returns, or picked by type in _attribute_error. A topic
        # missing from LEARN_MORE would silently link to the general section.
        with open(EXPLAIN, encoding="utf-8") as f:
            source = f.read()
        topics = set(re.findall(r'_Explanation\(\s*"([A-Za-z._]+)"', source))
        topics |= set(re.findall(r'topic(?:=| = )"([A-Za-z._]+)"', source))
        topics |= set(re.findall(r'return \(\s*"([A-Za-z._]+)",', source))
        topics |= set(re.findall(r'"[a-z]+": "(AttributeError\.[a-z]+)"', source))  # by the object's type
        topics |= {
            t
            for t in re.findall(r'exp\(\s*"([A-Za-z._]+)"', source)
            if t not in ("SyntaxError", "IndentationError")
        }
        self.assertGreater(len(topics), 50)
        self.assertEqual(sorted(t for t in topics if t not in explain.LEARN_MORE), [])
        self.assertEqual(sorted(t for t in explain.LEARN_MORE if t not in topics), [])

    def test_a_link_the_served_curriculum_lacks_is_left_out(self):
        code = "score = 1\nprint(scroe)\n"
        exc = raised(code)
        full = explain.explain(exc, {"main.py": code})
        self.assertEqual(full["learn_more"], "/tutorials/variables#name-error")
        self.assertIsNone(
            explain.explain(exc, {"main.py": code}, anchors={"/tutorials/other#x"})["learn_more"]
        )
        kept = explain.explain(exc, {"main.py": code}, anchors={"/tutorials/variables#name-error"})
        self.assertEqual(kept["learn_more"], "/tutorials/variables#name-error")

    def test_values_are_cut_to_sixty_characters(self):
        code = "message = 'a' * 500\nprint(mesage)\n"
        result = explain.explain(raised(code), {"main.py": code})
        self.assertIn("`message`", result["text"])
        longest = max(len(run) for run in re.findall("a+", result["text"]))
        self.assertLessEqual(longest, explain.MAX_VALUE)

    def test_a_huge_number_is_not_written_out(self):
        code = "n = 10 ** 5000\nprint(n + 'x')\n"
        result = explain.explain(raised(code), {"main.py": code})
        self.assertEqual(result["kind"], "TypeError")
        self.assertNotIn("0" * 100, result["text"])

    def test_nothing_is_imported_and_sys_modules_is_left_alone(self):
        code = "import math\nprint(math.sqr(2))\n"
        exc = raised(code)
        before = dict(sys.modules)
        result = explain.explain(exc, {"main.py": code})
        self.assertEqual(result["fix"], "Change it to `math.sqrt`.")
        self.assertEqual(dict(sys.modules), before)

    def test_frames_outside_the_learners_files_are_not_the_line(self):
        # The error is raised inside the standard library (json); the line is main.py's call.
        code = "import json\n\njson.loads('{bad')\n"
        result = explain.explain(raised(code), {"main.py": code})
        self.assertEqual(result["line"], 3)

    def test_a_learner_file_named_like_a_stdlib_file_elsewhere_is_not_theirs(self):
        # A frame of the real random.py is not the learner's random.py.
        code = "import random\nrandom.choice([])\n"
        exc = raised(code)
        result = explain.explain(exc, {"main.py": code, "random.py": "x = 1\n"})
        self.assertEqual(result["line"], 2)

    def test_text_run_by_eval_is_explained_at_the_learners_line(self):
        code = "x = 1\nformula = 'x +'\nprint(eval(formula))\n"
        result = explain.explain(raised(code), {"main.py": code})
        self.assertEqual((result["kind"], result["line"]), ("SyntaxError", 3))
        self.assertIn("eval", result["text"])

    def test_a_name_assigned_later_only_inside_a_function_is_not_used_before_assignment(self):
        # `total` is assigned on line 4, but inside a function: not the program's total.
        code = "print(total)\n\ndef reset():\n    total = 0\n"
        result = explain.explain(raised(code), {"main.py": code})
        self.assertEqual(result["kind"], "NameError")
        self.assertNotIn("line 4", result["text"])
        self.assertIn("total = ...", result["fix"])

    def test_an_exception_never_raised_has_no_line(self):
        result = explain.explain(KeyError("colour"), {"main.py": "x = 1\n"})
        self.assertIsNone(result["line"])
        self.assertNotIn("None", result["title"] + result["text"])

    def test_unicode_encode_error_names_the_character(self):
        code = "word = 'caf\\u00e9'\ndata = word.encode('ascii')\n"
        result = explain.explain(raised(code), {"main.py": code})
        self.assertEqual((result["kind"], result["line"]), ("UnicodeEncodeError", 2))
        self.assertIn("U+00E9", result["text"])
        self.assertIn("utf-8", result["fix"])

    def test_an_explainer_failure_falls_back_to_the_general_explanation(self):
        result = explain.explain(ValueError("x"), None)
        self.assertEqual(result["kind"], "ValueError")
        self.assertTrue(result["title"] and result["text"] and result["fix"])

    def test_the_command_runs_a_file_as_main_py_and_prints_json(self):
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "program.py")
            with open(path, "w", encoding="utf-8") as f:
                f.write("print('hello')\nscore = 1\nprint(scroe)\n")
            with open(os.path.join(work, "notes.txt"), "w", encoding="utf-8") as f:
                f.write("data\n")
            done = subprocess.run(
                [sys.executable, EXPLAIN, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        self.assertEqual(done.returncode, 0, done.stderr)
        result = json.loads(done.stdout.decode())
        self.assertEqual((result["kind"], result["line"]), ("NameError", 3))
        self.assertIn("hello", done.stderr.decode())  # the program's output
        self.assertIn("NameError: name 'scroe' is not defined", done.stderr.decode())  # its traceback

    def test_the_corpus_covers_thirty_kinds_and_forty_errors(self):
        kinds = {read_header(case)["kind"] for case in CASES}
        self.assertGreaterEqual(len(CASES), 40)
        self.assertGreaterEqual(len(kinds), 30, sorted(kinds))


if __name__ == "__main__":
    unittest.main()

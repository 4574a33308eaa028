//! The CLI as authors and scripts use it: `pyguide check` (failing with file:line and a diff,
//! `--bless`) and `pyguide run` (output, exit codes, `--stdin`, `--json`).

use std::path::Path;
use std::process::{Command, Output};

fn pyguide(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pyguide")).args(args).output().expect("the binary runs")
}

/// `pyguide check` on a content folder, with its cache in a folder of its own (never the
/// working directory's `data/`).
fn check(root: &str, cache: &Path, extra: &[&str]) -> Output {
    let cache = cache.to_str().expect("a UTF-8 path");
    let mut args = vec!["check", "--content", root, "--cache-dir", cache];
    args.extend_from_slice(extra);
    pyguide(&args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PAGE: &str = "+++
title = \"Sums\"
summary = \"Adding numbers.\"
section = \"Basics\"
+++
Intro.

## How do I add? {#add}

```python
print(1 + 1)
print(id(object()) > 0)
```

```output
3
True
```

## And with input?

```python
n = int(input())
print(n * 2)
```

```stdin
21
```

```output
42
```
";

fn content_dir(page: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sections.toml"), "sections = [\"Basics\"]\n").unwrap();
    std::fs::create_dir(dir.path().join("basics")).unwrap();
    std::fs::write(dir.path().join("basics/sums.md"), page).unwrap();
    dir
}

#[test]
fn check_fails_with_file_line_and_diff_then_bless_fixes_it() {
    let dir = content_dir(PAGE);
    let cache = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let out = check(root, cache.path(), &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let file = Path::new(root).join("basics/sums.md");
    assert!(stdout.contains(&format!("FAIL {}:10: example sums-1", file.display())), "{stdout}");
    assert!(stdout.contains("output block at line 15"), "{stdout}");
    assert!(stdout.contains("-3\n+2\n"), "a unified diff: {stdout}");
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");

    let out = check(root, cache.path(), &["--bless"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let blessed = std::fs::read_to_string(&file).unwrap();
    assert!(blessed.contains("```output\n2\nTrue\n```"), "{blessed}");
    assert!(blessed.contains("```output\n42\n```"), "passing examples are left alone");

    let out = check(root, cache.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("2 passed, 0 failed"));
}

/// An example that shows a picture (a turtle drawing, sent as the turtle module sends it).
const PICTURE_PAGE: &str = "+++
title = \"Sums\"
summary = \"Adding numbers.\"
section = \"Basics\"
+++
## A picture

```python
import _pyguide_pictures
print('drawing')
_pyguide_pictures.send_drawing({'width': 10, 'height': 10, 'bgcolor': 'white', 'ops': []}, 'A blank canvas')
```

```output
drawing
```
";

#[test]
fn check_fails_when_an_example_shows_another_number_of_pictures() {
    let dir = content_dir(PICTURE_PAGE);
    let cache = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let out = check(root, cache.path(), &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let file = Path::new(root).join("basics/sums.md");
    let said = format!("FAIL {}:8: example sums-1 shows 1 picture(s), but its fence says 0", file.display());
    assert!(stdout.contains(&said), "{stdout}");
    assert!(stdout.contains("hint: write ```python images=1 on its fence"), "{stdout}");
    assert!(!stdout.contains("prints something else"), "the text matches: {stdout}");

    std::fs::write(file, PICTURE_PAGE.replace("```python\n", "```python images=1\n")).unwrap();
    let out = check(root, cache.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("1 passed, 0 failed"));
}

#[test]
fn check_reports_content_errors_with_file_and_line() {
    let dir = content_dir("+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"Basics\"\n+++\n```python\nprint(1)\n```\n");
    let out = check(dir.path().to_str().unwrap(), &dir.path().join("cache"), &[]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("basics/sums.md:6: this ```python example has no ```output block"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

const EXERCISES: &str = "+++
title = \"Sums\"
summary = \"Adding numbers.\"
section = \"Basics\"
+++
## Exercises

### Exercise: Sound

```python starter
def add(a, b):
    return 0
```

```python check
assert add(2, 3) == 5, \"add(2, 3)\"
```

```python solution
def add(a, b):
    return a + b
```

```python wrong
def add(a, b):
    return a * b
```

### Exercise: Wrong solution

```python starter
def add(a, b):
    return 0
```

```python check
assert add(2, 3) == 5, \"add(2, 3)\"
```

```python solution
def add(a, b):
    return a - b
```

```python wrong
def add(a, b):
    return 0
```

### Exercise: Starter passes

```python starter
print(5)
```

```output
5
```

```python solution
print(2 + 3)
```

```python wrong
print(6)
```
";

#[test]
fn check_proves_solutions_pass_and_starters_fail() {
    let dir = content_dir(EXERCISES);
    let root = dir.path().to_str().unwrap();
    let out = check(root, &dir.path().join("cache"), &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let file = Path::new(root).join("basics/sums.md").display().to_string();
    assert!(
        stdout.contains(&format!(
            "FAIL {file}:29: exercise sums/exercise-wrong-solution: its solution (line 40) does not pass: \
             The check failed. First: add(2, 3): expected 5, got -1."
        )),
        "{stdout}"
    );
    assert!(stdout.contains("  check \"add(2, 3)\": expected 5, got -1\n"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "FAIL {file}:50: exercise sums/exercise-starter-passes: its starter (line 52) already passes every check"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("exercise-sound"), "the sound exercise is not reported: {stdout}");
    assert!(
        stdout.contains(
            "exercises: 1 of 3 sound (the solution passes; the starter and all 3 wrong solutions fail), 2 broken"
        ),
        "{stdout}"
    );
}

const FOOLED: &str = "+++
title = \"Loops\"
summary = \"Repeating.\"
section = \"Basics\"
order = 1
+++
## Guess {#guess}

```python predict
print(2 ** 3)
```

```output
6
```

## Exercises

### Exercise: Fooled {#ex-fooled}

```python starter
n = 0
```

```python check
assert n > 0, \"n is positive\"
```

```python solution
n = 4
```

```python wrong
n = 1
```

### Exercise: Needs a loop {#ex-loop}

```python starter
total = 0
```

```python check
assert total == 10, \"total\"
```

```python solution
total = 0
for i in range(5):
    total += i
```

### Exercise: Needs a def {#ex-def}

```python starter
x = 0
```

```python check
assert x == 1, \"x\"
```

```python solution
def one():
    return 1

x = one()
```

```python wrong
x = 2
```
";

const RAMP: &str = "[[construct]]
name = \"for\"
tutorial = \"sums\"
covers = \"for loops\"

[[construct]]
name = \"def/return\"
tutorial = \"functions\"
covers = \"def and return\"
";

const FUNCTIONS: &str = "+++
title = \"Functions\"
summary = \"def.\"
section = \"Basics\"
order = 2
+++
Functions come after loops.
";

#[test]
fn check_rejects_passing_wrong_solutions_missing_ones_the_ramp_and_predictions() {
    let dir = content_dir(FOOLED);
    std::fs::write(dir.path().join("ramp.toml"), RAMP).unwrap();
    std::fs::write(dir.path().join("basics/functions.md"), FUNCTIONS).unwrap();
    let root = dir.path().to_str().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let out = check(root, cache.path(), &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let file = Path::new(root).join("basics/sums.md").display().to_string();
    assert!(
        stdout.contains(&format!(
            "FAIL {file}:19: exercise sums/ex-fooled: its wrong solution at line 33 passes every check"
        )),
        "a wrong solution that passes names the file, the line and the exercise: {stdout}"
    );
    assert!(stdout.contains(&format!("FAIL {file}:37: exercise sums/ex-loop has no wrong solution")), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "FAIL {file}:63: exercise sums/ex-def: its solution uses def/return (line 1 of the solution), \
             which the tutorial \"functions\" (basics/functions.md) introduces later"
        )),
        "the ramp names the exercise, the construct and the tutorial: {stdout}"
    );
    assert!(!stdout.contains("uses for"), "the page introduces `for` itself: {stdout}");
    assert!(
        stdout.contains(&format!("FAIL {file}:9: example sums-predict-1 prints something else")),
        "predictions are checked like examples: {stdout}"
    );
    assert!(stdout.contains("(1 predictions)"), "{stdout}");

    // Incremental: nothing changed, so every run that gave the right answer comes from the
    // cache; the failures run again, so their report is complete.
    let again = check(root, cache.path(), &[]);
    let stdout2 = text(&again.stdout);
    assert_eq!(again.status.code(), Some(1));
    assert!(stdout2.contains("its wrong solution at line 33 passes every check"), "{stdout2}");
    assert!(stdout2.contains("runs answered from the cache"), "{stdout2}");
    assert!(!stdout2.contains("(0 runs answered from the cache"), "{stdout2}");
    let all = check(root, cache.path(), &["--all"]);
    assert!(text(&all.stdout).contains("(0 runs answered from the cache, --all)"), "{}", text(&all.stdout));
}

/// Without the curated packages, `check` checks every other page and names the pages it could
/// not check and how to install what they need, and fails: a green check must mean every page
/// ran. No page is reported as a ModuleNotFoundError diff.
#[test]
fn check_without_the_packages_names_the_pages_it_could_not_check() {
    let dir = content_dir("+++\ntitle = \"Sums\"\nsummary = \"s\"\nsection = \"Basics\"\n+++\n```python\nprint(1 + 1)\n```\n\n```output\n2\n```\n");
    let arrays = "+++\ntitle = \"Arrays\"\nsummary = \"s\"\nsection = \"Basics\"\n+++\n```python\nimport numpy as np\nprint(np.arange(3))\n```\n\n```output\n[0 1 2]\n```\n";
    std::fs::write(dir.path().join("basics/arrays.md"), arrays).unwrap();
    let (cache, no_packages) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let out = Command::new(env!("CARGO_BIN_EXE_pyguide"))
        .args(["check", "--content", dir.path().to_str().unwrap(), "--cache-dir", cache.path().to_str().unwrap()])
        .env("PYGUIDE_PACKAGES_DIR", no_packages.path())
        .output()
        .expect("the binary runs");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("NOT CHECKED: 1 tutorial(s) import packages that are not installed"), "{stdout}");
    let file = dir.path().join("basics/arrays.md");
    assert!(stdout.contains(&format!("  {} (arrays) needs numpy\n", file.display())), "{stdout}");
    assert!(stdout.contains("`pyguide packages` installs them"), "{stdout}");
    assert!(!stdout.contains("No module named") && !stdout.contains("FAIL "), "{stdout}");
    assert!(stdout.contains("1 passed, 0 failed"), "the other page is checked: {stdout}");
}

#[test]
fn check_passes_on_the_embedded_curriculum() {
    let cache = tempfile::tempdir().unwrap();
    let out = pyguide(&["check", "--cache-dir", cache.path().to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

#[test]
fn run_passes_output_and_exit_code_through() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("prog.py");
    std::fs::write(
        &prog,
        "import sys, helper\nprint(helper.X, input())\nprint('oops', file=sys.stderr)\nsys.exit(3)\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("helper.py"), "X = 'from helper'\n").unwrap();
    let stdin = dir.path().join("in.txt");
    std::fs::write(&stdin, "typed\n").unwrap();
    let out = pyguide(&["run", prog.to_str().unwrap(), "--stdin", stdin.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout), "from helper typed\n");
    assert_eq!(text(&out.stderr), "oops\n");

    let out = pyguide(&["run", prog.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["outcome"], "error");
    assert_eq!(v["exit_code"], 1, "no stdin: input() raises EOFError");
    assert!(v["stderr"].as_str().unwrap().contains("EOFError"));
    for key in ["stdout", "duration_ms", "truncated"] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }

    let out = pyguide(&["run", dir.path().join("missing.py").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
}

/// `import turtle` gives PyGuide's recording turtle (the standard one needs a window), in the
/// sandbox and in the plain runner alike: its drawing is the run's picture, checked and drawn as
/// an SVG. A learner's own `turtle.py` still comes first.
#[test]
fn run_imports_pyguides_turtle_unless_the_program_has_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("prog.py");
    std::fs::write(
        &prog,
        "import os, turtle\nt = turtle.Turtle()\nfor _ in range(4):\n    t.forward(100)\n    t.left(90)\n\
         t.penup()\nt.goto(3, 4)\nprint(turtle.__doc__.split(':')[0], t.pos(), t.distance(0, 0))\n\
         print('bytecode', os.path.exists(turtle.__cached__))\n\
         try:\n    turtle.onkey\nexcept AttributeError as e:\n    print(str(e).split(' (')[0])\n",
    )
    .unwrap();
    // The sandbox's root is read-only: the bytecode is there because the sandbox compiled it.
    let expected =
        "PyGuide's turtle (3.00,4.00) 5.0\nbytecode True\nPyGuide's turtle draws a picture in the page and has no onkey\n";
    for runner in [&[][..], &["--unsafe-no-sandbox"][..]] {
        let mut args = vec!["run", prog.to_str().unwrap(), "--json"];
        args.extend_from_slice(runner);
        let out = pyguide(&args);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!((v["stdout"].as_str(), v["stderr"].as_str()), (Some(expected), Some("")), "{runner:?}: {v}");
        // The square the program did not show with done() is shown when it ends.
        let images = v["images"].as_array().expect("images");
        assert_eq!(images.len(), 1, "{runner:?}: {v}");
        let (image, ops) = (&images[0], images[0]["drawing"]["ops"].as_array().expect("a drawing"));
        assert_eq!(
            (image["mime"].as_str(), image["alt"].as_str()),
            (Some("image/svg+xml"), Some("Turtle drawing: 4 lines"))
        );
        let lines: Vec<_> = ops.iter().filter(|op| op["op"] == "line").map(|op| (&op["from"], &op["to"])).collect();
        assert_eq!(lines.len(), 4, "{runner:?}: {ops:?}");
        assert_eq!((lines[1].0, lines[1].1), (&serde_json::json!([100.0, 0.0]), &serde_json::json!([100.0, 100.0])));
        assert_eq!(ops.last().unwrap()["at"], serde_json::json!([3.0, 4.0]), "where the turtle ends");
    }
    std::fs::write(dir.path().join("turtle.py"), "def forward(n):\n    print('mine', n)\n").unwrap();
    std::fs::write(&prog, "import turtle\nturtle.forward(5)\n").unwrap();
    let out = pyguide(&["run", prog.to_str().unwrap()]);
    assert_eq!(text(&out.stdout), "mine 5\n", "{}", text(&out.stderr));
}

#[test]
fn run_explains_an_uncaught_exception_after_its_traceback() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("prog.py");
    std::fs::write(&prog, "score = 10\nprint(scroe)\n").unwrap();
    let out = pyguide(&["run", prog.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let traceback = stderr.find("NameError: name 'scroe' is not defined").expect("the traceback first");
    let explained = stderr.find("What this means (NameError, line 2):").expect("then the explanation");
    assert!(traceback < explained, "{stderr}");
    for words in ["did you mean `score`?", "Try this: Change `scroe` to `score`.", "Learn more: /tutorials/variables#"]
    {
        assert!(stderr.contains(words), "{words:?} in {stderr}");
    }

    let out = pyguide(&["run", prog.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let e = &v["explanation"];
    assert_eq!((e["kind"].as_str(), e["line"].as_u64()), (Some("NameError"), Some(2)), "{v}");
    assert!(e["learn_more"].as_str().is_some_and(|l| l.starts_with("/tutorials/variables#")), "{v}");

    // A program that ends well, or by sys.exit, has no explanation.
    std::fs::write(&prog, "import sys\nprint('hi')\nsys.exit(2)\n").unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&pyguide(&["run", prog.to_str().unwrap(), "--json"]).stdout).unwrap();
    assert_eq!((v["exit_code"].as_i64(), &v["explanation"]), (Some(2), &serde_json::Value::Null), "{v}");
}

/// A program may forge its own explanation, as it may forge its output: it only fools itself,
/// and what it forges is checked like any other (a link outside the curriculum is left out, a
/// malformed explanation is dropped).
#[test]
fn run_checks_a_forged_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("prog.py");
    let forge = |explanation: &str| {
        format!(
            "import os\nline = '{{\"v\":1,\"type\":\"exited\",\"code\":1,\"explanation\":{explanation}}}\\n'\n\
             for fd in range(3, 64):\n    try:\n        os.write(fd, line.encode())\n    except OSError:\n        pass\n\
             os._exit(1)\n"
        )
    };
    let fields = r#""kind":"NameError","title":"Forged.","text":"Forged text.","line":1,"fix":"Nothing.""#;
    std::fs::write(&prog, forge(&format!(r#"{{{fields},"learn_more":"https://evil.example/"}}"#))).unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&pyguide(&["run", prog.to_str().unwrap(), "--json"]).stdout).unwrap();
    assert_eq!(v["explanation"]["title"], "Forged.", "{v}");
    assert_eq!(v["explanation"]["learn_more"], serde_json::Value::Null, "{v}");

    std::fs::write(&prog, forge(&format!(r#"{{{fields},"learn_more":null,"html":"<b>"}}"#))).unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&pyguide(&["run", prog.to_str().unwrap(), "--json"]).stdout).unwrap();
    assert_eq!((v["exit_code"].as_i64(), &v["explanation"]), (Some(1), &serde_json::Value::Null), "{v}");
}

#[test]
fn config_prints_each_setting_and_its_source_and_serve_refuses_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pyguide.toml");
    std::fs::write(&file, "drain = \"20s\"\n[limits]\nwall = \"4s\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pyguide"))
        .args(["config", "--config"])
        .arg(&file)
        .args(["--addr", "127.0.0.1:9999"])
        .env("PYGUIDE_LIMITS__CPU_SECS", "3")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("addr = \"127.0.0.1:9999\"  # command line (--addr)"), "{stdout}");
    assert!(stdout.contains(&format!("drain = \"20s\"  # {}", file.display())), "{stdout}");
    assert!(stdout.contains("cpu_secs = 3  # environment PYGUIDE_LIMITS__CPU_SECS"), "{stdout}");
    assert!(stdout.contains("memory_bytes = 268435456  # default"), "{stdout}");

    std::fs::write(&file, "[availability]\nruns_per_clients = 4\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pyguide")).args(["serve", "--config"]).arg(&file).output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("{}: key `availability.runs_per_clients`", file.display())), "{stderr}");
    assert!(stderr.contains("runs_per_client,"), "what is allowed: {stderr}");
}

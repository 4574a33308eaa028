//! `pyguide inspect FILE` through the sandbox, as authors and scripts use it: `--json` prints the
//! inspector's document (the same as `POST /api/inspect`), `--stdin` feeds input, sibling files
//! can be imported, and without `--json` a short summary is printed.

use serde_json::Value;
use std::process::{Command, Output};

fn pyguide(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pyguide")).args(args).output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PROGRAM: &str = "import gc\nfrom helpers import twice\n\nclass Box:\n    def __init__(self, v):\n        self.v = v\n\nname = input()\nb = Box(twice(21))\nb.me = b\ndel b\ngc.collect()\nprint(name, [n * n for n in range(3)])\n";

fn program_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prog.py"), PROGRAM).unwrap();
    std::fs::write(dir.path().join("helpers.py"), "def twice(x):\n    return 2 * x\n").unwrap();
    std::fs::write(dir.path().join("in.txt"), "Ada\n").unwrap();
    dir
}

#[test]
fn json_is_the_inspector_document() {
    let dir = program_dir();
    let prog = dir.path().join("prog.py");
    let stdin = dir.path().join("in.txt");
    let out = pyguide(&["inspect", prog.to_str().unwrap(), "--stdin", stdin.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["outcome"], "success", "{}", doc["exception"]);
    assert_eq!(doc["stdout"], "Ada [0, 1, 4]\n");
    assert_eq!(doc["ast"]["fields"]["body"][2]["_type"], "ClassDef");
    assert!(doc["bytecode"].as_array().unwrap().iter().any(|c| c["name"] == "__init__"));
    let trace = doc["trace"].as_array().unwrap();
    // The cycle `b.me = b` is left unreachable by `del b`, then collected.
    let waiting = trace.iter().find(|s| s["line"] == 12 && s["event"] == "line").expect("the gc.collect() line");
    assert_eq!(waiting["unreachable"].as_array().map(Vec::len), Some(1), "{waiting}");
    let after = trace.iter().find(|s| s["line"] == 13 && s["event"] == "line").unwrap();
    assert!(after["gc"]["collected"].as_i64().unwrap() >= 1);
    // It ran inside the sandbox: main.py lives in /work there.
    assert_eq!(doc["path"], "/work/main.py");
}

#[test]
fn the_summary_counts_each_view() {
    let dir = program_dir();
    let prog = dir.path().join("prog.py");
    let stdin = dir.path().join("in.txt");
    let out = pyguide(&["inspect", prog.to_str().unwrap(), "--stdin", stdin.to_str().unwrap()]);
    let s = text(&out.stdout);
    assert!(out.status.success(), "{s}{}", text(&out.stderr));
    assert!(s.starts_with("Python 3.") && s.contains("outcome: success (exit code 0)"), "{s}");
    assert!(
        s.contains("tokens: ") && s.contains("Module, 9 top-level statements: Import, ImportFrom, ClassDef Box"),
        "{s}"
    );
    assert!(s.contains("code objects: ") && s.contains("Box.__init__"), "{s}");
    assert!(s.contains("steps: ") && s.contains("output:       1 line\n"), "{s}");
}

#[test]
fn a_syntax_error_and_an_endless_loop_still_give_documents() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.py");
    std::fs::write(&bad, "print('a'\nx = 1\n").unwrap();
    let out = pyguide(&["inspect", bad.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["syntax_error"]["type"], "SyntaxError");
    assert!(doc["trace"].is_null());
    let out = pyguide(&["inspect", bad.to_str().unwrap()]);
    assert!(text(&out.stdout).contains("syntax error: SyntaxError:"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("steps:        none (the program never ran)"));

    let endless = dir.path().join("endless.py");
    std::fs::write(&endless, "while True:\n    pass\n").unwrap();
    let out = pyguide(&["inspect", endless.to_str().unwrap(), "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["outcome"], "step_limit");
    assert_eq!(doc["trace"].as_array().unwrap().len(), 1000);
    let out = pyguide(&["inspect", endless.to_str().unwrap()]);
    assert!(text(&out.stdout).contains("steps:        1000 — capped at 1000 steps"), "{}", text(&out.stdout));
}

#[test]
fn a_missing_file_is_an_error_in_words() {
    let out = pyguide(&["inspect", "/nonexistent/prog.py", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/prog.py"), "{}", text(&out.stderr));
}

/// The sandbox's interpreter imports the inspector's modules once, before it forks units; a
/// learner's file named like one of them is not imported in its place, and a plain run still
/// starts with a fresh interpreter's modules.
#[test]
fn the_inspectors_modules_are_the_standard_librarys_and_stay_out_of_plain_runs() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("prog.py");
    std::fs::write(dir.path().join("tokenize.py"), "raise SystemExit('the learner\\'s own tokenize.py')\n").unwrap();
    std::fs::write(&prog, "import sys\nprint('tokenize' in sys.modules, 'dis' in sys.modules)\n").unwrap();
    let out = pyguide(&["inspect", prog.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["outcome"], "success", "{}", doc["exception"]);
    // Under the inspector the program sees the modules the inspector imported, as before.
    assert_eq!(doc["stdout"], "True True\n");
    assert!(doc["tokens"].as_array().is_some_and(|t| !t.is_empty()));
    let out = pyguide(&["run", prog.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "False False\n");
}

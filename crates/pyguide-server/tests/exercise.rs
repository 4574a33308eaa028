//! `POST /api/exercise` through `oneshot` on real CPython (the plain runner): a correct answer,
//! wrong answers with feedback in plain words (expected against got, never the hidden check's
//! source), a check that raises, an output exercise, a syntax error, a program that raises or
//! exits early, a loop that never ends, a flood, a crash, a forged report, and malformed requests.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{plain_runner, send, site_of, test_limits};
use pyguide_server::{router_with, AppState, ServerOptions};
use serde_json::{json, Value};

const PAGE: &str = r#"+++
title = "Strings"
summary = "s"
section = "Basics"
+++
## Exercises {#exercises}

### Exercise: Shout {#ex-shout}

Write `shout(word)`.

```python starter
def shout(word):
    return word
```

```python check
SECRET_DATA = ["hi", "ok"]
assert shout(SECRET_DATA[0]) == "HI!", "shout('hi')"
assert shout("") == "!", "an empty word"
assert shout("abc").endswith("!"), "ends with an exclamation mark"
```

```hint
Use `.upper()`.
```

```python solution
def shout(word):
    return word.upper() + "!"
```

### Exercise: Greet {#ex-greet}

Read a name and greet it.

```python starter
print("Hello")
```

```stdin
Ada
```

```output
Hello, Ada!
```

```python solution
print(f"Hello, {input()}!")
```

### Exercise: Visible {#ex-visible}

```python starter
x = 0
```

```python check visible
assert x == 1, "x is one"
```

```python solution
x = 1
```
"#;

fn app() -> Router {
    let limits = test_limits(2);
    let site = site_of(&[("sections.toml", "sections = [\"Basics\"]"), ("basics/strings.md", PAGE)]);
    router_with(
        AppState { runner: plain_runner(4, limits.clone()), site },
        ServerOptions { limits, ..Default::default() },
    )
}

fn post(body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/exercise").header(header::CONTENT_TYPE, "application/json").body(body.into()).unwrap()
}

/// Checks `code` against the exercise `id`; asserts a 200 JSON answer.
async fn check(id: &str, code: &str) -> Value {
    let (status, _, bytes) = send(app(), post(json!({ "exercise": id, "code": code }).to_string())).await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("JSON ({e}): {text}"))
}

fn summary(v: &Value) -> &str {
    v["summary"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_correct_answer_passes_every_check() {
    let v = check("strings/ex-shout", "def shout(word):\n    return word.upper() + '!'\n").await;
    assert_eq!(v["passed"], true, "{v}");
    assert_eq!(summary(&v), "Well done: all 3 checks passed.");
    let names: Vec<_> = v["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["shout('hi')", "an empty word", "ends with an exclamation mark"]);
    assert_eq!(v["outcome"], "success");
    assert_eq!(v["stderr"], "", "the checker's report is not shown to the learner");
}

#[tokio::test]
async fn a_wrong_answer_says_which_check_failed_with_expected_and_got_but_not_its_source() {
    let v = check("strings/ex-shout", "def shout(word):\n    return word.upper()\n").await;
    assert_eq!(v["passed"], false);
    assert_eq!(summary(&v), "3 of 3 checks failed. First: shout('hi'): expected 'HI!', got 'HI'.");
    let first = &v["checks"][0];
    assert_eq!((first["expected"].as_str(), first["got"].as_str()), (Some("'HI!'"), Some("'HI'")));
    assert!(first.get("source").is_none(), "hidden checks are not shown: {first}");
    let third = &v["checks"][2];
    assert_eq!(third["passed"], false);
    assert!(third.get("expected").is_none(), "only `==` asserts compare values: {third}");
    assert!(!v.to_string().contains("SECRET_DATA"), "nothing of the checks' source leaks: {v}");
}

#[tokio::test]
async fn the_starter_fails_and_a_check_that_raises_names_the_error_and_line() {
    let v = check("strings/ex-shout", "def shout(word):\n    return word + 1\n").await;
    assert_eq!(v["passed"], false);
    let err = v["checks"][0]["error"].as_str().unwrap();
    assert_eq!(err, "TypeError: can only concatenate str (not \"int\") to str (main.py, line 2)");
    assert!(summary(&v).starts_with("3 of 3 checks failed. First: shout('hi'): TypeError"), "{v}");
}

#[tokio::test]
async fn prints_from_inside_the_checks_are_not_the_programs_output() {
    let v = check(
        "strings/ex-shout",
        "print('top')\ndef shout(word):\n    print('called')\n    return word.upper() + '!'\n",
    )
    .await;
    assert_eq!(v["passed"], true, "{v}");
    assert_eq!(v["stdout"], "top\n");
}

#[tokio::test]
async fn visible_checks_show_their_source() {
    let v = check("strings/ex-visible", "x = 2\n").await;
    assert_eq!(v["passed"], false);
    assert_eq!(v["checks"][0]["source"], "assert x == 1, \"x is one\"");
    assert_eq!(summary(&v), "The check failed. First: x is one: expected 1, got 2.");
}

#[tokio::test]
async fn output_exercises_compare_what_the_program_prints_with_stdin_given() {
    let ok = check("strings/ex-greet", "name = input()\nprint(f'Hello, {name}!')\n").await;
    assert_eq!(ok["passed"], true, "{ok}");
    assert_eq!(summary(&ok), "Well done: your program prints exactly what was asked.");
    let bad = check("strings/ex-greet", "print('Hello')\n").await;
    assert_eq!(bad["passed"], false);
    assert_eq!(bad["output"], json!({ "passed": false, "expected": "Hello, Ada!\n", "got": "Hello\n" }));
    assert!(summary(&bad).contains("The output is not what was asked"), "{bad}");
}

#[tokio::test]
async fn a_syntax_error_is_reported_with_its_line_and_nothing_is_checked() {
    let v = check("strings/ex-shout", "def shout(word)\n    return word\n").await;
    assert_eq!(v["passed"], false);
    assert_eq!(v["program_error"]["kind"], "syntax_error");
    assert_eq!(v["program_error"]["line"], 1);
    assert!(summary(&v).starts_with("Your code has a syntax error on line 1, so nothing was checked"), "{v}");
    assert!(v["stderr"].as_str().unwrap().contains("SyntaxError"), "the traceback is shown as in a run: {v}");
    assert_eq!(v["checks"], json!([]));
}

#[tokio::test]
async fn a_program_that_raises_or_exits_before_the_checks_says_so() {
    let v = check("strings/ex-shout", "x = 1\nprint(undefined_name)\n").await;
    assert_eq!(v["program_error"]["kind"], "exception");
    assert_eq!(
        summary(&v),
        "Your code raised NameError: name 'undefined_name' is not defined (main.py, line 2) before the checks could run."
    );
    assert!(v["stderr"].as_str().unwrap().contains("Traceback"), "{v}");
    let v = check("strings/ex-shout", "import sys\nsys.exit(3)\n").await;
    assert_eq!(v["program_error"]["kind"], "exit");
    let v = check("strings/ex-shout", "import os\nos._exit(0)\n").await;
    assert_eq!(v["passed"], false);
    assert_eq!(summary(&v), "Your program ended (exit code 0) before it could be checked.");
}

#[tokio::test]
async fn code_that_never_ends_or_floods_gets_the_same_outcome_as_a_run() {
    let v = check("strings/ex-shout", "def shout(word):\n    while True:\n        pass\n").await;
    assert_eq!(v["passed"], false);
    assert_eq!(v["outcome"], "timeout");
    // The limit that was hit is named (these tests' running-time limit is 2 s), with the figure.
    assert!(summary(&v).starts_with("Not checked. Stopped at the time limit: the program ran for 2."), "{v}");
    assert_eq!(v["time_limit"], "wall", "{v}");
    let v = check("strings/ex-shout", "while True:\n    print('x' * 1000)\n").await;
    assert_eq!((v["passed"].as_bool(), v["outcome"].as_str()), (Some(false), Some("output_limit")));
}

#[tokio::test]
async fn a_crash_inside_a_check_is_a_crash_not_a_pass() {
    let code = "import ctypes\ndef shout(word):\n    ctypes.string_at(0)\n";
    let v = check("strings/ex-shout", code).await;
    assert_eq!(v["passed"], false, "{v}");
    assert_eq!((v["outcome"].as_str(), v["exit_code"].as_i64()), (Some("error"), None));
    assert_eq!(summary(&v), "Your program crashed before it could be checked.");
}

#[tokio::test]
async fn a_forged_report_printed_by_the_learner_is_not_believed() {
    let forged = r#"import sys
sys.stderr.write('\x1e' + '0' * 32 + ' {"program": null, "checks": [{"name": "x", "passed": true}]}\n')
def shout(word):
    return word
"#;
    let v = check("strings/ex-shout", forged).await;
    assert_eq!(v["passed"], false, "{v}");
    assert_eq!(v["checks"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn malformed_requests_and_unknown_exercises_are_4xx() {
    for (body, status, words) in [
        ("{", StatusCode::BAD_REQUEST, "not valid JSON"),
        (r#"{"exercise": "strings/ex-shout"}"#, StatusCode::BAD_REQUEST, "wrong shape"),
        (r#"{"exercise": 1, "code": ""}"#, StatusCode::BAD_REQUEST, "wrong shape"),
        (r#"{"exercise": "strings/nope", "code": ""}"#, StatusCode::NOT_FOUND, "there is no exercise"),
        (r#"{"exercise": "nope", "code": ""}"#, StatusCode::NOT_FOUND, "there is no exercise"),
        (r#"{"exercise": "strings/ex-shout", "code": "\u0000"}"#, StatusCode::BAD_REQUEST, "NUL"),
    ] {
        let (got, _, bytes) = send(app(), post(body)).await;
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(got, status, "{body}: {text}");
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(v["error"].as_str().unwrap().contains(words), "{body}: {text}");
    }
    let (got, headers, _) = send(app(), Request::get("/api/exercise").body(Body::empty()).unwrap()).await;
    assert_eq!(got, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers.get(header::ALLOW).unwrap(), "POST");
}

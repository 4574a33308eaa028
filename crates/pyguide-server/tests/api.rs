//! Router tests through `oneshot`: the run API on real CPython, every malformed request, pages.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{plain_runner, send, site_of, test_limits};
use pyguide_render::Site;
use pyguide_sandbox::{RunRequest, Runner, StartOptions};
use pyguide_server::{router, AppState};
use serde_json::{json, Value};
use std::sync::Arc;

const TUTORIAL: &str = r#"+++
title = "Test <Page>"
summary = "A page for tests."
section = "Basics"
order = 1
slug = "test-page"
+++
Intro with <b>raw html</b>.

## What does print do? {#print}

```python
print("<script>alert(1)</script>")
```

```output
<script>alert(1)</script>
```
"#;

fn site() -> Arc<Site> {
    site_of(&[("sections.toml", "sections = [\"Basics\"]"), ("basics/test-page.md", TUTORIAL)])
}

fn runner(max_concurrent: usize) -> Arc<dyn Runner> {
    plain_runner(max_concurrent, test_limits(2))
}

fn app() -> Router {
    router(AppState { runner: runner(8), site: site() })
}

fn post_raw(body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/run").header(header::CONTENT_TYPE, "application/json").body(body.into()).unwrap()
}

async fn run_json(body: Value) -> (StatusCode, Value) {
    let (status, _, bytes) = send(app(), post_raw(body.to_string())).await;
    (status, serde_json::from_slice(&bytes).expect("the answer is JSON"))
}

async fn run_ok(body: Value) -> Value {
    let (status, v) = run_json(body).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn success() {
    let v = run_ok(json!({"code": "print('hello', 6 * 7)"})).await;
    assert_eq!(v["outcome"], "success");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["stdout"], "hello 42\n");
    assert_eq!(v["stderr"], "");
    assert_eq!(v["truncated"], false);
    assert!(v["duration_ms"].as_f64().unwrap() > 0.0);
    // A program that ends well has nothing to explain (the field is there, null).
    assert_eq!(v.get("explanation"), Some(&Value::Null), "{v}");
}

#[tokio::test]
async fn exception_gives_traceback_and_exit_1() {
    let v = run_ok(json!({"code": "x = 1\nprint('before')\n1 / 0\n"})).await;
    assert_eq!(v["outcome"], "error");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["stdout"], "before\n");
    let stderr = v["stderr"].as_str().unwrap();
    assert!(stderr.starts_with("Traceback (most recent call last):"), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.trim_end().ends_with("ZeroDivisionError: division by zero"), "{stderr}");
}

#[tokio::test]
async fn sys_exit_code() {
    let v = run_ok(json!({"code": "import sys\nprint('bye')\nsys.exit(3)"})).await;
    assert_eq!(v["outcome"], "error");
    assert_eq!(v["exit_code"], 3);
    assert_eq!(v["stdout"], "bye\n");
}

#[tokio::test]
async fn stdin_feeds_two_inputs() {
    let code = "name = input('Name: ')\nage = int(input('Age: '))\nprint(f'{name} is {age + 1} next year')";
    let v = run_ok(json!({"code": code, "stdin": "Ada\n36\n"})).await;
    assert_eq!(v["outcome"], "success", "{v}");
    assert_eq!(v["stdout"], "Name: Age: Ada is 37 next year\n");
}

#[tokio::test]
async fn no_stdin_means_eof() {
    let v = run_ok(json!({"code": "input()"})).await;
    assert_eq!(v["outcome"], "error");
    assert!(v["stderr"].as_str().unwrap().contains("EOFError"));
}

#[tokio::test]
async fn timeout_kills_the_program() {
    let v = run_ok(json!({"code": "import time\nprint('start', flush=True)\ntime.sleep(60)"})).await;
    assert_eq!(v["outcome"], "timeout");
    assert_eq!(v["exit_code"], Value::Null);
    assert_eq!(v["stdout"], "start\n");
    let ms = v["duration_ms"].as_f64().unwrap();
    assert!((1900.0..10_000.0).contains(&ms), "stopped after {ms} ms, the wall limit is 2 s");
}

#[tokio::test]
async fn cpu_spin_is_a_timeout() {
    let v = run_ok(json!({"code": "while True:\n    pass"})).await;
    assert_eq!(v["outcome"], "timeout");
}

#[tokio::test]
async fn output_flood_is_cut() {
    let v = run_ok(json!({"code": "while True:\n    print('x' * 1000)"})).await;
    assert_eq!(v["outcome"], "output_limit");
    assert_eq!(v["truncated"], true);
    let len = v["stdout"].as_str().unwrap().len();
    assert!(len <= 1 << 20 && len > (1 << 20) - 2000, "kept {len} bytes");
}

#[tokio::test]
async fn stderr_flood_is_cut() {
    let v = run_ok(json!({"code": "import sys\nwhile True:\n    sys.stderr.write('e' * 4096)"})).await;
    assert_eq!(v["outcome"], "output_limit");
    assert_eq!(v["truncated"], true);
}

#[tokio::test]
async fn memory_hog_hits_the_limit() {
    let v = run_ok(json!({"code": "blocks = []\nwhile True:\n    blocks.append(bytearray(10 * 1024 * 1024))"})).await;
    assert_eq!(v["outcome"], "memory_limit", "{v}");
    let v = run_ok(json!({"code": "x = bytearray(2 ** 33)"})).await;
    assert_eq!(v["outcome"], "memory_limit", "{v}");
}

#[tokio::test]
async fn imports_a_second_file() {
    let v = run_ok(json!({
        "code": "import greet\nprint(greet.hello('Ada'))",
        "files": {"greet.py": "def hello(name):\n    return f'Hello, {name}!'\n"}
    }))
    .await;
    assert_eq!(v["outcome"], "success", "{v}");
    assert_eq!(v["stdout"], "Hello, Ada!\n");
}

#[tokio::test]
async fn invalid_utf8_and_nul_output_still_json() {
    let v = run_ok(json!({"code": "import sys\nsys.stdout.buffer.write(b'a\\xff\\x00b\\n')"})).await;
    assert_eq!(v["outcome"], "success");
    assert_eq!(v["stdout"], "a\u{FFFD}\u{0}b\n");
}

#[tokio::test]
async fn segfault_is_error_without_exit_code() {
    let v = run_ok(json!({"code": "import ctypes\nctypes.string_at(0)"})).await;
    assert_eq!(v["outcome"], "error");
    assert_eq!(v["exit_code"], Value::Null);
}

#[tokio::test]
async fn the_environment_is_empty() {
    std::env::set_var("PYGUIDE_TEST_SECRET", "hunter2");
    let v = run_ok(json!({"code": "import os\nprint(sorted(os.environ))"})).await;
    let out = v["stdout"].as_str().unwrap();
    assert!(!out.contains("PYGUIDE_TEST_SECRET"), "{out}");
}

async fn assert_4xx(req: Request<Body>, expected: StatusCode, words: &str) {
    let (status, _, body) = send(app(), req).await;
    assert_eq!(status, expected, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).expect("errors are JSON");
    let msg = v["error"].as_str().expect("an `error` field");
    assert!(msg.contains(words), "{msg:?} should mention {words:?}");
}

#[tokio::test]
async fn malformed_requests_are_4xx_in_plain_words() {
    let bad = StatusCode::BAD_REQUEST;
    assert_4xx(post_raw("{not json"), bad, "not valid JSON").await;
    assert_4xx(post_raw(""), bad, "not valid JSON").await;
    assert_4xx(post_raw(vec![0xff, 0xfe]), bad, "not valid JSON").await;
    assert_4xx(post_raw("[]"), bad, "wrong shape").await;
    assert_4xx(post_raw(r#"{"stdin": "x"}"#), bad, "missing field `code`").await;
    assert_4xx(post_raw(r#"{"code": 42}"#), bad, "expected a string").await;
    assert_4xx(post_raw(r#"{"code": "x", "stdin": 1}"#), bad, "wrong shape").await;
    assert_4xx(post_raw(r#"{"code": "x", "files": ["a.py"]}"#), bad, "wrong shape").await;
    assert_4xx(post_raw(r#"{"code": "x", "files": {"a.py": 1}}"#), bad, "wrong shape").await;
    assert_4xx(post_raw(r#"{"code": "x", "bogus": 1}"#), bad, "unknown field").await;
    let big = "#".repeat(64 * 1024 + 1);
    assert_4xx(post_raw(json!({"code": big}).to_string()), bad, "64 KiB").await;
    assert_4xx(post_raw(json!({"code": "print(1)\u{0}"}).to_string()), bad, "NUL").await;
    assert_4xx(post_raw(json!({"code": "x", "stdin": "a\u{0}"}).to_string()), bad, "NUL").await;
    assert_4xx(post_raw(json!({"code": "x", "files": {"/etc/passwd": "x"}}).to_string()), bad, "absolute").await;
    assert_4xx(post_raw(json!({"code": "x", "files": {"../evil.py": "x"}}).to_string()), bad, "..").await;
    assert_4xx(post_raw(json!({"code": "x", "files": {"a/../../b.py": "x"}}).to_string()), bad, "..").await;
    assert_4xx(post_raw(json!({"code": "x", "files": {"dir/a.py": "x"}}).to_string()), bad, "plain file name").await;
    assert_4xx(post_raw(json!({"code": "x", "files": {"a.py": "\u{0}"}}).to_string()), bad, "NUL").await;
    assert_4xx(post_raw(json!({"code": "x", "files": {"a.py": "#".repeat(64 * 1024 + 1)}}).to_string()), bad, "64 KiB")
        .await;
    let many: serde_json::Map<String, Value> = (0..17).map(|i| (format!("f{i}.py"), json!(""))).collect();
    assert_4xx(post_raw(json!({"code": "x", "files": many}).to_string()), bad, "at most 16").await;
    assert_4xx(post_raw(vec![b' '; 5 << 20]), StatusCode::PAYLOAD_TOO_LARGE, "larger than").await;
    assert_4xx(Request::get("/api/run").body(Body::empty()).unwrap(), StatusCode::METHOD_NOT_ALLOWED, "").await;
    assert_4xx(Request::get("/api/nope").body(Body::empty()).unwrap(), StatusCode::NOT_FOUND, "no such API").await;
}

#[tokio::test]
async fn full_means_503_with_retry_after() {
    let runner = runner(1);
    // Hold the only slot with a long run started straight on the runner.
    let handle = runner
        .start(RunRequest::new("import time\ntime.sleep(30)"), StartOptions::default())
        .expect("the first run is admitted");
    let app = router(AppState { runner: runner.clone(), site: site() });
    let (status, headers, body) = send(app, post_raw(json!({"code": "print(1)"}).to_string())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "2");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(v["error"].as_str().unwrap().contains("try again"));
    let _ = handle.stop.map(|s| s.send(()));
}

#[tokio::test]
async fn healthz() {
    let (status, _, body) = send(app(), Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"ok");
}

#[tokio::test]
async fn pages_are_served_with_security_headers() {
    let (status, headers, body) = send(app(), Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("PyGuide") && html.contains("Learn Python with practical tutorials and code examples"));
    assert!(html.contains("href=\"/tutorials/test-page\""));
    assert!(html.contains("Test &lt;Page&gt;"), "titles are escaped");
    let csp = headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");

    let (status, _, body) = send(app(), Request::get("/tutorials/test-page").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("Run Code"));
    assert!(html.contains("Click \"Run Code\" to see the output"));
    assert!(html.contains("id=\"print\""));
    assert!(!html.contains("<script>alert"), "example code and output are escaped");
    assert!(!html.contains("<b>raw html</b>"), "raw HTML in prose is escaped");
    assert!(!html.contains("<script>"), "no inline script");
}

#[tokio::test]
async fn unknown_pages_are_404_html_and_assets_are_cached() {
    let (status, _, body) = send(app(), Request::get("/tutorials/nope").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8(body).unwrap().contains("Page not found"));
    let url = pyguide_render::Assets::embedded().url("app.js").unwrap();
    let (status, headers, _) = send(app(), Request::get(url.as_str()).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().contains("immutable"));
    let (status, _, _) = send(app(), Request::get("/static/app.00000000.js").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Another site's page may not make a visitor's browser run, check, inspect or share: a POST
/// whose `Origin` or `Sec-Fetch-Site` says cross-site is 403, whatever its Content-Type (a
/// `text/plain` "simple" request included). The site's own pages and clients that are not
/// browsers (no such headers) keep working.
#[tokio::test]
async fn cross_site_posts_are_refused() {
    let body = json!({"code": "print(1)"}).to_string();
    for path in ["/api/run", "/api/inspect", "/api/exercise", "/api/share"] {
        for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
            for content_type in ["application/json", "text/plain"] {
                let req = Request::post(path)
                    .header(header::HOST, "pyguide.test")
                    .header(header::CONTENT_TYPE, content_type)
                    .header(name, value)
                    .body(Body::from(body.clone()))
                    .unwrap();
                let (status, _, bytes) = send(app(), req).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{path} with {name}: {value}");
                let v: Value = serde_json::from_slice(&bytes).expect("JSON");
                assert!(v["error"].as_str().unwrap().contains("another site"), "{v}");
            }
        }
    }
    let own = Request::post("/api/run")
        .header(header::HOST, "pyguide.test")
        .header(header::ORIGIN, "http://pyguide.test")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(body.clone()))
        .unwrap();
    let (status, _, bytes) = send(app(), own).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
    let (status, _, _) = send(app(), post_raw(body)).await;
    assert_eq!(status, StatusCode::OK, "a client that is not a browser");
}

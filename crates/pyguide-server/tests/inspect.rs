//! `POST /api/inspect` through `oneshot` on real CPython (the plain runner): the four views of
//! programs with functions, classes, comprehensions, exceptions, recursion, generators, closures
//! and a reference cycle; a syntax error; a loop that never ends; the inspector failing; and
//! every malformed request.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use common::{plain_runner, send, site_of, test_limits};
use pyguide_render::Site;
use pyguide_sandbox::{RunRequest, Runner, StartOptions};
use pyguide_server::{router, AppState};
use serde_json::{json, Value};
use std::sync::Arc;

fn site() -> Arc<Site> {
    site_of(&[("sections.toml", "sections = []")])
}

fn runner(max_concurrent: usize) -> Arc<dyn Runner> {
    plain_runner(max_concurrent, test_limits(3))
}

fn app() -> Router {
    router(AppState { runner: runner(8), site: site() })
}

fn post(body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/inspect").header(header::CONTENT_TYPE, "application/json").body(body.into()).unwrap()
}

/// Inspects `body`; asserts a 200 JSON answer.
async fn inspect_body(body: Value) -> Value {
    let (status, headers, bytes) = send(app(), post(body.to_string())).await;
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), "application/json");
    let mut doc = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("the answer is JSON ({e}): {text}"));
    materialize(&mut doc);
    doc
}

/// The trace stores what changed from one step to the next (schema 2, INSPECTOR.md "Trace"):
/// rebuilds each step as a whole, so that a test reads a step directly: `heap` with every object
/// of the step, `stack` as frames `{func, line, locals}`, the gc totals, and `stdout` ("" when
/// the step printed nothing).
fn materialize(doc: &mut Value) {
    let Some(trace) = doc.get_mut("trace").and_then(Value::as_array_mut) else { return };
    let mut heap = serde_json::Map::new();
    let mut frames = std::collections::HashMap::<String, Value>::new();
    let mut gc = Value::Null;
    for step in trace.iter_mut() {
        for id in step["heap_removed"].as_array().into_iter().flatten() {
            heap.remove(id.as_str().unwrap());
        }
        for (id, obj) in step["heap_changes"].as_object().into_iter().flatten() {
            heap.insert(id.clone(), obj.clone());
        }
        for (id, change) in step["frames"].as_object().into_iter().flatten() {
            let f = frames.entry(id.clone()).or_insert_with(|| json!({"func": null, "line": null, "locals": {}}));
            for key in ["func", "line"] {
                if let Some(v) = change.get(key) {
                    f[key] = v.clone();
                }
            }
            for (name, r) in change["locals"].as_object().into_iter().flatten() {
                f["locals"][name] = r.clone();
            }
            for name in change["removed"].as_array().into_iter().flatten() {
                f["locals"].as_object_mut().unwrap().remove(name.as_str().unwrap());
            }
        }
        if !step["gc"].is_null() {
            gc = step["gc"].clone();
        }
        let stack: Vec<Value> =
            step["stack"].as_array().unwrap().iter().map(|id| frames[&id.to_string()].clone()).collect();
        step["stack"] = Value::Array(stack);
        step["heap"] = Value::Object(heap.clone());
        step["gc"] = gc.clone();
        if step.get("stdout").is_none() {
            step["stdout"] = json!("");
        }
    }
}

/// Inspects `code`; asserts the document is there (not the inspector-failed object).
async fn inspect(code: &str) -> Value {
    let doc = inspect_body(json!({ "code": code })).await;
    assert!(doc.get("error").is_none(), "the inspector ran: {doc}");
    assert_eq!(doc["schema_version"], 2);
    for key in ["tokens", "ast", "bytecode", "trace"] {
        assert!(doc.get(key).is_some(), "top-level key {key}");
    }
    doc
}

fn steps(doc: &Value) -> &Vec<Value> {
    doc["trace"].as_array().expect("a trace")
}

/// Every AST node type in the tree, depth first.
fn ast_types(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(o) => {
            if let Some(t) = o.get("_type").and_then(Value::as_str) {
                out.push(t.to_string());
            }
            for v in o.values() {
                ast_types(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| ast_types(v, out)),
        _ => {}
    }
}

fn has_ast(doc: &Value, t: &str) -> bool {
    let mut types = Vec::new();
    ast_types(&doc["ast"], &mut types);
    types.iter().any(|x| x == t)
}

fn code_object<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["bytecode"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("a code object named {name}: {}", doc["bytecode"]))
}

/// Every ref in a step resolves in that step's heap.
fn refs_resolve(step: &Value) {
    fn walk(v: &Value, heap: &serde_json::Map<String, Value>) {
        match v {
            Value::Object(o) => {
                if let Some(id) = o.get("ref").and_then(Value::as_str) {
                    assert!(heap.contains_key(id), "ref {id} is in the heap");
                }
                o.values().for_each(|x| walk(x, heap));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, heap)),
            _ => {}
        }
    }
    let heap = step["heap"].as_object().expect("a heap");
    walk(&step["stack"], heap);
    for obj in heap.values() {
        walk(obj, heap);
    }
}

#[tokio::test]
async fn functions_and_recursion() {
    let doc =
        inspect("def fact(n):\n    if n <= 1:\n        return 1\n    return n * fact(n - 1)\n\nprint(fact(4))\n").await;
    assert_eq!(doc["outcome"], "success");
    assert_eq!(doc["exit_code"], 0);
    assert_eq!(doc["stdout"], "24\n");
    assert!(doc["python_version"].as_str().unwrap().starts_with("3."));
    // Tokens: type, text and position.
    let first = &doc["tokens"][0];
    assert_eq!(first["type"], "NAME");
    assert_eq!(first["string"], "def");
    assert_eq!(first["start"], json!([1, 0]));
    assert_eq!(first["end"], json!([1, 3]));
    // AST: the module's first statement is the function, with its source range.
    let f = &doc["ast"]["fields"]["body"][0];
    assert_eq!(f["_type"], "FunctionDef");
    assert_eq!(f["fields"]["name"], "fact");
    assert_eq!((f["lineno"].as_i64(), f["end_lineno"].as_i64()), (Some(1), Some(4)));
    // Bytecode: the module and the function, instructions with their lines.
    assert_eq!(doc["bytecode"][0]["name"], "<module>");
    let fact = code_object(&doc, "fact");
    assert!(fact["instructions"].as_array().unwrap().iter().any(|i| i["line"] == 4));
    // Trace: four nested frames of fact at the deepest point, each with its own n.
    let deepest = steps(&doc).iter().max_by_key(|s| s["stack"].as_array().unwrap().len()).unwrap();
    let frames = deepest["stack"].as_array().unwrap();
    assert_eq!(frames.len(), 5, "<module> + fact(4..1)");
    let ns: Vec<&Value> = frames[1..].iter().map(|f| &f["locals"]["n"]["value"]).collect();
    assert_eq!(ns, [&json!(4), &json!(3), &json!(2), &json!(1)]);
    let returns: Vec<&Value> = steps(&doc)
        .iter()
        .filter(|s| s["event"] == "return" && s["func"] == "fact")
        .map(|s| &s["return_value"]["value"])
        .collect();
    assert_eq!(returns, [&json!(1), &json!(2), &json!(6), &json!(24)]);
    steps(&doc).iter().for_each(refs_resolve);
}

#[tokio::test]
async fn classes_are_instances_with_attributes() {
    let doc = inspect(
        "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n\n    def norm2(self):\n        return self.x ** 2 + self.y ** 2\n\np = Point(3, 4)\nprint(p.norm2())\n",
    )
    .await;
    assert_eq!(doc["stdout"], "25\n");
    assert!(has_ast(&doc, "ClassDef"));
    assert_eq!(code_object(&doc, "Point")["path"], "<module>.Point");
    assert_eq!(code_object(&doc, "norm2")["qualname"].as_str().map(|q| q.ends_with("norm2")), Some(true));
    let last = steps(&doc).last().unwrap();
    let p = last["stack"][0]["locals"]["p"]["ref"].as_str().expect("p is a heap object");
    let obj = &last["heap"][p];
    assert_eq!(obj["type"], "Point");
    assert_eq!(obj["kind"], "instance");
    assert_eq!(obj["attrs"]["x"], json!({"value": 3, "type": "int"}));
    assert!(obj["refcount"].as_i64().unwrap() >= 1);
    assert_eq!(last["heap"][last["stack"][0]["locals"]["Point"]["ref"].as_str().unwrap()]["kind"], "class");
}

#[tokio::test]
async fn comprehensions() {
    let doc = inspect(
        "squares = [n * n for n in range(4)]\nby_name = {w: len(w) for w in ['ab', 'c']}\ntotal = sum(x for x in squares)\nprint(squares, by_name, total)\n",
    )
    .await;
    assert_eq!(doc["stdout"], "[0, 1, 4, 9] {'ab': 2, 'c': 1} 14\n");
    assert!(has_ast(&doc, "ListComp") && has_ast(&doc, "DictComp") && has_ast(&doc, "GeneratorExp"));
    // Generator expressions have their own code object on every version (PEP 709 inlines the rest).
    code_object(&doc, "<genexpr>");
    let last = steps(&doc).last().unwrap();
    let squares = &last["heap"][last["stack"][0]["locals"]["squares"]["ref"].as_str().unwrap()];
    assert_eq!(squares["kind"], "list");
    assert_eq!(squares["len"], 4);
    assert_eq!(squares["items"][3], json!({"value": 9, "type": "int"}));
    let d = &last["heap"][last["stack"][0]["locals"]["by_name"]["ref"].as_str().unwrap()];
    assert_eq!(d["entries"][0], json!([{"value": "ab", "type": "str"}, {"value": 2, "type": "int"}]));
}

#[tokio::test]
async fn exceptions_caught_and_uncaught() {
    let doc = inspect(
        "def parse(s):\n    return int(s)\n\ntry:\n    parse('x')\nexcept ValueError as e:\n    print('caught', type(e).__name__)\n\nprint(1 / 0)\n",
    )
    .await;
    assert_eq!(doc["outcome"], "error");
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["stdout"], "caught ValueError\n");
    assert_eq!(doc["exception"]["type"], "ZeroDivisionError");
    assert_eq!(doc["exception"]["lineno"], 9);
    assert!(doc["exception"]["traceback"].as_str().unwrap().contains("line 9"));
    let raised: Vec<&str> =
        steps(&doc).iter().filter(|s| s["event"] == "exception").filter_map(|s| s["exception"].as_str()).collect();
    assert!(raised.iter().any(|e| e.starts_with("ValueError: invalid literal")), "{raised:?}");
    assert!(raised.iter().any(|e| e.starts_with("ZeroDivisionError")), "{raised:?}");
    assert!(doc["syntax_error"].is_null());
}

#[tokio::test]
async fn generators_yield_then_resume() {
    let doc = inspect(
        "def countdown(n):\n    while n > 0:\n        yield n\n        n -= 1\n\ng = countdown(3)\nprint(list(g))\n",
    )
    .await;
    assert_eq!(doc["stdout"], "[3, 2, 1]\n");
    let yields: Vec<&Value> = steps(&doc)
        .iter()
        .filter(|s| s["event"] == "return" && s["func"] == "countdown")
        .map(|s| &s["return_value"])
        .collect();
    assert_eq!(
        yields[..3],
        [&json!({"value": 3, "type": "int"}), &json!({"value": 2, "type": "int"}), &json!({"value": 1, "type": "int"})]
    );
    let calls = steps(&doc).iter().filter(|s| s["event"] == "call" && s["func"] == "countdown").count();
    assert_eq!(calls, 4, "each resumption is a call: three yields and the end");
    let step = steps(&doc).iter().find(|s| s["stack"][0]["locals"].get("g").is_some()).unwrap();
    let g = step["stack"][0]["locals"]["g"]["ref"].as_str().unwrap();
    assert_eq!(step["heap"][g]["kind"], "generator");
    assert!(code_object(&doc, "countdown")["flags"].as_array().unwrap().contains(&json!("GENERATOR")));
}

#[tokio::test]
async fn closures_show_their_cells() {
    let doc = inspect(
        "def make_adder(k):\n    def add(x):\n        return x + k\n    return add\n\nadd2 = make_adder(2)\nprint(add2(40))\n",
    )
    .await;
    assert_eq!(doc["stdout"], "42\n");
    assert_eq!(code_object(&doc, "add")["freevars"], json!(["k"]));
    assert_eq!(code_object(&doc, "make_adder")["cellvars"], json!(["k"]));
    let last = steps(&doc).last().unwrap();
    let f = &last["heap"][last["stack"][0]["locals"]["add2"]["ref"].as_str().unwrap()];
    assert_eq!(f["kind"], "function");
    assert_eq!(f["closure"]["k"], json!({"value": 2, "type": "int"}));
}

#[tokio::test]
async fn a_reference_cycle_and_its_collection() {
    let doc = inspect("import gc\na = []\na.append(a)\ndel a\nfreed = gc.collect()\nprint(freed >= 1)\n").await;
    assert_eq!(doc["stdout"], "True\n");
    let trace = steps(&doc);
    // Before `del a`: the list holds itself (refcount 2: the variable and its own item).
    let before = trace.iter().find(|s| s["event"] == "line" && s["line"] == 4).unwrap();
    let id = before["stack"][0]["locals"]["a"]["ref"].as_str().unwrap().to_string();
    assert_eq!(before["heap"][&id]["items"][0]["ref"], id.as_str());
    assert_eq!(before["heap"][&id]["refcount"], 2);
    // After `del a`: no variable reaches it, it is alive (refcount 1), waiting for the collector.
    let waiting = trace.iter().find(|s| s["event"] == "line" && s["line"] == 5).unwrap();
    assert_eq!(waiting["unreachable"], json!([id]));
    assert_eq!(waiting["heap"][&id]["refcount"], 1);
    assert_eq!(waiting["gc"]["collected"], 0);
    // After gc.collect(): gone, and counted.
    let after = trace.iter().find(|s| s["event"] == "line" && s["line"] == 6).unwrap();
    assert!(after.get("unreachable").is_none());
    assert!(after["heap"].get(&id).is_none());
    assert!(after["gc"]["collected"].as_i64().unwrap() >= 1);
    assert_eq!(after["gc"]["collections"].as_i64().unwrap(), waiting["gc"]["collections"].as_i64().unwrap() + 1);
}

#[tokio::test]
async fn stdin_is_the_programs_input() {
    let doc = inspect_body(json!({"code": "name = input()\nprint('hi', name)", "stdin": "Ada\n"})).await;
    assert_eq!(doc["stdout"], "hi Ada\n");
    assert!(steps(&doc).iter().any(|s| s["stdin"] == "Ada\n"));
}

#[tokio::test]
async fn output_so_far_is_a_delta_per_step() {
    let doc = inspect("for i in range(3):\n    print(i)\n").await;
    let all: String = steps(&doc).iter().map(|s| s["stdout"].as_str().unwrap()).collect();
    assert_eq!(all, "0\n1\n2\n");
    assert_eq!(doc["stdout"], all);
}

#[tokio::test]
async fn a_syntax_error_in_every_view_never_a_5xx() {
    let doc = inspect("x = 1\nprint(x +)\ny = 2\n").await;
    assert_eq!(doc["outcome"], "error");
    assert_eq!(doc["exit_code"], 1);
    let se = &doc["syntax_error"];
    assert_eq!(se["type"], "SyntaxError");
    assert_eq!(se["lineno"], 2);
    assert!(se["offset"].as_i64().unwrap() >= 1);
    assert!(se["msg"].as_str().unwrap().contains("invalid syntax"), "{se}");
    assert_eq!(doc["exception"]["type"], "SyntaxError");
    // Tokens up to (at least) the error; the other views are null: nothing parsed, compiled or ran.
    assert!(doc["tokens"].as_array().unwrap().iter().any(|t| t["start"][0] == 2 && t["string"] == "+"));
    assert!(doc["ast"].is_null() && doc["bytecode"].is_null() && doc["trace"].is_null());

    let doc = inspect("def f(:\n").await;
    assert_eq!(doc["syntax_error"]["lineno"], 1);
    let doc = inspect("s = 'never closed\n").await;
    assert!(!doc["syntax_error"].is_null());
    assert!(doc["tokens"].is_array());
    // A compiler error after parsing keeps the tree.
    let doc = inspect("break\n").await;
    assert!(doc["syntax_error"]["msg"].as_str().unwrap().contains("outside loop"));
    assert!(doc["ast"].is_object() && doc["bytecode"].is_null());
}

#[tokio::test]
async fn a_loop_that_never_ends_gives_a_partial_trace() {
    let doc = inspect("n = 0\nwhile True:\n    n += 1\n    if n % 100 == 0:\n        print(n)\n").await;
    assert_eq!(doc["outcome"], "step_limit");
    assert_eq!(doc["stopped_by"], "max_steps");
    assert_eq!(doc["trace_truncated"], true);
    assert_eq!(doc["steps"], 1000);
    assert_eq!(steps(&doc).len(), 1000);
    assert_eq!(doc["limits"]["max_steps"], 1000);
    assert!(doc["stdout"].as_str().unwrap().starts_with("100\n200\n"));
    let last = steps(&doc).last().unwrap();
    assert!(last["stack"][0]["locals"]["n"]["value"].as_i64().unwrap() > 300);
}

#[tokio::test]
async fn the_document_keeps_its_key_order() {
    let (status, _, bytes) = send(app(), post(json!({"code": "print(1)"}).to_string())).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("{\"schema_version\":"), "{}", &text[..80.min(text.len())]);
    // `trace` is the last key (INSPECTOR.md), so a reader can stop before the long part.
    let tail = text.rfind("\"trace\":").unwrap();
    assert!(tail > text.find("\"timing_ms\"").unwrap());
}

#[tokio::test]
async fn when_the_inspector_cannot_finish_the_answer_says_so_in_200() {
    // One C-level call that holds the interpreter past the CPU limit: no step boundary to stop at.
    let doc = inspect_body(json!({"code": "print(sum(range(10**12)))"})).await;
    assert_eq!(doc["outcome"], "timeout", "{doc}");
    let error = doc["error"].as_str().unwrap();
    assert!(error.starts_with("Under the hood is not available for this run."), "{error}");
    assert!(error.contains("CPU limit") || error.contains("time limit"), "{error}");
    assert!(doc.get("trace").is_none());

    // The interpreter ended by the program itself: no document, plain words, still 200.
    let doc = inspect_body(json!({"code": "import os\nos._exit(3)"})).await;
    assert_eq!(doc["outcome"], "error", "{doc}");
    assert_eq!(doc["exit_code"], 3);
    assert!(doc["error"].as_str().unwrap().contains("before the inspector"), "{doc}");
}

#[tokio::test]
async fn helper_files_can_be_imported() {
    let doc = inspect_body(json!({"code": "import helpers\nprint(helpers.twice(21))", "files": {"helpers.py": "def twice(x):\n    return 2 * x\n"}})).await;
    assert_eq!(doc["stdout"], "42\n");
    // Only main.py's frames are traced.
    assert!(steps(&doc).iter().all(|s| s["func"] != "twice"));
}

async fn assert_4xx(req: Request<Body>, expected: StatusCode, words: &str) {
    let (status, _, body) = send(app(), req).await;
    assert_eq!(status, expected, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).expect("errors are JSON");
    let msg = v["error"].as_str().expect("an error message");
    assert!(msg.contains(words), "{msg:?} should contain {words:?}");
}

#[tokio::test]
async fn malformed_requests_are_4xx_in_plain_words() {
    let bad = StatusCode::BAD_REQUEST;
    assert_4xx(post("{not json"), bad, "not valid JSON").await;
    assert_4xx(post(""), bad, "not valid JSON").await;
    assert_4xx(post(json!({"code": 5}).to_string()), bad, "wrong shape").await;
    assert_4xx(post(json!({"stdin": "x"}).to_string()), bad, "missing field `code`").await;
    assert_4xx(post(json!({"code": "1", "stdin": 3}).to_string()), bad, "wrong shape").await;
    assert_4xx(post(json!({"code": "1", "steps": 5}).to_string()), bad, "unknown field").await;
    assert_4xx(post(json!({"code": "x".repeat(65 * 1024)}).to_string()), bad, "the limit is 64 KiB").await;
    assert_4xx(post(json!({"code": "print(1)\u{0}"}).to_string()), bad, "NUL").await;
    assert_4xx(post(json!({"code": "1", "stdin": "a\u{0}"}).to_string()), bad, "NUL").await;
    assert_4xx(post(json!({"code": "1", "files": {"../x.py": ""}}).to_string()), bad, "..").await;
    assert_4xx(post(vec![b'x'; 5 << 20]), StatusCode::PAYLOAD_TOO_LARGE, "larger than 4 MiB").await;
    let get = Request::builder().method(Method::GET).uri("/api/inspect").body(Body::empty()).unwrap();
    let (status, headers, _) = send(app(), get).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers.get(header::ALLOW).unwrap(), "POST");
}

#[tokio::test]
async fn full_means_503_with_retry_after() {
    let runner = runner(1);
    // Hold the only slot with a program that waits for input that never comes.
    let handle = runner
        .start(RunRequest::new("input()"), StartOptions { interactive: true, ..Default::default() })
        .expect("the first run is admitted");
    let app = router(AppState { runner: runner.clone(), site: site() });
    let (status, headers, body) = send(app, post(json!({"code": "print(1)"}).to_string())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "2");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(v["error"].as_str().unwrap().contains("try again"));
    let _ = handle.stop.map(|s| s.send(()));
}

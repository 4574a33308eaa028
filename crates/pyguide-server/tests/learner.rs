//! The learner's page, through the router: the streaming WebSocket (on a real socket), Share
//! with SQLite, the playground and shared pages, search, the style nonce and gzipped assets.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{plain_runner, send, site_of, test_limits};
use futures_util::{SinkExt, StreamExt};
use pyguide_render::Site;
use pyguide_sandbox::{Limits, Runner};
use pyguide_server::{router_with, AppState, ServerOptions};
use pyguide_store::Store;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const TUTORIAL: &str = r#"+++
title = "Loops"
summary = "For loops."
section = "Basics"
order = 1
slug = "loops"
+++
## How does a for loop work? {#for-loop}

```python
for i in range(3):
    print(i)
```

```output
0
1
2
```

### Looping over a dict {#dict-loop}

Text.
"#;

fn site() -> Arc<Site> {
    site_of(&[("sections.toml", "sections = [\"Basics\"]"), ("basics/loops.md", TUTORIAL)])
}

fn limits() -> Limits {
    test_limits(3)
}

fn runner(max_concurrent: usize) -> Arc<dyn Runner> {
    plain_runner(max_concurrent, limits())
}

async fn app_with(store: Option<Store>, slots: usize) -> Router {
    router_with(
        AppState { runner: runner(slots), site: site() },
        ServerOptions { store, limits: limits(), ..Default::default() },
    )
}

async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Store::open_data_dir(&dir.path().join("data")).await.expect("store"), dir)
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn post_json(path: &str, v: Value) -> Request<Body> {
    Request::post(path).header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap()
}

// ---- WebSocket streaming, on a real loopback socket.

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("ws://{addr}/api/run/ws")
}

async fn connect(url: &str, first: Value) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connects");
    ws.send(Message::text(first.to_string())).await.unwrap();
    ws
}

async fn next(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("no socket error");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("JSON");
        }
    }
}

/// Every message up to and including `exit` (or `error`), and when each arrived.
async fn until_end(ws: &mut Ws) -> Vec<(Value, Duration)> {
    let t0 = Instant::now();
    let mut out = Vec::new();
    loop {
        let v = next(ws).await;
        let end = v["type"] == "exit" || v["type"] == "error";
        out.push((v, t0.elapsed()));
        if end {
            return out;
        }
    }
}

fn text_of(msgs: &[(Value, Duration)], kind: &str) -> String {
    msgs.iter().filter(|(v, _)| v["type"] == kind).map(|(v, _)| v["data"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn ws_streams_output_as_it_is_printed() {
    let url = serve(app_with(None, 4).await).await;
    let code = "import time\nfor i in range(3):\n    print('tick', i)\n    time.sleep(0.3)";
    let mut ws = connect(&url, json!({"type": "run", "code": code})).await;
    assert_eq!(next(&mut ws).await, json!({"type": "started", "interactive": true}));
    let msgs = until_end(&mut ws).await;
    assert_eq!(text_of(&msgs, "stdout"), "tick 0\ntick 1\ntick 2\n");
    // The ticks arrived apart, not all at the end.
    let at: Vec<Duration> = msgs.iter().filter(|(v, _)| v["type"] == "stdout").map(|(_, t)| *t).collect();
    assert!(at.len() >= 3, "{msgs:?}");
    assert!(at[at.len() - 1] - at[0] >= Duration::from_millis(400), "{at:?}");
    let (exit, _) = msgs.last().unwrap();
    assert_eq!(exit["outcome"], "success");
    assert_eq!(exit["exit_code"], 0);
    assert!(exit["message"].as_str().unwrap().starts_with("Finished · exit code 0 · "), "{exit}");
}

#[tokio::test]
async fn ws_feeds_input_and_keeps_stdout_before_a_traceback() {
    let url = serve(app_with(None, 4).await).await;
    let code = "a = input('First: ')\nb = input('Second: ')\nprint(a + b)\nprint('before')\nraise ValueError('boom')";
    let mut ws = connect(&url, json!({"type": "run", "code": code})).await;
    assert_eq!(next(&mut ws).await["type"], "started");
    assert_eq!(next(&mut ws).await, json!({"type": "stdout", "data": "First: "}));
    ws.send(Message::text(json!({"type": "stdin", "data": "4\n"}).to_string())).await.unwrap();
    assert_eq!(next(&mut ws).await, json!({"type": "stdout", "data": "Second: "}));
    ws.send(Message::text(json!({"type": "stdin", "data": "2\n"}).to_string())).await.unwrap();
    let msgs = until_end(&mut ws).await;
    // Consecutive chunks of one stream merged: stdout, then the traceback, never interleaved.
    let mut runs: Vec<(String, String)> = Vec::new();
    for (v, _) in &msgs {
        let (Some(kind), Some(data)) = (v["type"].as_str(), v["data"].as_str()) else { continue };
        match runs.last_mut() {
            Some((k, text)) if k == kind => text.push_str(data),
            _ => runs.push((kind.to_string(), data.to_string())),
        }
    }
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0], ("stdout".to_string(), "42\nbefore\n".to_string()));
    assert!(runs[1].1.starts_with("Traceback"), "{runs:?}");
    assert!(text_of(&msgs, "stderr").ends_with("ValueError: boom\n"));
    let (exit, _) = msgs.last().unwrap();
    assert_eq!(exit["outcome"], "error");
    assert_eq!(exit["exit_code"], 1);
}

#[tokio::test]
async fn ws_time_waiting_for_input_does_not_count_against_the_wall_limit() {
    let url = serve(app_with(None, 4).await).await;
    let mut ws = connect(&url, json!({"type": "run", "code": "name = input('Name: ')\nprint('hi', name)"})).await;
    assert_eq!(next(&mut ws).await["type"], "started");
    assert_eq!(next(&mut ws).await, json!({"type": "stdout", "data": "Name: "}));
    // The learner takes longer to answer than the whole wall limit (3 s here).
    tokio::time::sleep(limits().wall + Duration::from_secs(1)).await;
    ws.send(Message::text(json!({"type": "stdin", "data": "Ada\n"}).to_string())).await.unwrap();
    let msgs = until_end(&mut ws).await;
    assert_eq!(text_of(&msgs, "stdout"), "hi Ada\n");
    assert_eq!(msgs.last().unwrap().0["outcome"], "success", "{msgs:?}");
}

#[tokio::test]
async fn ws_eof_and_fixed_stdin() {
    let url = serve(app_with(None, 4).await).await;
    let mut ws = connect(&url, json!({"type": "run", "code": "import sys\nprint(len(sys.stdin.read()))"})).await;
    assert_eq!(next(&mut ws).await["type"], "started");
    ws.send(Message::text(json!({"type": "stdin", "data": "abc"}).to_string())).await.unwrap();
    ws.send(Message::text(json!({"type": "eof"}).to_string())).await.unwrap();
    let msgs = until_end(&mut ws).await;
    assert_eq!(text_of(&msgs, "stdout"), "3\n");

    // A fixed stdin makes the run like POST /api/run: not interactive.
    let mut ws = connect(&url, json!({"type": "run", "code": "print(input() * 2)", "stdin": "ab\n"})).await;
    assert_eq!(next(&mut ws).await, json!({"type": "started", "interactive": false}));
    assert_eq!(text_of(&until_end(&mut ws).await, "stdout"), "abab\n");
}

#[tokio::test]
async fn ws_stop_and_limits_in_plain_words() {
    let url = serve(app_with(None, 4).await).await;
    let mut ws = connect(&url, json!({"type": "run", "code": "print('go', flush=True)\nwhile True: pass"})).await;
    assert_eq!(next(&mut ws).await["type"], "started");
    assert!(next(&mut ws).await["data"].as_str().unwrap().starts_with("go"));
    ws.send(Message::text(json!({"type": "stop"}).to_string())).await.unwrap();
    let msgs = until_end(&mut ws).await;
    let (exit, _) = msgs.last().unwrap();
    assert_eq!(exit["outcome"], "stopped");
    assert!(exit["message"].as_str().unwrap().starts_with("Stopped by you"));

    let mut ws = connect(&url, json!({"type": "run", "code": "import time\ntime.sleep(30)"})).await;
    let msgs = until_end(&mut ws).await;
    let (exit, _) = msgs.last().unwrap();
    assert_eq!(exit["outcome"], "timeout");
    assert!(exit["message"].as_str().unwrap().contains("3 s of running time"), "{exit}");
}

#[tokio::test]
async fn ws_refusals_are_plain_words() {
    let url = serve(app_with(None, 1).await).await;
    let mut ws = connect(&url, json!({"type": "stdin", "data": "x"})).await;
    let v = next(&mut ws).await;
    assert_eq!((v["type"].as_str(), v["status"].as_u64()), (Some("error"), Some(400)));
    let mut ws = connect(&url, json!({"type": "run", "code": "x\u{0}"})).await;
    assert!(next(&mut ws).await["error"].as_str().unwrap().contains("NUL"));
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    ws.send(Message::text("{not json")).await.unwrap();
    assert!(next(&mut ws).await["error"].as_str().unwrap().contains("not a valid request"));

    // The only slot is busy: the run is told its place in the queue, then, when the slot is
    // not freed within the queue's wait, 503 in words with when to try again.
    let mut busy = connect(&url, json!({"type": "run", "code": "import time\ntime.sleep(5)"})).await;
    assert_eq!(next(&mut busy).await["type"], "started");
    let mut ws = connect(&url, json!({"type": "run", "code": "print(1)"})).await;
    let v = next(&mut ws).await;
    assert_eq!((v["type"].as_str(), v["position"].as_u64()), (Some("queued"), Some(1)), "{v}");
    let v = next(&mut ws).await;
    assert_eq!((v["status"].as_u64(), v["retry_after"].as_u64()), (Some(503), Some(2)), "{v}");
    assert!(v["error"].as_str().unwrap().contains("try again"));
    // Closing the socket stops the run and frees the slot.
    busy.close(None).await.unwrap();
    drop(busy);
    let t0 = Instant::now();
    loop {
        let mut ws = connect(&url, json!({"type": "run", "code": "print(1)"})).await;
        let mut v = next(&mut ws).await;
        while v["type"] == "queued" {
            v = next(&mut ws).await;
        }
        if v["type"] == "started" {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(3), "the slot was not freed when the learner left");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn ws_refuses_other_origins() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = serve(app_with(None, 1).await).await;
    let host = url.trim_start_matches("ws://").split('/').next().unwrap().to_string();
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut().insert("Origin", "https://evil.example".parse().unwrap());
    let err = tokio_tungstenite::connect_async(req).await.expect_err("refused");
    assert!(err.to_string().contains("403"), "{err}");
    // The site's own pages are welcome.
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut().insert("Origin", format!("http://{host}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("same origin is accepted");
    ws.send(Message::text(json!({"type": "run", "code": "print(1)"}).to_string())).await.unwrap();
    assert_eq!(next(&mut ws).await["type"], "started");
}

// ---- Share, playground, search, nonce, assets.

#[tokio::test]
async fn share_round_trip_and_404() {
    let (store, _dir) = sqlite_store().await;
    let app = app_with(Some(store), 2).await;
    let code = "print('<b>shared</b>')";
    let (status, headers, body) =
        send(app.clone(), post_json("/api/share", json!({"code": code, "files": {"helper.py": "X = 1"}}))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    let url = v["url"].as_str().unwrap().to_string();
    assert!(pyguide_store::is_valid_id(v["id"].as_str().unwrap()));
    assert_eq!(headers.get(header::LOCATION).unwrap(), url.as_str());

    let (status, headers, body) = send(app.clone(), get(&url)).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("Shared code") && html.contains("helper.py"));
    assert!(html.contains("&lt;b&gt;shared&lt;/b&gt;") && !html.contains("<b>shared"), "code is escaped");
    let csp = headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(csp.contains("style-src 'self' 'nonce-") && csp.contains("script-src 'self';"), "{csp}");

    for missing in ["/s/AAAAAAAAAAAA", "/s/short", "/s/..%2Fetc"] {
        let (status, _, body) = send(app.clone(), get(missing)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert!(String::from_utf8(body).unwrap().contains("Shared code not found"));
    }
}

#[tokio::test]
async fn share_refuses_bad_input_and_needs_a_store() {
    let (store, _dir) = sqlite_store().await;
    let app = app_with(Some(store), 2).await;
    for (body, words) in [
        (json!({"code": "#".repeat(64 * 1024 + 1)}), "64 KiB"),
        (json!({"code": "x", "files": {"../x.py": ""}}), ".."),
        (json!({"code": 1}), "wrong shape"),
        (json!({"code": "x", "extra": 1}), "unknown field"),
    ] {
        let (status, _, bytes) = send(app.clone(), post_json("/api/share", body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(v["error"].as_str().unwrap().contains(words), "{v}");
    }
    let (status, _, _) = send(app_with(None, 1).await, post_json("/api/share", json!({"code": "x"}))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn playground_search_and_nonces() {
    let app = app_with(None, 1).await;
    let (status, headers, body) = send(app.clone(), get("/playground")).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("data-example") && html.contains("Run Code") && html.contains("3 s of running time"));
    let nonce = html.split("data-style-nonce=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_eq!(nonce.len(), 32);
    let csp = headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(csp.contains(&format!("'nonce-{nonce}'")) && !csp.contains("unsafe-inline"));
    // A new nonce for every response.
    let (_, headers2, _) = send(app.clone(), get("/playground")).await;
    assert_ne!(headers2.get(header::CONTENT_SECURITY_POLICY), headers.get(header::CONTENT_SECURITY_POLICY));
    // The tutorial page has the editor; the home page does not, and keeps the strict CSP.
    let (_, h, body) = send(app.clone(), get("/tutorials/loops")).await;
    assert!(String::from_utf8(body).unwrap().contains("data-editor="));
    assert!(h.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().contains("'nonce-"));
    let (_, h, body) = send(app.clone(), get("/")).await;
    let home = String::from_utf8(body).unwrap();
    assert!(!home.contains("data-editor="));
    assert_eq!(h.get(header::CONTENT_SECURITY_POLICY).unwrap(), pyguide_server::CSP);

    // Search: the no-JavaScript results page (tests/search.rs has the rest).
    let (status, _, body) = send(app.clone(), get("/search?q=DICT+loop")).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("Looping over a dict") && html.contains("loops#dict-loop"), "{html}");
}

#[tokio::test]
async fn assets_are_gzipped_ahead_and_cached_forever() {
    let app = app_with(None, 1).await;
    let url = pyguide_render::Assets::embedded().url("editor.js").unwrap();
    let req = Request::get(url.as_str()).header(header::ACCEPT_ENCODING, "gzip, deflate, br").body(Body::empty());
    let (status, headers, body) = send(app.clone(), req.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_ENCODING).unwrap(), "gzip");
    assert_eq!(headers.get(header::VARY).unwrap(), "accept-encoding");
    assert!(headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().contains("immutable"));
    let plain = pyguide_render::Assets::embedded().get(url.trim_start_matches("/static/")).unwrap().bytes;
    assert!(body.len() < plain.len() / 2, "gzipped: {} of {}", body.len(), plain.len());
    // Without gzip in Accept-Encoding, the plain bytes.
    let (_, headers, body) = send(app.clone(), get(&url)).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, plain);
    let req = Request::get(url.as_str()).header(header::ACCEPT_ENCODING, "gzip;q=0").body(Body::empty());
    let (_, headers, _) = send(app, req.unwrap()).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
}

//! What an operator sees, through the router: `/healthz`, `/readyz` through the server's life,
//! `/metrics` (route templates, run outcomes, shares), `X-Request-Id`, and runs stopped by the
//! drain deadline (a JSON run and an interactive WebSocket run waiting for input).

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{plain_runner, send, site_of, test_limits};
use futures_util::{SinkExt, StreamExt};
use pyguide_server::lifecycle::RESTARTING_MESSAGE;
use pyguide_server::{router_with, AppState, Lifecycle, Phase, ServerOptions};
use pyguide_store::Store;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const TUTORIAL: &str = "+++\ntitle = \"Loops\"\nsummary = \"s\"\nsection = \"Basics\"\norder = 1\nslug = \"loops\"\n+++\n## Loops {#a}\n\nText.\n";

fn app(lifecycle: Lifecycle, store: Option<Store>) -> Router {
    let site = site_of(&[("sections.toml", "sections = [\"Basics\"]"), ("basics/loops.md", TUTORIAL)]);
    let limits = test_limits(30);
    let runner = plain_runner(4, limits.clone());
    router_with(AppState { runner, site }, ServerOptions { store, limits, lifecycle, ..Default::default() })
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn post_json(path: &str, v: &Value) -> Request<Body> {
    Request::post(path).header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap()
}

async fn metrics_text(app: &Router) -> String {
    let (status, headers, body) = send(app.clone(), get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    String::from_utf8(body).unwrap()
}

/// The value of the series whose line starts with `series` (`name{labels}`), 0 when absent.
fn value_of(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn readyz_follows_the_life_of_the_server() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open_data_dir(data.path()).await.unwrap();
    let lifecycle = Lifecycle::new(Phase::Starting);
    let app = app(lifecycle.clone(), Some(store));
    let (status, _, body) = send(app.clone(), get("/readyz")).await;
    assert_eq!((status, String::from_utf8_lossy(&body).as_ref()), (StatusCode::SERVICE_UNAVAILABLE, "starting"));
    lifecycle.enter(Phase::Serving);
    let (status, _, _) = send(app.clone(), get("/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    lifecycle.enter(Phase::Draining);
    let (status, _, body) = send(app.clone(), get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(String::from_utf8_lossy(&body).contains("draining"));
    // Liveness does not change while draining: the process still answers.
    let (status, _, _) = send(app.clone(), get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    // A lifecycle never goes back.
    lifecycle.enter(Phase::Serving);
    assert_eq!(lifecycle.phase(), Phase::Draining);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_runs_and_shares() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open_data_dir(data.path()).await.unwrap();
    let app = app(Lifecycle::default(), Some(store));
    let before = metrics_text(&app).await;
    for path in ["/tutorials/loops", "/tutorials/loops", "/tutorials/nope", "/no/such/page"] {
        send(app.clone(), get(path)).await;
    }
    let (status, _, _) = send(app.clone(), post_json("/api/run", &json!({ "code": "print(1)" }))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(app.clone(), post_json("/api/run", &json!({ "code": "1/0" }))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(app.clone(), post_json("/api/share", &json!({ "code": "print(2)" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let after = metrics_text(&app).await;
    let delta = |series: &str| value_of(&after, series) - value_of(&before, series);
    // Tests in this file share one recorder: each compares its own before and after.
    assert!(delta(r#"pyguide_http_requests_total{route="/tutorials/{slug}",status="200"}"#) >= 2.0, "{after}");
    assert!(delta(r#"pyguide_http_requests_total{route="/tutorials/{slug}",status="404"}"#) >= 1.0, "{after}");
    assert!(delta(r#"pyguide_http_requests_total{route="/api/run",status="200"}"#) >= 2.0, "{after}");
    assert!(!after.contains("/tutorials/loops\""), "a raw path became a label: {after}");
    assert!(!after.contains("/no/such/page"), "a raw path became a label: {after}");
    assert!(delta(r#"pyguide_runs_total{entry="run",outcome="success"}"#) >= 1.0, "{after}");
    assert!(delta(r#"pyguide_runs_total{entry="run",outcome="error"}"#) >= 1.0, "{after}");
    assert!(delta("pyguide_shares_total") >= 1.0, "{after}");
    // Histograms have buckets (not the exporter's default summaries).
    assert!(after.contains(r#"pyguide_run_duration_seconds_bucket{le="0.5"}"#), "{after}");
    for name in ["pyguide_run_slots_busy", "pyguide_waiting_for_input", "# TYPE pyguide_runs_total counter"] {
        assert!(after.contains(name), "{name} is missing: {after}");
    }
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = app(Lifecycle::default(), None);
    let (_, headers, _) = send(app.clone(), get("/healthz")).await;
    let id = headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 32, "{id}");
    let (_, other, _) = send(app.clone(), get("/healthz")).await;
    assert_ne!(other["x-request-id"], headers["x-request-id"]);
    // A proxy's id (nginx's $request_id) is kept, so that both logs can be matched.
    let given = Request::get("/healthz").header("x-request-id", "0123456789abcdef").body(Body::empty()).unwrap();
    let (_, headers, _) = send(app.clone(), given).await;
    assert_eq!(headers["x-request-id"], "0123456789abcdef");
    // ... but not anything a client sends.
    let given = Request::get("/healthz").header("x-request-id", "a b\"c").body(Body::empty()).unwrap();
    let (_, headers, _) = send(app, given).await;
    assert_ne!(headers["x-request-id"], "a b\"c");
    let a = pyguide_server::client_hash("192.0.2.1".parse().unwrap());
    assert_eq!(a, pyguide_server::client_hash("192.0.2.1".parse().unwrap()));
    assert_ne!(a, pyguide_server::client_hash("192.0.2.2".parse().unwrap()));
    assert!(!a.contains("192"));
}

#[tokio::test]
async fn the_drain_deadline_stops_runs_and_says_the_server_is_restarting() {
    let lifecycle = Lifecycle::default();
    let app = app(lifecycle.clone(), None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app.clone()).await.unwrap() });

    // An interactive run waiting for input, and a JSON run in a long sleep.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/run/ws")).await.unwrap();
    ws.send(Message::text(json!({ "type": "run", "code": "print('name?')\nprint(input())" }).to_string()))
        .await
        .unwrap();
    let mut seen = Vec::new();
    while !seen.iter().any(|v: &Value| v["type"] == "stdout") {
        let Some(Ok(Message::Text(t))) = ws.next().await else { panic!("the socket closed early") };
        seen.push(serde_json::from_str(t.as_str()).unwrap());
    }
    let client = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let body = json!({ "code": "import time\nprint('start', flush=True)\ntime.sleep(25)" }).to_string();
        let req = format!(
            "POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        tokio::io::AsyncWriteExt::write_all(&mut s, req.as_bytes()).await.unwrap();
        let mut answer = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut s, &mut answer).await.unwrap();
        answer
    });
    while lifecycle.runs_in_flight() < 2 {
        tokio::task::yield_now().await;
    }
    lifecycle.enter(Phase::Draining);
    lifecycle.enter(Phase::StoppingRuns);

    let exit = loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("the exit in time");
        let Some(Ok(Message::Text(t))) = msg else { panic!("the socket closed without an exit") };
        let v: Value = serde_json::from_str(t.as_str()).unwrap();
        if v["type"] == "exit" {
            break v;
        }
    };
    assert_eq!(exit["outcome"], "stopped");
    assert_eq!(exit["message"], RESTARTING_MESSAGE);
    let answer = tokio::time::timeout(Duration::from_secs(10), client).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["outcome"], "stopped");
    assert!(body["stderr"].as_str().unwrap().contains(RESTARTING_MESSAGE), "{body}");
    tokio::time::timeout(Duration::from_secs(5), lifecycle.runs_finished()).await.expect("no run is left in flight");
}

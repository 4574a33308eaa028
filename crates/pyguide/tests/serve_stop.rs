//! `pyguide serve` stops cleanly: on SIGTERM or SIGINT it exits 0 and leaves no cgroup behind
//! (its warm units each hold one while it runs). Runs in flight finish within the drain; those
//! still going at its deadline (an interactive run waiting for input) end as `stopped` with the
//! message that the server is restarting; a second signal cuts the drain short.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Folders named `pyguide-<pid>` (the server's parent cgroups) under the cgroup mounts.
fn server_cgroups(pid: u32) -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, tag: &str, found: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if e.file_name().to_string_lossy() == tag {
                found.push(path);
            } else if depth > 0 {
                walk(&path, depth - 1, tag, found);
            }
        }
    }
    let mut found = Vec::new();
    walk(Path::new("/sys/fs/cgroup"), 5, &format!("pyguide-{pid}"), &mut found);
    found
}

fn run_cgroups(parents: &[PathBuf]) -> usize {
    parents
        .iter()
        .flat_map(|p| std::fs::read_dir(p).into_iter().flatten().flatten())
        .filter(|e| e.path().is_dir())
        .count()
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

fn start(data: &Path) -> (Child, u16) {
    start_with(data, &[])
}

fn start_with(data: &Path, extra: &[&str]) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_pyguide"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        // The project's one install of the curated packages (installed there on first use),
        // not a download into each temporary data folder.
        .env("PYGUIDE_PACKAGES_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/packages"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !healthy(port) {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: a plain signal to our own child.
    unsafe { libc::kill(child.id() as i32, signal) };
}

fn stop_with(signal_number: libc::c_int) {
    let data = tempfile::tempdir().unwrap();
    let (child, _) = start(data.path());
    let parents = server_cgroups(child.id());
    assert!(!parents.is_empty() && run_cgroups(&parents) > 0, "a running server holds cgroups: {parents:?}");
    signal(&child, signal_number);
    exits_cleanly(child);
}

/// Waits for the server to exit; it must exit 0 and leave no cgroup.
fn exits_cleanly(mut child: Child) {
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not stop within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "the server exited with {status}");
    let left = server_cgroups(pid);
    assert!(left.is_empty(), "cgroups left after the server stopped: {left:?}");
}

#[test]
fn sigterm_leaves_no_cgroup() {
    stop_with(libc::SIGTERM);
}

#[test]
fn sigint_leaves_no_cgroup() {
    stop_with(libc::SIGINT);
}

// ---- Draining, with runs in flight.

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An interactive run, once it has printed its prompt and waits for input.
async fn waiting_for_input(port: u16) -> Ws {
    use futures_util::SinkExt;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/api/run/ws")).await.unwrap();
    let run = serde_json::json!({ "type": "run", "code": "print('name?', flush=True)\nprint(input())" });
    ws.send(Message::text(run.to_string())).await.unwrap();
    loop {
        let v = next(&mut ws).await;
        if v["type"] == "stdout" {
            return ws;
        }
    }
}

async fn next(ws: &mut Ws) -> serde_json::Value {
    use futures_util::StreamExt;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next()).await.expect("a message in time");
        match msg {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(t.as_str()).unwrap(),
            Some(Ok(_)) => {}
            other => panic!("the socket ended without an exit: {other:?}"),
        }
    }
}

async fn exit_of(ws: &mut Ws) -> serde_json::Value {
    loop {
        let v = next(ws).await;
        if v["type"] == "exit" {
            return v;
        }
    }
}

/// A JSON run that takes a moment, sent on its own connection; the raw answer.
async fn slow_run(port: u16) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = serde_json::json!({ "code": "import time\nprint('begun', flush=True)\ntime.sleep(1.5)\nprint('done')" })
        .to_string();
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!(
        "POST /api/run HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_runs_finish_then_stops_the_rest_as_restarting() {
    let data = tempfile::tempdir().unwrap();
    let (child, port) = start_with(data.path(), &["--drain", "4s"]);
    let mut ws = waiting_for_input(port).await;
    let run = tokio::spawn(slow_run(port));
    // The JSON run has started once its request is in; give it the signal while it sleeps.
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&child, libc::SIGTERM);
    let answer = run.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"stdout\":\"begun\\ndone\\n\""), "the run in flight finished: {answer}");
    assert!(answer.contains("\"outcome\":\"success\""), "{answer}");
    // New connections are refused while draining.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(), "still accepting while draining");
    let exit = exit_of(&mut ws).await;
    assert_eq!(exit["outcome"], "stopped", "{exit}");
    assert!(exit["message"].as_str().unwrap().contains("the server is restarting"), "{exit}");
    tokio::task::spawn_blocking(move || exits_cleanly(child)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_skips_the_drain_but_still_removes_the_cgroups() {
    let data = tempfile::tempdir().unwrap();
    let (child, port) = start_with(data.path(), &["--drain", "10m"]);
    let _ws = waiting_for_input(port).await;
    signal(&child, libc::SIGTERM);
    // The first signal drains: the run waiting for input would hold the server for 10 minutes.
    let started = Instant::now();
    while healthy(port) {
        tokio::task::yield_now().await;
        assert!(started.elapsed() < Duration::from_secs(10), "still accepting after SIGTERM");
    }
    signal(&child, libc::SIGINT);
    tokio::task::spawn_blocking(move || exits_cleanly(child)).await.unwrap();
}

//! The abuse suite: a real `pyguide serve`, an attacker and a victim on different loopback
//! addresses (127.0.0.2 and 127.0.0.3). Under each attack the victim's hello-world is answered
//! correctly and never refused. Every loop is bounded in count and time. After the suite the
//! server's memory is back near where it was, and no run, cgroup or connection is left.

use serde_json::{json, Value};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;

const ATTACKER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const VICTIM: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
/// Generous: this is a test of who gets served, not a benchmark.
const VICTIM_BOUND: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    port: u16,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: a plain signal to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // PYGUIDE_ABUSE_BIN runs the suite against another build (an older one, to see it fail).
    let bin = std::env::var_os("PYGUIDE_ABUSE_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_pyguide").into());
    let child = Command::new(bin)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.contains(" 200 ") {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, port, _data: data }
}

async fn connect(from: Ipv4Addr, port: u16) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((from, 0)))?;
    socket.connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
}

/// One HTTP/1.1 request on its own connection: (status, headers in lower case, body).
async fn http(
    from: Ipv4Addr,
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut s = connect(from, port).await.expect("connects");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.expect("sends");
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.expect("reads");
    let answer = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

async fn run(from: Ipv4Addr, port: u16, code: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, _, body) = http(from, port, "POST", "/api/run", headers, &json!({ "code": code }).to_string()).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The victim's hello-world: answered, correctly, within the bound, never refused.
async fn victim_is_served(port: u16, during: &str) {
    let started = Instant::now();
    let answer = tokio::time::timeout(VICTIM_BOUND, run(VICTIM, port, "print('hello')", &[])).await;
    let (status, v) = answer.unwrap_or_else(|_| panic!("{during}: the victim waited over {VICTIM_BOUND:?}"));
    assert_eq!(status, 200, "{during}: the victim was refused: {v}");
    assert_eq!(v["stdout"], "hello\n", "{during}: {v}");
    eprintln!("{during}: the victim was served in {:?}", started.elapsed());
}

async fn ws(from: Ipv4Addr, port: u16) -> tokio_tungstenite::WebSocketStream<TcpStream> {
    let stream = connect(from, port).await.expect("connects");
    let url = format!("ws://127.0.0.1:{port}/api/run/ws");
    tokio_tungstenite::client_async(url, stream).await.expect("upgrades").0
}

async fn next_json(socket: &mut tokio_tungstenite::WebSocketStream<TcpStream>) -> Value {
    use futures_util::StreamExt;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(t.as_str()).unwrap(),
            Ok(Some(Ok(_))) => continue,
            other => return json!({ "type": "closed", "why": format!("{other:?}") }),
        }
    }
}

/// Eight WebSockets run `input()` and never answer; those refused reconnect at once.
async fn silent_input_websockets(port: u16) {
    use futures_util::SinkExt;
    let mut held = Vec::new();
    let (mut started, mut refused) = (0, 0);
    for round in 0..2 {
        let want = if round == 0 { 8 } else { refused };
        refused = 0;
        for _ in 0..want {
            let mut s = ws(ATTACKER, port).await;
            s.send(Message::text(json!({"type": "run", "code": "input()"}).to_string())).await.unwrap();
            let mut v = next_json(&mut s).await;
            while v["type"] == "queued" {
                assert!(v["position"].as_u64().unwrap() >= 1, "{v}");
                v = next_json(&mut s).await;
            }
            match v["type"].as_str() {
                Some("started") => {
                    started += 1;
                    held.push(s);
                }
                Some("error") => {
                    assert_eq!(v["status"], 429, "the attacker's own share is the limit: {v}");
                    assert!(v["retry_after"].as_u64().is_some(), "{v}");
                    refused += 1;
                }
                _ => panic!("unexpected {v}"),
            }
        }
    }
    // Two running and one waiting for input (it gave its slot back) at most.
    assert!(started <= 3, "{started} silent runs started from one address");
    assert!(refused > 0);
    victim_is_served(port, "8 silent input() WebSockets").await;
    // The victim's own interactive run works too.
    let mut s = ws(VICTIM, port).await;
    s.send(Message::text(json!({"type": "run", "code": "print(input()[::-1])"}).to_string())).await.unwrap();
    assert_eq!(next_json(&mut s).await["type"], "started");
    s.send(Message::text(json!({"type": "stdin", "data": "olleh\n"}).to_string())).await.unwrap();
    let mut stdout = String::new();
    loop {
        let v = next_json(&mut s).await;
        match v["type"].as_str() {
            Some("stdout") => stdout.push_str(v["data"].as_str().unwrap()),
            Some("exit") => break assert_eq!(v["outcome"], "success", "{v}"),
            _ => panic!("unexpected {v}"),
        }
    }
    assert_eq!(stdout, "hello\n");
    drop(held);
}

/// Sixteen CPU-spinning runs at once from one client, optionally claiming to be the victim.
async fn spinning_runs(port: u16, headers: &'static [(&'static str, &'static str)], during: &str) {
    let spins: Vec<_> = (0..16)
        .map(|_| tokio::spawn(async move { run(ATTACKER, port, "while True: pass", headers).await.0 }))
        .collect();
    // Let them reach the server first.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !spins.iter().any(|s| s.is_finished()) && Instant::now() < deadline {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    victim_is_served(port, during).await;
    let mut statuses = Vec::new();
    for s in spins {
        statuses.push(s.await.unwrap());
    }
    assert!(statuses.contains(&429), "{during}: the attacker over its share is told 429: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429), "{during}: {statuses:?}");
}

/// 200 connections that send nothing.
async fn idle_connections(port: u16) {
    let mut held = Vec::new();
    for _ in 0..200 {
        if let Ok(s) = connect(ATTACKER, port).await {
            held.push(s);
        }
    }
    victim_is_served(port, "200 idle connections").await;
    drop(held);
}

/// Connections that send their headers a byte at a time.
async fn slowloris(port: u16) {
    let mut held = Vec::new();
    for _ in 0..50 {
        if let Ok(mut s) = connect(ATTACKER, port).await {
            let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
            held.push(s);
        }
    }
    let trickle = tokio::spawn(async move {
        for _ in 0..10 {
            for s in held.iter_mut() {
                let _ = s.write_all(b"a").await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        held
    });
    victim_is_served(port, "slowloris headers").await;
    drop(trickle.await);
}

/// POSTs that announce a body and send a little of it.
async fn half_sent_bodies(port: u16) {
    let mut held = Vec::new();
    for _ in 0..50 {
        if let Ok(mut s) = connect(ATTACKER, port).await {
            let head = "POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"code\": \"";
            let _ = s.write_all(head.as_bytes()).await;
            held.push(s);
        }
    }
    victim_is_served(port, "half-sent bodies").await;
    drop(held);
}

/// Twenty clients that ask for large pages and never read them.
async fn non_readers(port: u16) {
    let mut held = Vec::new();
    for _ in 0..20 {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.bind(SocketAddr::from((ATTACKER, 0))).unwrap();
        if let Ok(mut s) = socket.connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
            let req =
                "GET /tutorials/how-python-works HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n".repeat(30);
            let _ = s.write_all(req.as_bytes()).await;
            held.push(s);
        }
    }
    victim_is_served(port, "20 clients that never read").await;
    drop(held);
}

/// Large shares as fast as possible: past the quota, 429; the victim still shares.
async fn share_flood(port: u16) {
    let code = format!("print('flood')\n#{}", "x".repeat(60 * 1024));
    let body = json!({ "code": code }).to_string();
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(http(ATTACKER, port, "POST", "/api/share", &[], &body).await.0);
    }
    assert!(statuses.iter().filter(|s| **s == 201).count() <= 10, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let (status, _, body) =
        http(VICTIM, port, "POST", "/api/share", &[], &json!({"code": "print(1)"}).to_string()).await;
    assert_eq!(status, 201, "the victim shares: {body}");
    victim_is_served(port, "a share flood").await;
}

/// Another site's page posting through a learner's browser.
async fn cross_site_post(port: u16) {
    let origin = [("Origin", "http://evil.example")];
    assert_eq!(run(ATTACKER, port, "print(1)", &origin).await.0, 403);
    let fetch = [("Sec-Fetch-Site", "cross-site")];
    let (status, _, _) = http(ATTACKER, port, "POST", "/api/share", &fetch, "{\"code\": \"print(1)\"}").await;
    assert_eq!(status, 403);
    victim_is_served(port, "a cross-site POST").await;
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Established TCP connections to `port` (server side), from /proc/net/tcp.
fn connections_to(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let local = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[1].ends_with(&local) && f[3] == "01"
        })
        .count()
}

/// The server's descendants.
fn descendants(pid: u32) -> usize {
    let mut parents = vec![pid];
    let mut count = 0;
    while let Some(p) = parents.pop() {
        let path = PathBuf::from(format!("/proc/{p}/task/{p}/children"));
        let children = std::fs::read_to_string(&path).unwrap_or_default();
        for c in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            count += 1;
            parents.push(c);
        }
    }
    count
}

/// Waits (bounded) until `f` is true.
fn eventually(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn have_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_client_takes_the_site_away_from_another() {
    if !have_root() || !Path::new("/sys/fs/cgroup").exists() {
        eprintln!("the sandbox needs root and cgroups: skipping the abuse suite");
        return;
    }
    let server = start();
    let (port, pid) = (server.port, server.child.id());
    // Warm up: what a server holds after its first requests is its baseline.
    for _ in 0..5 {
        victim_is_served(port, "warm-up").await;
    }
    let processes_before = descendants(pid);
    let rss_before = rss_kib(pid);

    silent_input_websockets(port).await;
    spinning_runs(port, &[], "16 CPU-spinning runs from one client").await;
    idle_connections(port).await;
    slowloris(port).await;
    half_sent_bodies(port).await;
    non_readers(port).await;
    share_flood(port).await;
    cross_site_post(port).await;
    spinning_runs(port, &[("X-Forwarded-For", "127.0.0.3")], "a spoofed X-Forwarded-For").await;

    eventually("connections are left open on the server", || connections_to(port) == 0);
    eventually("runs are left behind", || descendants(pid) <= processes_before);
    let rss_after = rss_kib(pid);
    eprintln!("server RSS: {rss_before} KiB before the suite, {rss_after} KiB after");
    assert!(
        (rss_after as f64) <= rss_before as f64 * 1.2,
        "the server's memory grew from {rss_before} to {rss_after} KiB"
    );
}

//! The abuse suite's parts, shared by the test (`tests/abuse.rs`) and the bench
//! (`benches/abuse.rs`): a real `pyguide serve`, clients bound to chosen loopback addresses,
//! and each attack as a value that keeps attacking until it is dropped.

#![allow(dead_code)] // each user takes what it needs

use serde_json::{json, Value};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

pub const ATTACKER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
pub const VICTIM: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

pub struct Server {
    pub child: Child,
    pub port: u16,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: a plain signal to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// Starts `pyguide serve` (PYGUIDE_ABUSE_BIN runs another build, an older one to see it fail).
pub fn start(bin: &str) -> Server {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bin = std::env::var_os("PYGUIDE_ABUSE_BIN").unwrap_or_else(|| bin.into());
    let child = Command::new(bin)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data.path())
        // The project's one install of the curated packages, not a download per data folder.
        .env("PYGUIDE_PACKAGES_DIR", std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/packages"))
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

pub async fn connect(from: Ipv4Addr, port: u16) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((from, 0)))?;
    socket.connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
}

/// One HTTP/1.1 request on its own connection: (status, head in lower case, body); status 0
/// when the connection failed.
pub async fn http(
    from: Ipv4Addr,
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let Ok(mut s) = connect(from, port).await else { return (0, String::new(), String::new()) };
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    if s.write_all(req.as_bytes()).await.is_err() {
        return (0, String::new(), String::new());
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

pub async fn run(from: Ipv4Addr, port: u16, code: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, _, body) = http(from, port, "POST", "/api/run", headers, &json!({ "code": code }).to_string()).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The victim's hello-world: (how long it took, the HTTP status, the answer).
pub async fn victim_hello(port: u16) -> (Duration, u16, Value) {
    let started = Instant::now();
    let (status, v) = run(VICTIM, port, "print('hello')", &[]).await;
    (started.elapsed(), status, v)
}

pub type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

pub async fn ws(from: Ipv4Addr, port: u16) -> Option<Ws> {
    let stream = connect(from, port).await.ok()?;
    let url = format!("ws://127.0.0.1:{port}/api/run/ws");
    Some(tokio_tungstenite::client_async(url, stream).await.ok()?.0)
}

pub async fn next_json(socket: &mut Ws) -> Value {
    use futures_util::StreamExt;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(t.as_str()).unwrap(),
            Ok(Some(Ok(_))) => continue,
            other => return json!({ "type": "closed", "why": format!("{other:?}") }),
        }
    }
}

/// An attack in progress: its connections and tasks, and what the server answered it. It
/// stops when dropped.
#[derive(Default)]
pub struct Attack {
    held: Vec<TcpStream>,
    sockets: Arc<Mutex<Vec<Ws>>>,
    tasks: Vec<JoinHandle<()>>,
    /// Statuses the attacker was answered (HTTP, or a WebSocket `error` message's status;
    /// 200 for a WebSocket run that started).
    pub answers: Arc<Mutex<Vec<u16>>>,
}

impl Drop for Attack {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Attack {
    pub fn answers(&self) -> Vec<u16> {
        self.answers.lock().unwrap().clone()
    }

    fn repeat<F, Fut>(&mut self, count: usize, make: F)
    where
        F: Fn(Arc<Mutex<Vec<u16>>>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let make = Arc::new(make);
        for _ in 0..count {
            let (make, answers) = (make.clone(), self.answers.clone());
            self.tasks.push(tokio::spawn(async move {
                // Bounded in time: the test or bench drops the attack well before.
                let end = Instant::now() + Duration::from_secs(120);
                while Instant::now() < end {
                    make(answers.clone()).await;
                }
            }));
        }
    }
}

/// Eight WebSockets run `input()` and never answer; each refused one reconnects at once.
pub async fn silent_input_websockets(port: u16) -> Attack {
    let mut attack = Attack::default();
    let sockets = attack.sockets.clone();
    attack.repeat(8, move |answers| {
        let sockets = sockets.clone();
        async move {
            use futures_util::SinkExt;
            let Some(mut s) = ws(ATTACKER, port).await else { return };
            let run = json!({"type": "run", "code": "input()"}).to_string();
            if s.send(Message::text(run)).await.is_err() {
                return;
            }
            let mut v = next_json(&mut s).await;
            while v["type"] == "queued" {
                v = next_json(&mut s).await;
            }
            match v["type"].as_str() {
                Some("started") => {
                    answers.lock().unwrap().push(200);
                    sockets.lock().unwrap().push(s);
                    // Held silently: this task has nothing more to do.
                    std::future::pending::<()>().await;
                }
                Some("error") => answers.lock().unwrap().push(v["status"].as_u64().unwrap_or(0) as u16),
                _ => {}
            }
        }
    });
    // Let every socket get its first answer.
    wait_for(|| attack.answers().len() >= 8).await;
    attack
}

/// Sixteen CPU-spinning runs at once from one client, each started again as it ends (a
/// refused one after its Retry-After: a flood of cheap requests is another attack).
pub async fn spinning_runs(port: u16, headers: &'static [(&'static str, &'static str)]) -> Attack {
    let mut attack = Attack::default();
    attack.repeat(16, move |answers| async move {
        let (status, _) = run(ATTACKER, port, "while True: pass", headers).await;
        answers.lock().unwrap().push(status);
        if status != 200 {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    // Running (or refused) before the victim comes.
    wait_for(|| !attack.answers().is_empty()).await;
    attack
}

/// 200 connections that send nothing.
pub async fn idle_connections(port: u16) -> Attack {
    let mut attack = Attack::default();
    for _ in 0..200 {
        if let Ok(s) = connect(ATTACKER, port).await {
            attack.held.push(s);
        }
    }
    attack
}

/// Fifty connections that send their headers a byte every 200 ms.
pub async fn slowloris(port: u16) -> Attack {
    let mut attack = Attack::default();
    attack.repeat(50, move |_| async move {
        let Ok(mut s) = connect(ATTACKER, port).await else { return };
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
        while s.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    attack
}

/// Fifty POSTs that announce a 100 kB body and send a few bytes of it.
pub async fn half_sent_bodies(port: u16) -> Attack {
    let mut attack = Attack::default();
    for _ in 0..50 {
        if let Ok(mut s) = connect(ATTACKER, port).await {
            let head = "POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                        Content-Length: 100000\r\n\r\n{\"code\": \"";
            let _ = s.write_all(head.as_bytes()).await;
            attack.held.push(s);
        }
    }
    attack
}

/// Twenty clients that ask for a large page thirty times and never read.
pub async fn non_readers(port: u16) -> Attack {
    let mut attack = Attack::default();
    for _ in 0..20 {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.bind(SocketAddr::from((ATTACKER, 0))).unwrap();
        if let Ok(mut s) = socket.connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
            let req =
                "GET /tutorials/how-python-works HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n".repeat(30);
            let _ = s.write_all(req.as_bytes()).await;
            attack.held.push(s);
        }
    }
    attack
}

/// 60 KiB shares, one after another.
pub async fn share_flood(port: u16) -> Attack {
    let mut attack = Attack::default();
    attack.repeat(1, move |answers| async move {
        let code = format!("print('flood')\n#{}", "x".repeat(60 * 1024));
        let body = json!({ "code": code }).to_string();
        let (status, _, _) = http(ATTACKER, port, "POST", "/api/share", &[], &body).await;
        answers.lock().unwrap().push(status);
    });
    wait_for(|| attack.answers().len() >= 15).await;
    attack
}

/// POSTs as another site's page would make them through a learner's browser.
pub async fn cross_site_posts(port: u16) -> Attack {
    let mut attack = Attack::default();
    attack.repeat(1, move |answers| async move {
        let (a, _) = run(ATTACKER, port, "print(1)", &[("Origin", "http://evil.example")]).await;
        let fetch = [("Sec-Fetch-Site", "cross-site")];
        let (b, _, _) = http(ATTACKER, port, "POST", "/api/share", &fetch, "{\"code\": \"print(1)\"}").await;
        answers.lock().unwrap().extend([a, b]);
    });
    wait_for(|| attack.answers().len() >= 2).await;
    attack
}

async fn wait_for(done: impl Fn() -> bool) {
    let end = Instant::now() + Duration::from_secs(30);
    while !done() && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Established TCP connections to `port` (server side), from /proc/net/tcp.
pub fn connections_to(port: u16) -> usize {
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

/// The server's descendants' pids.
pub fn descendant_pids(pid: u32) -> Vec<u32> {
    let mut parents = vec![pid];
    let mut found = Vec::new();
    while let Some(p) = parents.pop() {
        let children = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
        for c in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            found.push(c);
            parents.push(c);
        }
    }
    found
}

/// The proportional memory (PSS, KiB) of processes: shared pages split among their sharers.
pub fn pss_kib(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")).ok())
        .filter_map(|s| {
            let line = s.lines().find(|l| l.starts_with("Pss:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum()
}

/// The server's descendants.
pub fn descendants(pid: u32) -> usize {
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

/// The run cgroups (spares made ahead, and runs) under the server's `pyguide-<pid>` folders.
pub fn run_cgroups(pid: u32) -> usize {
    fn walk(dir: &std::path::Path, depth: usize, tag: &str, found: &mut usize) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if e.file_name().to_string_lossy() == tag {
                *found +=
                    std::fs::read_dir(e.path()).into_iter().flatten().flatten().filter(|c| c.path().is_dir()).count();
            } else if depth > 0 {
                walk(&e.path(), depth - 1, tag, found);
            }
        }
    }
    let mut found = 0;
    walk(std::path::Path::new("/sys/fs/cgroup"), 5, &format!("pyguide-{pid}"), &mut found);
    found
}

pub fn have_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

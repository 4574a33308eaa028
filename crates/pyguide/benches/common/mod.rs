//! What the benchmarks share: a keep-alive HTTP/1.1 client of `POST /api/run`.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection that posts JSON and reads the answer.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).ok();
        Client { stream, buf: Vec::with_capacity(4096) }
    }

    /// Posts `code` to /api/run; returns the status code and the body.
    pub async fn run(&mut self, code: &str) -> (u16, String) {
        let body = serde_json::json!({ "code": code }).to_string();
        let req = format!(
            "POST /api/run HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(req.as_bytes()).await.expect("write");
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        loop {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + len {
                    let n = self.stream.read(&mut chunk).await.expect("read body");
                    assert!(n > 0, "the server closed the connection");
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
                return (status, String::from_utf8_lossy(&self.buf[end + 4..end + 4 + len]).into_owned());
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Serves a one-page site on a loopback port with `runner`, for a bench whose whole load comes
/// from one address: that client may use every run slot and queue as much as the bench sends
/// (the defaults would hold it to two programs at once, as they would any one visitor).
pub async fn serve_one_client(runner: std::sync::Arc<dyn pyguide_sandbox::Runner>) -> SocketAddr {
    use pyguide_content::{load_sources, SourceFile};
    let files = vec![
        SourceFile { path: "sections.toml".into(), text: "sections = [\"Bench\"]".into() },
        SourceFile {
            path: "bench.md".into(),
            text: "+++\ntitle = \"Bench\"\nsummary = \"s\"\nsection = \"Bench\"\n+++\nBody\n".into(),
        },
    ];
    let site = std::sync::Arc::new(pyguide_render::Site::build(&load_sources(files).expect("content")).expect("site"));
    let availability = pyguide_server::Availability {
        runs_per_client: 1 << 20,
        queue_per_client: 4096,
        queue_total: 4096,
        queue_wait: std::time::Duration::from_secs(60),
        ..Default::default()
    };
    let options = pyguide_server::ServerOptions { availability, ..Default::default() };
    let app = pyguide_server::router_with(pyguide_server::AppState { runner, site }, options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

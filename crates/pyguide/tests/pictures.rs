//! Plots through `pyguide serve` with the real sandbox and the curated packages: over
//! `POST /api/run` and over the WebSocket, a plot arrives as a PNG that decodes, in order with
//! the text printed before and after it; 50 figures arrive as 8 and a count of 42.

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const PLOT: &str = "print('before')
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [1, 4, 9])
plt.title('squares')
plt.show()
print('after')
";

const FIFTY: &str = "import matplotlib.pyplot as plt
for i in range(50):
    plt.plot([0, i])
    plt.show()
print('done')
";

/// The server, killed when dropped.
struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

fn serve(data: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_pyguide"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        // The project's one install of the curated packages (scripts/test makes it).
        .env("PYGUIDE_PACKAGES_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/packages"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let server = Server(child, port);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !healthy(port) {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// `POST /api/run` with `code`: the answer's JSON.
fn post_run(port: u16, code: &str) -> Value {
    let body = json!({ "code": code }).to_string();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let req = format!(
        "POST /api/run HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(500)]);
    let (_, json) = answer.split_once("\r\n\r\n").expect("a body");
    serde_json::from_str(json).expect("the answer is JSON")
}

/// Checks an image (of the answer or a WebSocket message): a PNG that decodes to its size.
fn check_png(image: &Value) {
    assert_eq!(image["mime"], "image/png");
    assert_eq!(image["alt"], "Figure 1: squares");
    let bytes = base64::engine::general_purpose::STANDARD.decode(image["data"].as_str().unwrap()).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("the PNG decodes");
    assert_eq!((json!(info.width), json!(info.height)), (image["width"].clone(), image["height"].clone()));
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Runs `code` over the WebSocket: every message up to and with `exit`.
async fn ws_run(port: u16, code: &str) -> Vec<Value> {
    let (mut ws, _): (Ws, _) =
        tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/api/run/ws")).await.unwrap();
    ws.send(Message::text(json!({ "type": "run", "code": code }).to_string())).await.unwrap();
    let mut got = Vec::new();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next()).await.expect("a message in time");
        let v: Value = match msg {
            Some(Ok(Message::Text(t))) => serde_json::from_str(t.as_str()).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("the socket ended without an exit: {other:?}"),
        };
        let end = v["type"] == "exit";
        got.push(v);
        if end {
            return got;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plot_arrives_as_a_png_in_order_over_http_and_the_websocket() {
    let data = tempfile::tempdir().unwrap();
    let server = serve(data.path());
    let port = server.1;

    let answer = tokio::task::spawn_blocking(move || post_run(port, PLOT)).await.unwrap();
    assert_eq!(answer["outcome"], "success", "{answer}");
    assert_eq!(answer["stdout"], "before\nafter\n");
    let images = answer["images"].as_array().expect("images");
    assert_eq!(images.len(), 1);
    check_png(&images[0]);
    assert_eq!(images[0]["after_stdout"], 7, "after `before\\n`");
    assert!(answer.get("images_dropped").is_none());

    let messages = ws_run(port, PLOT).await;
    // The output as the page shows it: text (a print may come in pieces), then the image.
    let mut shown = Vec::new();
    for m in &messages {
        match (m["type"].as_str().unwrap(), shown.last_mut()) {
            ("stdout", Some(Value::String(text))) => text.push_str(m["data"].as_str().unwrap()),
            ("stdout", _) => shown.push(m["data"].clone()),
            ("image", _) => {
                check_png(m);
                shown.push(json!(["image", m["alt"]]));
            }
            (kind, _) => shown.push(json!([kind])),
        }
    }
    assert_eq!(
        shown,
        [
            json!(["started"]),
            json!("before\n"),
            json!(["image", "Figure 1: squares"]),
            json!("after\n"),
            json!(["exit"])
        ]
    );
    assert!(messages.last().unwrap().get("images_dropped").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_figures_show_eight_and_count_the_rest() {
    let data = tempfile::tempdir().unwrap();
    let server = serve(data.path());
    let port = server.1;

    let answer = tokio::task::spawn_blocking(move || post_run(port, FIFTY)).await.unwrap();
    assert_eq!(answer["outcome"], "success", "{answer}");
    assert_eq!(answer["images"].as_array().map(Vec::len), Some(8));
    assert_eq!(answer["images_dropped"], 42);

    let messages = ws_run(port, FIFTY).await;
    assert_eq!(messages.iter().filter(|m| m["type"] == "image").count(), 8);
    let exit = messages.last().unwrap();
    assert_eq!((&exit["outcome"], &exit["images_dropped"]), (&json!("success"), &json!(42)), "{exit}");
}

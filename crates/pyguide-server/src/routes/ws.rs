//! `GET /api/run/ws`: a run streamed over a WebSocket — output as it is printed, the learner's
//! typing fed to stdin, Stop — ending with one `exit` message. The protocol is in README.md.

use crate::availability::{Parked, Refusal, Slot};
use crate::error::{refusal_words, AppError, RETRY_AFTER_SECS};
use crate::lifecycle::{Lifecycle, RESTARTING_MESSAGE};
use crate::metrics::{self, RunEntry};
use crate::{Client, Ctx};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use pyguide_sandbox::{
    Admission, Event, Outcome, Picture, RunHandle, RunRequest, RunResult, SandboxError, StartOptions, MAX_STDIN_BYTES,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};

/// Largest client message: a run request with code and files at their limits, JSON-escaped.
const MAX_MESSAGE_BYTES: usize = 4 << 20;
/// How long a new connection may wait before sending its `run` message.
const FIRST_MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);
/// stdout and stderr come through two pipes read by two tasks, so output written a moment
/// apart can arrive swapped: `print("before")` and then a traceback would show the traceback
/// first, or even split `before` from its newline. When stderr arrives, stdout that shows up
/// within this window is sent first (for a program, the order it most likely wrote them in).
const STDERR_HOLD: Duration = Duration::from_millis(8);
/// The longest stderr is held back while stdout keeps coming.
const STDERR_HOLD_MAX: Duration = Duration::from_millis(40);

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMsg {
    Run(RunRequest),
    Stdin { data: String },
    Eof,
    Stop,
}

pub(crate) async fn run_ws(
    State(state): State<Ctx>,
    client: Client,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !super::origin::from_own_pages(&headers) {
        // Browsers send Origin with every WebSocket: another site's page may not run programs
        // through its visitors' browsers. (Clients without Origin, such as tests, are fine.)
        return AppError::Client(
            StatusCode::FORBIDDEN,
            "WebSocket connections are only accepted from PyGuide's own pages".into(),
        )
        .into_response();
    }
    ws.max_message_size(MAX_MESSAGE_BYTES).on_upgrade(move |socket| session(state, client, socket))
}

/// The sending half of the socket, written by a task of its own so that a client that reads
/// slowly holds up neither the run nor the server. What waits for the client is bounded
/// (`ws_buffer_bytes`), a write that does not finish within `write_timeout` drops the client,
/// and a ping goes out when nothing else has for a while, so an open page stays connected
/// through the server's idle timeout.
struct Outbox {
    tx: mpsc::UnboundedSender<Message>,
    /// Bytes handed to the writer and not yet written.
    queued: Arc<AtomicUsize>,
    limit: usize,
    /// Becomes true when the client is gone (a write failed or took too long).
    gone: watch::Receiver<bool>,
    writer: tokio::task::JoinHandle<()>,
}

/// Why a message was not queued for the client.
#[derive(Debug, PartialEq, Eq)]
enum Unsent {
    /// The client is gone.
    Gone,
    /// The client reads too slowly: more than the bound waits for it.
    Backlog,
}

impl Outbox {
    fn start(sink: SplitSink<WebSocket, Message>, state: &Ctx) -> Outbox {
        let (tx, rx) = mpsc::unbounded_channel();
        let (gone_tx, gone) = watch::channel(false);
        let queued = Arc::new(AtomicUsize::new(0));
        let a = &state.availability;
        let ping_every = (a.idle_timeout / 2).max(Duration::from_secs(1));
        let writer = tokio::spawn(write_loop(sink, rx, queued.clone(), a.write_timeout, ping_every, gone_tx));
        Outbox { tx, queued, limit: a.ws_buffer_bytes, gone, writer }
    }

    fn send(&self, v: Value) -> Result<(), Unsent> {
        if *self.gone.borrow() {
            return Err(Unsent::Gone);
        }
        let text = v.to_string();
        if self.queued.load(Ordering::Relaxed) + text.len() > self.limit {
            return Err(Unsent::Backlog);
        }
        self.queued.fetch_add(text.len(), Ordering::Relaxed);
        self.tx.send(Message::Text(Utf8Bytes::from(text))).map_err(|_| Unsent::Gone)
    }

    /// Sends a close frame, then waits (at most the write timeout) for the writer to finish.
    async fn close(self) {
        let _ = self.tx.send(Message::Close(Some(CloseFrame { code: 1000, reason: Utf8Bytes::from_static("") })));
        drop(self.tx);
        let _ = self.writer.await;
    }
}

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: mpsc::UnboundedReceiver<Message>,
    queued: Arc<AtomicUsize>,
    write_timeout: Duration,
    ping_every: Duration,
    gone: watch::Sender<bool>,
) {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    loop {
        let msg = tokio::select! {
            m = rx.recv() => match m { Some(m) => m, None => break },
            _ = ping.tick() => Message::Ping(Default::default()),
        };
        let len = if let Message::Text(t) = &msg { t.len() } else { 0 };
        let closing = matches!(msg, Message::Close(_));
        match tokio::time::timeout(write_timeout, sink.send(msg)).await {
            Ok(Ok(())) => {
                queued.fetch_sub(len, Ordering::Relaxed);
                ping.reset();
            }
            _ => {
                // The client does not take what it is sent: drop it, and with it its buffers.
                let _ = gone.send(true);
                return;
            }
        }
        if closing {
            break;
        }
    }
}

/// Sends `{"type": "error"}` and closes: the run never started.
async fn refuse(out: Outbox, status: u16, error: &str) {
    let _ = out.send(json!({ "type": "error", "status": status, "error": error }));
    out.close().await;
}

/// Refused by the fair queue: 429 or 503, with when to try again.
async fn refuse_turn(out: Outbox, refusal: Refusal) {
    let (status, words) = refusal_words(refusal);
    metrics::record_rejection(status);
    let _ = out.send(json!({
        "type": "error",
        "status": status.as_u16(),
        "error": words,
        "retry_after": RETRY_AFTER_SECS,
    }));
    out.close().await;
}

fn parse(msg: &str) -> Result<ClientMsg, String> {
    serde_json::from_str(msg).map_err(|e| format!("the message is not a valid request: {e}"))
}

/// Queues `first` and whatever output is already waiting, merged per stream (fewer, whole
/// messages); stderr is held for [`STDERR_HOLD`] so stdout written just before it goes first.
/// A picture ends the batch: it goes after the text before it, as an `image` message.
/// Returns whether the program's output is over.
async fn forward(first: Event, events: &mut mpsc::UnboundedReceiver<Event>, out: &Outbox) -> Result<bool, Unsent> {
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut closed = false;
    let take = |ev: Event, stdout: &mut String, stderr: &mut String| match ev {
        Event::Stdout(d) => {
            stdout.push_str(&d);
            None
        }
        Event::Stderr(d) => {
            stderr.push_str(&d);
            None
        }
        Event::Picture(p) => Some(p),
    };
    let mut picture = take(first, &mut stdout, &mut stderr);
    let deadline = tokio::time::Instant::now() + STDERR_HOLD_MAX;
    while picture.is_none() {
        if stderr.is_empty() {
            match events.try_recv() {
                Ok(ev) => picture = take(ev, &mut stdout, &mut stderr),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        } else {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break;
            }
            match tokio::time::timeout(STDERR_HOLD.min(deadline - now), events.recv()).await {
                Ok(Some(ev)) => picture = take(ev, &mut stdout, &mut stderr),
                Ok(None) => {
                    closed = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if stdout.len() + stderr.len() > 64 * 1024 {
            break; // a flood: send what we have
        }
    }
    if !stdout.is_empty() {
        out.send(json!({ "type": "stdout", "data": stdout }))?;
    }
    if !stderr.is_empty() {
        out.send(json!({ "type": "stderr", "data": stderr }))?;
    }
    if let Some(p) = picture {
        // Counted against the outbox's bound like text: a client that does not read is dropped.
        out.send(image_message(&p))?;
    }
    Ok(closed)
}

/// A picture as the page gets it: `{"type": "image", "mime", "data" (base64), "width",
/// "height", "alt"}`, and the checked drawing for a turtle's.
fn image_message(p: &Picture) -> Value {
    let mut m = json!({
        "type": "image",
        "mime": p.mime(),
        "data": p.data_base64(),
        "width": p.width,
        "height": p.height,
        "alt": p.alt,
    });
    if let Some(d) = p.drawing() {
        m["drawing"] = json!(d);
    }
    m
}

/// Reads the first message, which must be the run request.
async fn read_request(stream: &mut SplitStream<WebSocket>) -> Option<Result<RunRequest, String>> {
    let first = match tokio::time::timeout(FIRST_MESSAGE_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => parse(t.as_str()),
        Ok(Some(Ok(_))) => Err("send the run request as a JSON text message".to_string()),
        Ok(None | Some(Err(_))) => return None,
        Err(_) => Err("no run request was sent in time".to_string()),
    };
    Some(match first {
        Ok(ClientMsg::Run(req)) => req.validate().map(|()| req).map_err(|e| e.0),
        Ok(_) => Err("the first message must be {\"type\": \"run\", ...}".to_string()),
        Err(e) => Err(e),
    })
}

async fn session(state: Ctx, client: Client, socket: WebSocket) {
    let (sink, mut stream) = socket.split();
    let out = Outbox::start(sink, &state);
    let req = match read_request(&mut stream).await {
        None => return out.close().await,
        Some(Err(e)) => return refuse(out, 400, &e).await,
        Some(Ok(req)) => req,
    };
    let told = |position| {
        let _ = out.send(json!({ "type": "queued", "position": position }));
    };
    let slot = match state.gate.acquire(client, told).await {
        Ok(slot) => slot,
        Err(refusal) => return refuse_turn(out, refusal).await,
    };
    // With a fixed stdin the run is like POST /api/run; without one, the learner types it.
    let interactive = req.stdin.is_none();
    let opts = StartOptions { admission: Admission::Immediate, stream: true, interactive, ..Default::default() };
    let started = Instant::now();
    let handle = match state.runner.start(req, opts) {
        Ok(h) => h,
        Err(SandboxError::Busy) => return refuse_turn(out, Refusal::ServerBusy).await,
        Err(SandboxError::Invalid(e)) => return refuse(out, 400, &e.0).await,
        Err(e) => {
            tracing::error!(error = %e, "a streamed run could not start");
            return refuse(out, 500, "internal error").await;
        }
    };
    let _in_flight = state.lifecycle.track();
    let _ = out.send(json!({ "type": "started", "interactive": interactive }));
    let Followed { result, gone, stopped_by_server } = follow(handle, slot, stream, &out, &state.lifecycle).await;
    metrics::record_run_result(RunEntry::Ws, result.as_ref().map(|r| r.outcome), started);
    if gone {
        return;
    }
    match result {
        Ok(r) => {
            let message = if stopped_by_server && r.outcome == Outcome::Stopped {
                RESTARTING_MESSAGE.to_string()
            } else {
                pyguide_judge::outcome_message(&r, &state.limits)
            };
            let mut exit = json!({
                "type": "exit",
                "outcome": r.outcome,
                "exit_code": r.exit_code,
                "duration_ms": r.duration_ms,
                "truncated": r.truncated,
                "message": message,
                "explanation": r.explanation,
            });
            if r.pictures_dropped > 0 {
                exit["images_dropped"] = json!(r.pictures_dropped);
            }
            let _ = out.send(exit);
            out.close().await;
        }
        Err(e) => {
            tracing::error!(error = %e, "a streamed run failed");
            refuse(out, 500, "internal error").await;
        }
    }
}

/// A run's hold on a run slot. While the program waits for input it gives the slot up
/// ([`Slot::park`]); the learner's next input takes one again ([`Parked::resume`]) before it
/// reaches the program.
enum Turn {
    Running(Slot),
    Parked(Parked),
    Resuming(Pin<Box<dyn Future<Output = Slot> + Send>>),
    /// Briefly, while changing between the others.
    Changing,
}

/// The learner's input while the run waits for a slot: held back until it has one.
#[derive(Default)]
struct HeldInput {
    data: Vec<Vec<u8>>,
    eof: bool,
}

/// Waits for the next change of whether the program wants input; never resolves for a run
/// that is not interactive (or once the run has ended).
async fn input_change(rx: &mut Option<watch::Receiver<bool>>) -> bool {
    if let Some(rx) = rx {
        if rx.changed().await.is_ok() {
            return *rx.borrow_and_update();
        }
    }
    std::future::pending().await
}

/// How a followed run ended.
struct Followed {
    result: Result<RunResult, SandboxError>,
    /// The client left (or could not keep up).
    gone: bool,
    /// The server's drain deadline passed while it ran.
    stopped_by_server: bool,
}

/// Follows a started run to its end: its output to the client, the client's input and Stop
/// to the run, and the server's drain deadline.
async fn follow(
    handle: RunHandle,
    slot: Slot,
    mut stream: SplitStream<WebSocket>,
    out: &Outbox,
    lifecycle: &Lifecycle,
) -> Followed {
    let RunHandle { mut events, stdin, stop, mut input_wanted, result } = handle;
    let mut stdin = stdin;
    let mut stop = stop;
    let mut stdin_sent = 0usize;
    let mut turn = Turn::Running(slot);
    let mut held = HeldInput::default();
    let mut gone_rx = out.gone.clone();
    let mut gone = false;
    let mut stopped_by_server = false;
    let stop_run = |stop: &mut Option<oneshot::Sender<()>>| {
        if let Some(s) = stop.take() {
            let _ = s.send(());
        }
    };
    loop {
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else { break };
                if gone { continue; }
                match forward(ev, &mut events, out).await {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(_) => {
                        // Gone, or reading so slowly that the bound is reached: the run ends.
                        gone = true;
                        stop_run(&mut stop);
                    }
                }
            }
            msg = stream.next(), if !gone => match msg {
                Some(Ok(Message::Text(t))) => match parse(t.as_str()) {
                    Ok(ClientMsg::Stdin { data }) => {
                        stdin_sent += data.len();
                        if stdin_sent > MAX_STDIN_BYTES {
                            // Enough typing for any exercise; the rest is not forwarded.
                            stdin = None;
                        }
                        held.data.push(data.into_bytes());
                    }
                    Ok(ClientMsg::Eof) => held.eof = true,
                    Ok(ClientMsg::Stop) => stop_run(&mut stop),
                    Ok(ClientMsg::Run(_)) | Err(_) => {}
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    // The learner left (closed the tab, lost the connection): end the run.
                    gone = true;
                    stop_run(&mut stop);
                }
                Some(Ok(_)) => {}
            },
            Ok(()) = gone_rx.changed(), if !gone => {
                gone = true;
                stop_run(&mut stop);
            }
            () = lifecycle.stopping(), if !stopped_by_server => {
                // The server's drain deadline passed: the run ends now, and the learner is told why.
                stopped_by_server = true;
                stop_run(&mut stop);
            }
            wants = input_change(&mut input_wanted) => {
                if let (true, Turn::Running(_)) = (wants, &turn) {
                    let Turn::Running(slot) = std::mem::replace(&mut turn, Turn::Changing) else { unreachable!() };
                    turn = match slot.park() {
                        Ok(parked) => Turn::Parked(parked),
                        Err(slot) => Turn::Running(slot),
                    };
                }
            }
            slot = async { match &mut turn { Turn::Resuming(f) => f.await, _ => std::future::pending().await } },
                if matches!(turn, Turn::Resuming(_)) => {
                turn = Turn::Running(slot);
            }
        }
        // Input goes to the program only while the run holds a slot; a parked run takes one
        // first.
        if !held.data.is_empty() || held.eof {
            turn = match std::mem::replace(&mut turn, Turn::Changing) {
                Turn::Parked(parked) => Turn::Resuming(Box::pin(parked.resume())),
                Turn::Running(slot) => {
                    for data in held.data.drain(..) {
                        if let Some(tx) = &stdin {
                            let _ = tx.send(data);
                        }
                    }
                    if std::mem::take(&mut held.eof) {
                        stdin = None;
                    }
                    Turn::Running(slot)
                }
                other => other,
            };
        }
    }
    drop(stdin);
    let result = result.await.unwrap_or_else(|_| Err(SandboxError::Internal("no result".into())));
    drop(stop);
    drop(turn);
    Followed { result, gone, stopped_by_server }
}

//! `GET /api/run/ws`: a run streamed over a WebSocket — output as it is printed, the learner's
//! typing fed to stdin, Stop — ending with one `exit` message. The protocol is in README.md.

use crate::error::AppError;
use crate::lifecycle::RESTARTING_MESSAGE;
use crate::metrics::{self, RunEntry};
use crate::Ctx;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use pyguide_sandbox::{
    Admission, Event, Outcome, RunRequest, SandboxError, StartOptions, BUSY_MESSAGE, MAX_STDIN_BYTES,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

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

pub(crate) async fn run_ws(State(state): State<Ctx>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if !super::origin::from_own_pages(&headers) {
        // Browsers send Origin with every WebSocket: another site's page may not run programs
        // through its visitors' browsers. (Clients without Origin, such as tests, are fine.)
        return AppError::Client(
            StatusCode::FORBIDDEN,
            "WebSocket connections are only accepted from PyGuide's own pages".into(),
        )
        .into_response();
    }
    ws.max_message_size(MAX_MESSAGE_BYTES).on_upgrade(move |socket| session(state, socket))
}

async fn send(socket: &mut WebSocket, v: Value) -> bool {
    socket.send(Message::Text(Utf8Bytes::from(v.to_string()))).await.is_ok()
}

/// Sends `{"type": "error"}` and closes: the run never started.
async fn refuse(mut socket: WebSocket, status: u16, error: &str) {
    let _ = send(&mut socket, json!({ "type": "error", "status": status, "error": error })).await;
    let _ = socket.send(Message::Close(Some(CloseFrame { code: 1000, reason: Utf8Bytes::from_static("") }))).await;
}

fn parse(msg: &str) -> Result<ClientMsg, String> {
    serde_json::from_str(msg).map_err(|e| format!("the message is not a valid request: {e}"))
}

/// Sends `first` and whatever output is already waiting, merged per stream (fewer, whole
/// messages); stderr is held for [`STDERR_HOLD`] so stdout written just before it goes first.
/// Returns (the socket is still there, the program's output is over).
async fn forward(
    first: Event,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    socket: &mut WebSocket,
) -> (bool, bool) {
    let mut out = String::new();
    let mut err = String::new();
    let mut closed = false;
    let take = |ev: Event, out: &mut String, err: &mut String| match ev {
        Event::Stdout(d) => out.push_str(&d),
        Event::Stderr(d) => err.push_str(&d),
    };
    take(first, &mut out, &mut err);
    let deadline = tokio::time::Instant::now() + STDERR_HOLD_MAX;
    loop {
        if err.is_empty() {
            match events.try_recv() {
                Ok(ev) => take(ev, &mut out, &mut err),
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break,
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
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
                Ok(Some(ev)) => take(ev, &mut out, &mut err),
                Ok(None) => {
                    closed = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if out.len() + err.len() > 64 * 1024 {
            break; // a flood: send what we have
        }
    }
    let mut ok = true;
    if !out.is_empty() {
        ok = send(socket, json!({ "type": "stdout", "data": out })).await;
    }
    if ok && !err.is_empty() {
        ok = send(socket, json!({ "type": "stderr", "data": err })).await;
    }
    (ok, closed)
}

async fn session(state: Ctx, mut socket: WebSocket) {
    let first = match tokio::time::timeout(FIRST_MESSAGE_TIMEOUT, socket.recv()).await {
        Ok(Some(Ok(Message::Text(t)))) => parse(t.as_str()),
        Ok(Some(Ok(_))) => Err("send the run request as a JSON text message".to_string()),
        Ok(None | Some(Err(_))) => return,
        Err(_) => Err("no run request was sent in time".to_string()),
    };
    let req = match first {
        Ok(ClientMsg::Run(req)) => req,
        Ok(_) => return refuse(socket, 400, "the first message must be {\"type\": \"run\", ...}").await,
        Err(e) => return refuse(socket, 400, &e).await,
    };
    // With a fixed stdin the run is like POST /api/run; without one, the learner types it.
    let interactive = req.stdin.is_none();
    let opts = StartOptions { admission: Admission::Immediate, stream: true, interactive, ..Default::default() };
    let started = Instant::now();
    let handle = match state.runner.start(req, opts) {
        Ok(h) => h,
        Err(SandboxError::Busy) => {
            metrics::record_rejection(StatusCode::SERVICE_UNAVAILABLE);
            return refuse(socket, 503, BUSY_MESSAGE).await;
        }
        Err(SandboxError::Invalid(e)) => return refuse(socket, 400, &e.0).await,
        Err(e) => {
            tracing::error!(error = %e, "a streamed run could not start");
            return refuse(socket, 500, "internal error").await;
        }
    };
    let _in_flight = state.lifecycle.track();
    let mut stopped_by_server = false;
    let mut gone = !send(&mut socket, json!({ "type": "started", "interactive": interactive })).await;
    let mut events = handle.events;
    let mut stdin = handle.stdin;
    let mut stop = handle.stop;
    let mut stdin_sent = 0usize;
    let stop_run = |stop: &mut Option<tokio::sync::oneshot::Sender<()>>| {
        if let Some(s) = stop.take() {
            let _ = s.send(());
        }
    };
    if gone {
        stop_run(&mut stop);
    }
    loop {
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else { break };
                if gone { continue; }
                let (ok, closed) = forward(ev, &mut events, &mut socket).await;
                if !ok {
                    gone = true;
                    stop_run(&mut stop);
                } else if closed {
                    break;
                }
            }
            msg = socket.recv(), if !gone => match msg {
                Some(Ok(Message::Text(t))) => match parse(t.as_str()) {
                    Ok(ClientMsg::Stdin { data }) => {
                        stdin_sent += data.len();
                        if stdin_sent > MAX_STDIN_BYTES {
                            // Enough typing for any exercise; the rest is not forwarded.
                            stdin = None;
                        }
                        if let Some(tx) = &stdin {
                            let _ = tx.send(data.into_bytes());
                        }
                    }
                    Ok(ClientMsg::Eof) => stdin = None,
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
            () = state.lifecycle.stopping(), if !stopped_by_server => {
                // The server's drain deadline passed: the run ends now, and the learner is told why.
                stopped_by_server = true;
                stop_run(&mut stop);
            }
        }
    }
    drop(stdin);
    let result = handle.result.await.unwrap_or_else(|_| Err(SandboxError::Internal("no result".into())));
    drop(stop);
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
            let _ = send(
                &mut socket,
                json!({
                    "type": "exit",
                    "outcome": r.outcome,
                    "exit_code": r.exit_code,
                    "duration_ms": r.duration_ms,
                    "truncated": r.truncated,
                    "message": message,
                }),
            )
            .await;
            let _ =
                socket.send(Message::Close(Some(CloseFrame { code: 1000, reason: Utf8Bytes::from_static("") }))).await;
        }
        Err(e) => {
            tracing::error!(error = %e, "a streamed run failed");
            refuse(socket, 500, "internal error").await;
        }
    }
}

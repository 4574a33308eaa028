//! One error type that becomes a response: users see plain words, internal errors are logged
//! and answered as a plain 500.

use crate::availability::Refusal;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pyguide_sandbox::{SandboxError, BUSY_MESSAGE};
use pyguide_store::QuotaWindow;
use serde_json::json;

#[derive(Debug)]
pub enum AppError {
    /// 4xx with a message for the user.
    Client(StatusCode, String),
    /// Every run slot is taken: 503 with Retry-After.
    Busy,
    /// The fair queue refused the request: 429 (the client's own share) or 503 (the whole
    /// server), with Retry-After.
    Refused(Refusal),
    /// The client made as many shares as it may in `window`: 429 with Retry-After.
    Quota { words: String, window: QuotaWindow },
    /// Something broke on our side: logged, answered as a plain 500.
    Internal(String),
}

impl AppError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        AppError::Client(StatusCode::BAD_REQUEST, msg.into())
    }
}

impl From<SandboxError> for AppError {
    fn from(e: SandboxError) -> Self {
        match e {
            SandboxError::Busy => AppError::Busy,
            SandboxError::Invalid(e) => AppError::bad_request(e.0),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Refused(r)
    }
}

/// Seconds a refused client is asked to wait before trying again.
pub(crate) const RETRY_AFTER_SECS: u64 = 2;

/// The status and the plain words of a refusal, as the API and the WebSocket both say them.
pub(crate) fn refusal_words(r: Refusal) -> (StatusCode, String) {
    match r {
        Refusal::ClientShare(n) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "You already have {n} programs running or waiting from your address; \
                 wait for one to finish, then try again"
            ),
        ),
        Refusal::ServerBusy => (StatusCode::SERVICE_UNAVAILABLE, BUSY_MESSAGE.to_string()),
    }
}

fn with_retry_after(mut r: Response) -> Response {
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    r
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Client(status, msg) => (status, Json(json!({ "error": msg }))).into_response(),
            AppError::Busy => {
                crate::metrics::record_rejection(StatusCode::SERVICE_UNAVAILABLE);
                with_retry_after(
                    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "error": BUSY_MESSAGE }))).into_response(),
                )
            }
            AppError::Refused(r) => {
                let (status, words) = refusal_words(r);
                crate::metrics::record_rejection(status);
                with_retry_after((status, Json(json!({ "error": words }))).into_response())
            }
            AppError::Quota { words, window } => {
                crate::metrics::record_rejection(StatusCode::TOO_MANY_REQUESTS);
                let mut r = (StatusCode::TOO_MANY_REQUESTS, Json(json!({ "error": words }))).into_response();
                let wait: u32 = match window {
                    QuotaWindow::Minute => 60,
                    QuotaWindow::Day => 3600,
                };
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
                r
            }
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": "internal error" }))).into_response()
            }
        }
    }
}

pub(crate) fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    AppError::Internal(format!("panic: {msg}")).into_response()
}

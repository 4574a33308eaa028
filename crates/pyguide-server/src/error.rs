//! One error type that becomes a response: users see plain words, internal errors are logged
//! and answered as a plain 500.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pyguide_sandbox::{SandboxError, BUSY_MESSAGE};
use serde_json::json;

#[derive(Debug)]
pub enum AppError {
    /// 4xx with a message for the user.
    Client(StatusCode, String),
    /// Every run slot is taken: 503 with Retry-After.
    Busy,
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Client(status, msg) => (status, Json(json!({ "error": msg }))).into_response(),
            AppError::Busy => {
                crate::metrics::record_rejection(StatusCode::SERVICE_UNAVAILABLE);
                let mut r = (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "error": BUSY_MESSAGE }))).into_response();
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
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

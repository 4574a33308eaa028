//! The JSON API: `POST /api/run`, `POST /api/exercise` and `POST /api/share`.

use crate::error::AppError;
use crate::metrics::{self, RunEntry};
use crate::Client;
use crate::Ctx;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use pyguide_sandbox::{Admission, RunRequest, StartOptions};
use pyguide_store::{Author, StoreError};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Instant;

/// Largest request body: code, stdin and files at their limits, JSON-escaped, fit well within.
const MAX_BODY_BYTES: usize = 4 << 20;

pub(crate) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/run", post(run).fallback(|| async { method_not_allowed("POST") }))
        .route("/share", post(share).fallback(|| async { method_not_allowed("POST") }))
        .route("/inspect", post(super::inspect::inspect).fallback(|| async { method_not_allowed("POST") }))
        .route("/exercise", post(exercise).fallback(|| async { method_not_allowed("POST") }))
        .fallback(|| async { AppError::Client(StatusCode::NOT_FOUND, "no such API endpoint".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn method_not_allowed(allowed: &'static str) -> Response {
    let mut r =
        AppError::Client(StatusCode::METHOD_NOT_ALLOWED, format!("use {allowed} for this endpoint")).into_response();
    r.headers_mut().insert(axum::http::header::ALLOW, axum::http::HeaderValue::from_static(allowed));
    r
}

/// Reads a JSON body, turning every way it can be wrong into a 4xx in plain words.
pub(crate) fn parse_json<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, AppError> {
    let bytes = body.map_err(|e| {
        let status = e.status();
        let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the request body is larger than {} MiB", MAX_BODY_BYTES >> 20)
        } else {
            format!("could not read the request body: {e}")
        };
        AppError::Client(status, msg)
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let what = if e.is_syntax() || e.is_eof() {
            "the request body is not valid JSON"
        } else {
            "the request JSON has the wrong shape"
        };
        AppError::bad_request(format!("{what}: {e}"))
    })
}

async fn run(
    State(state): State<Ctx>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let req: RunRequest = parse_json(body)?;
    // A malformed request is told so at once, not after its turn in the queue.
    req.validate().map_err(|e| AppError::bad_request(e.0))?;
    let _slot = state.gate.acquire(client, |_| {}).await?;
    let handle = state.runner.start(req, StartOptions { admission: Admission::Immediate, ..Default::default() });
    let handle = handle.inspect_err(|e| metrics::record_run_result(RunEntry::Run, Err(e), Instant::now()))?;
    let result = state.lifecycle.finish(RunEntry::Run, handle).await?;
    Ok(Json(result).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareBody {
    code: String,
    #[serde(default)]
    files: Option<BTreeMap<String, String>>,
}

/// Stores a program and answers 201 `{"id": "...", "url": "/s/..."}`.
async fn share(
    State(state): State<Ctx>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let body: ShareBody = parse_json(body)?;
    let Some(store) = &state.store else {
        return Err(AppError::Client(StatusCode::SERVICE_UNAVAILABLE, "sharing is turned off on this server".into()));
    };
    let req = RunRequest { code: body.code, stdin: None, files: body.files.unwrap_or_default() };
    // The same checks as a run (sizes, NUL bytes, plain file names): a share must be runnable.
    req.validate().map_err(|e| AppError::bad_request(e.0))?;
    let author = Author {
        client: store.client_hash(&client.to_string()),
        per_minute: state.availability.shares_per_minute,
        per_day: state.availability.shares_per_day,
    };
    let id = store.create_share_by(&req.code, &req.files, &author).await.map_err(|e| match e {
        StoreError::Invalid(msg) => AppError::bad_request(msg),
        e @ StoreError::Quota { window, .. } => AppError::Quota { words: e.to_string(), window },
        other => AppError::Internal(other.to_string()),
    })?;
    metrics::record_share();
    let url = format!("/s/{id}");
    Ok((StatusCode::CREATED, [(axum::http::header::LOCATION, url.clone())], Json(json!({ "id": id, "url": url })))
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseBody {
    exercise: String,
    code: String,
}

/// Checks a learner's answer: 200 with the verdict (passed or not), 404 for an unknown exercise.
async fn exercise(
    State(state): State<Ctx>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let body: ExerciseBody = parse_json(body)?;
    let Some(exercise) = state.site.exercise(&body.exercise) else {
        return Err(AppError::Client(
            StatusCode::NOT_FOUND,
            format!("there is no exercise {:?}; ids look like \"lists/ex-count-vowels\"", body.exercise),
        ));
    };
    let _slot = state.gate.acquire(client, |_| {}).await?;
    let _in_flight = state.lifecycle.track();
    let started = Instant::now();
    let verdict = pyguide_judge::exercise::check_exercise(
        state.runner.as_ref(),
        exercise,
        body.code,
        Admission::Immediate,
        &state.limits,
    )
    .await;
    metrics::record_run_result(RunEntry::Exercise, verdict.as_ref().map(|v| v.run.outcome), started);
    let verdict = verdict?;
    Ok(Json(verdict).into_response())
}

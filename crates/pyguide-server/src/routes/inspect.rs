//! `POST /api/inspect`: the "Under the hood" document of a program — its tokens, AST, bytecode
//! and a step-by-step trace — computed by `python/inspector.py` inside the runner.
//!
//! The inspector's JSON is passed through as it was written (checked, never re-serialised: its
//! key order, with `trace` last, is part of the schema in `python/INSPECTOR.md`). When the
//! inspector itself could not finish (a time or memory limit hit inside one step, a crash), the
//! answer is still a 200: a small object whose `error` says so in plain words, with the run's
//! `outcome`. Only a bad request (4xx) or a full server (503) is anything but 200.

use super::api::parse_json;
use crate::error::AppError;
use crate::metrics::{self, RunEntry};
use crate::Client;
use crate::Ctx;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pyguide_judge::outcome_message;
use pyguide_sandbox::{Admission, Entry, Limits, Outcome, RunRequest, RunResult, SandboxError};
use serde_json::{json, Value};

pub(crate) async fn inspect(
    State(state): State<Ctx>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    // The request is as for `POST /api/run` (files beside `main.py` let an example import its
    // helpers).
    let req: RunRequest = parse_json(body)?;
    // Validation (sizes, NUL bytes, file names) and admission are the runner's, as for a run.
    req.validate().map_err(|e| AppError::bad_request(e.0))?;
    let _slot = state.gate.acquire(client, |_| {}).await?;
    let _in_flight = state.lifecycle.track();
    let started = std::time::Instant::now();
    let result = state.runner.inspect(req, Admission::Immediate).await;
    metrics::record_run_result(RunEntry::Inspect, result.as_ref().map(|r| r.outcome), started);
    let result = match result {
        Ok(result) => result,
        Err(e @ (SandboxError::Busy | SandboxError::Invalid(_))) => return Err(e.into()),
        // The runner itself failed (already logged): still a document-less 200, in words.
        Err(_) => return Ok(Json(runner_failed()).into_response()),
    };
    Ok(match document(&result, &Entry::Inspect.limits(&state.limits)) {
        Ok(doc) => {
            let mut r = doc.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Err(failure) => Json(failure).into_response(),
    })
}

/// The answer when the runner could not run the inspector at all.
fn runner_failed() -> Value {
    json!({
        "error": "Under the hood is not available for this run. The inspector could not run (an error on our side). \
                  Please try again.",
        "outcome": Outcome::Error,
        "exit_code": null,
        "duration_ms": 0.0,
    })
}

/// The inspector's document from a finished inspect run, or the object that explains why there
/// is none (`{"error": "plain words", "outcome", "exit_code", "duration_ms"}`).
fn document(result: &RunResult, limits: &Limits) -> Result<String, Value> {
    let text = result.stdout.trim_end();
    if !result.truncated && text.starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        return Ok(result.stdout.clone());
    }
    let why = match result.outcome {
        Outcome::Timeout | Outcome::MemoryLimit | Outcome::OutputLimit | Outcome::Stopped => {
            outcome_message(result, limits)
        }
        Outcome::Success | Outcome::Error => {
            tracing::error!(
                outcome = ?result.outcome,
                exit_code = ?result.exit_code,
                stdout_bytes = result.stdout.len(),
                stderr = %result.stderr.chars().take(2000).collect::<String>(),
                "the inspector did not write its document"
            );
            // os._exit(), or a crash of the interpreter (ctypes), leaves no document.
            "The program ended the interpreter before the inspector could write its report \
             (os._exit() or a crash, for example). Run it to see what happens."
                .to_string()
        }
    };
    Err(json!({
        "error": format!("Under the hood is not available for this run. {why}"),
        "outcome": result.outcome,
        "exit_code": result.exit_code,
        "duration_ms": result.duration_ms,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(outcome: Outcome, exit_code: Option<i32>, stdout: &str, truncated: bool) -> RunResult {
        RunResult {
            outcome,
            exit_code,
            stdout: stdout.into(),
            stderr: String::new(),
            duration_ms: 3.0,
            truncated,
            explanation: None,
            time_limit: None,
            cpu_ms: None,
            pictures: Vec::new(),
            pictures_dropped: 0,
        }
    }

    #[test]
    fn a_document_passes_through_unchanged() {
        let doc = "{\"schema_version\": 1, \"z\": 1, \"a\": 2}\n";
        assert_eq!(document(&result(Outcome::Success, Some(0), doc, false), &Limits::default()).unwrap(), doc);
    }

    #[test]
    fn no_document_is_explained() {
        let l = Limits::default();
        let e = document(&result(Outcome::Timeout, None, "", false), &l).unwrap_err();
        assert_eq!(e["outcome"], "timeout");
        assert!(e["error"].as_str().unwrap().contains("time limit"), "{e}");
        let e = document(&result(Outcome::OutputLimit, None, "{\"a\": [1,", true), &l).unwrap_err();
        assert_eq!(e["outcome"], "output_limit");
        let e = document(&result(Outcome::Error, None, "", false), &l).unwrap_err();
        assert!(e["error"].as_str().unwrap().contains("before the inspector could write"), "{e}");
        assert!(runner_failed()["error"].as_str().unwrap().contains("our side"));
        let e = document(&result(Outcome::Success, Some(0), "[1, 2]", false), &l).unwrap_err();
        assert!(e["error"].as_str().unwrap().contains("before the inspector could write"), "{e}");
    }
}

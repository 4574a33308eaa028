//! For the operator and the orchestrator: `/healthz` (the process answers), `/readyz` (send it
//! traffic) and `/metrics` (Prometheus).

use crate::lifecycle::Phase;
use crate::{metrics, Ctx};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use pyguide_sandbox::Runner;
use std::sync::Arc;
use std::time::Duration;

/// How long `/readyz` waits for the database before calling it unready.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// 200 when warm units exist and the store answers; 503 in words while starting, while
/// draining, or when either is missing.
pub(crate) async fn readyz(State(state): State<Ctx>) -> Response {
    match not_ready(&state).await {
        None => (StatusCode::OK, "ready").into_response(),
        Some(why) => (StatusCode::SERVICE_UNAVAILABLE, why).into_response(),
    }
}

async fn not_ready(state: &Ctx) -> Option<String> {
    match state.lifecycle.phase() {
        Phase::Starting => return Some("starting".into()),
        Phase::Draining | Phase::StoppingRuns => return Some("stopping: the server is draining".into()),
        Phase::Serving => {}
    }
    if state.runner.ready_units() == Some(0) {
        return Some("no sandbox unit is ready yet".into());
    }
    if let Some(store) = &state.store {
        match tokio::time::timeout(STORE_TIMEOUT, store.ping()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Some(format!("the database does not answer: {e}")),
            Err(_) => return Some(format!("the database did not answer within {} s", STORE_TIMEOUT.as_secs())),
        }
    }
    None
}

pub(crate) async fn metrics(State(state): State<Ctx>) -> Response {
    render(state.runner.as_ref())
}

/// The Prometheus text, with the gauges read at scrape time brought up to date.
pub(crate) fn render(runner: &dyn Runner) -> Response {
    if let Some(n) = runner.ready_units() {
        metrics::set_units_ready(n);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], metrics::handle().render()).into_response()
}

/// `/metrics` alone, for `metrics_addr`.
pub(crate) fn metrics_only(runner: Arc<dyn Runner>) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let runner = runner.clone();
            async move { render(runner.as_ref()) }
        }),
    )
}

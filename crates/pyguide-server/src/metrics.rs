//! Every metric the server exports, by name, and the only functions that record them.
//!
//! The `metrics` facade records; `metrics-exporter-prometheus` renders `GET /metrics` in the
//! Prometheus text format. Histograms get explicit buckets (without them the exporter renders
//! summaries, which cannot be summed across replicas).

use axum::http::StatusCode;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use pyguide_sandbox::{Outcome, SandboxError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const RUNS_TOTAL: &str = "pyguide_runs_total";
pub const RUN_DURATION: &str = "pyguide_run_duration_seconds";
pub const QUEUE_WAIT: &str = "pyguide_queue_wait_seconds";
pub const RUN_SLOTS_BUSY: &str = "pyguide_run_slots_busy";
pub const UNITS_READY: &str = "pyguide_units_ready";
pub const WAITING_FOR_INPUT: &str = "pyguide_waiting_for_input";
pub const REJECTIONS_TOTAL: &str = "pyguide_rejections_total";
pub const HTTP_REQUESTS_TOTAL: &str = "pyguide_http_requests_total";
pub const SHARES_TOTAL: &str = "pyguide_shares_total";

/// Run durations: from a warm hello world (a few ms) to the wall limit and an interactive run's
/// wait for input (minutes).
const RUN_BUCKETS: [f64; 14] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];
/// Waits for a run slot: bounded by `availability.queue_wait` (seconds at most).
const QUEUE_BUCKETS: [f64; 11] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// What started a run: the `entry` label of [`RUNS_TOTAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEntry {
    /// `POST /api/run`.
    Run,
    /// The streaming WebSocket.
    Ws,
    /// `POST /api/exercise`.
    Exercise,
    /// `POST /api/inspect`.
    Inspect,
}

impl RunEntry {
    pub fn as_str(self) -> &'static str {
        match self {
            RunEntry::Run => "run",
            RunEntry::Ws => "ws",
            RunEntry::Exercise => "exercise",
            RunEntry::Inspect => "inspect",
        }
    }
}

/// The exporter's handle, installing the recorder on first use: one per process, however many
/// routers are built (tests build many).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(RUN_DURATION.into()), &RUN_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(QUEUE_WAIT.into()), &QUEUE_BUCKETS))
                .expect("the bucket lists are not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may be installed already (an embedding program's): ours still
            // renders what the handlers record through it when it is the global one.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics shows only its own");
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    describe_counter!(RUNS_TOTAL, "Runs that ended, by entry (run, ws, exercise, inspect) and outcome.");
    describe_histogram!(RUN_DURATION, Unit::Seconds, "How long runs took, input waits included.");
    describe_histogram!(QUEUE_WAIT, Unit::Seconds, "How long requests waited for a run slot.");
    describe_gauge!(RUN_SLOTS_BUSY, "Run slots in use.");
    describe_gauge!(UNITS_READY, "Pre-warmed sandbox units ready to take a run.");
    describe_gauge!(WAITING_FOR_INPUT, "Interactive runs blocked waiting for the learner's input.");
    describe_counter!(REJECTIONS_TOTAL, "Requests refused for lack of capacity, by status (429, 503).");
    describe_counter!(HTTP_REQUESTS_TOTAL, "HTTP requests answered, by route template and status.");
    describe_counter!(SHARES_TOTAL, "Programs shared.");
    // Gauges and counters that may stay at zero for a while are shown from the start.
    gauge!(RUN_SLOTS_BUSY).set(0.0);
    gauge!(WAITING_FOR_INPUT).set(0.0);
    counter!(SHARES_TOTAL).absolute(0);
}

/// A run ended with `outcome` (`success`, `error`, `timeout`, `stopped`, ... or `failed` when the
/// sandbox could not run it) after `duration`.
pub fn record_run(entry: RunEntry, outcome: &str, duration: Duration) {
    counter!(RUNS_TOTAL, "entry" => entry.as_str(), "outcome" => outcome.to_string()).increment(1);
    histogram!(RUN_DURATION).record(duration.as_secs_f64());
}

/// A request was refused for lack of capacity (429 or 503).
pub fn record_rejection(status: StatusCode) {
    counter!(REJECTIONS_TOTAL, "status" => status.as_str().to_string()).increment(1);
}

/// A request waited `wait` for a run slot (whether it got one or not).
pub fn observe_queue_wait(wait: Duration) {
    histogram!(QUEUE_WAIT).record(wait.as_secs_f64());
}

pub fn set_run_slots_busy(n: usize) {
    gauge!(RUN_SLOTS_BUSY).set(n as f64);
}

pub fn set_waiting_for_input(n: usize) {
    gauge!(WAITING_FOR_INPUT).set(n as f64);
}

pub fn set_units_ready(n: usize) {
    gauge!(UNITS_READY).set(n as f64);
}

pub fn record_share() {
    counter!(SHARES_TOTAL).increment(1);
}

/// One answered HTTP request; `route` is the route's template (`/tutorials/{slug}`), never the
/// raw path, so that the number of series stays bounded.
pub fn record_http(route: &str, status: StatusCode) {
    counter!(HTTP_REQUESTS_TOTAL, "route" => route.to_string(), "status" => status.as_str().to_string()).increment(1);
}

/// The `outcome` label of a run that ended (as `POST /api/run` spells it).
pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "success",
        Outcome::Error => "error",
        Outcome::Timeout => "timeout",
        Outcome::MemoryLimit => "memory_limit",
        Outcome::OutputLimit => "output_limit",
        Outcome::Stopped => "stopped",
    }
}

/// The `outcome` label of a run the sandbox could not carry out.
pub const FAILED: &str = "failed";

/// Records how a run started at `started` ended: a run with its outcome, and an error of the
/// sandbox as `failed`. A refusal for lack of capacity is not a run (its 503 records the
/// rejection) and neither is an invalid request.
pub fn record_run_result(entry: RunEntry, result: Result<Outcome, &SandboxError>, started: Instant) {
    match result {
        Ok(outcome) => record_run(entry, outcome_label(outcome), started.elapsed()),
        Err(SandboxError::Busy | SandboxError::Invalid(_)) => {}
        Err(_) => record_run(entry, FAILED, started.elapsed()),
    }
}

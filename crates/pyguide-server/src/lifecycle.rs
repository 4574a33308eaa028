//! The server's life: starting, serving, draining (stopping), and the runs in flight that a
//! drain waits for or stops.
//!
//! `pyguide serve` owns the [`Lifecycle`] and moves it along; handlers track their runs with it
//! ([`Lifecycle::track`]) and stop them when it says so ([`Lifecycle::stopping`]). `/readyz`
//! answers from it.

use crate::metrics::{self, RunEntry};
use pyguide_sandbox::{Outcome, RunHandle, RunResult, SandboxError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// What a run stopped by the server's drain deadline tells the learner.
pub const RESTARTING_MESSAGE: &str = "Stopped: the server is restarting. Run your program again in a moment.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Not ready yet: `/readyz` is 503.
    Starting,
    Serving,
    /// Stopping: no new connections, `/readyz` is 503, runs in flight go on.
    Draining,
    /// The drain deadline passed: runs still going are stopped.
    StoppingRuns,
}

/// Shared by the server and its handlers; cloning it shares it.
#[derive(Clone)]
pub struct Lifecycle {
    phase: watch::Sender<Phase>,
    runs: Arc<AtomicUsize>,
    /// Signalled when the last run in flight ends.
    idle: watch::Sender<usize>,
}

impl Default for Lifecycle {
    /// Serving: a router built without a lifecycle (tests) is ready at once.
    fn default() -> Self {
        Lifecycle::new(Phase::Serving)
    }
}

impl std::fmt::Debug for Lifecycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lifecycle").field("phase", &self.phase()).field("runs", &self.runs_in_flight()).finish()
    }
}

impl Lifecycle {
    pub fn new(phase: Phase) -> Self {
        Lifecycle { phase: watch::Sender::new(phase), runs: Arc::new(AtomicUsize::new(0)), idle: watch::Sender::new(0) }
    }

    pub fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// Moves on to `phase` (never back).
    pub fn enter(&self, phase: Phase) {
        self.phase.send_if_modified(|p| {
            let later = phase > *p;
            if later {
                *p = phase;
            }
            later
        });
    }

    pub fn runs_in_flight(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }

    /// Resolves when no run is in flight.
    pub async fn runs_finished(&self) {
        let mut rx = self.idle.subscribe();
        let runs = self.runs.clone();
        let _ = rx.wait_for(|_| runs.load(Ordering::SeqCst) == 0).await;
    }

    /// Resolves once runs in flight are to be stopped (the drain deadline passed).
    pub async fn stopping(&self) {
        let mut rx = self.phase.subscribe();
        let _ = rx.wait_for(|p| *p >= Phase::StoppingRuns).await;
    }

    /// Counts a run as in flight until the guard is dropped.
    pub fn track(&self) -> RunGuard {
        self.runs.fetch_add(1, Ordering::SeqCst);
        RunGuard { lifecycle: self.clone() }
    }
}

impl Lifecycle {
    /// Waits for the result of a run that is not streamed (`POST /api/run`), counting it in
    /// flight, and records it. When the server stops runs, the run is stopped and its stderr
    /// ends with [`RESTARTING_MESSAGE`].
    pub(crate) async fn finish(&self, entry: RunEntry, handle: RunHandle) -> Result<RunResult, SandboxError> {
        let _in_flight = self.track();
        let started = std::time::Instant::now();
        let RunHandle { mut result, mut stop, .. } = handle;
        let mut stopped_by_server = false;
        let ended = tokio::select! {
            r = &mut result => r,
            () = self.stopping() => {
                stopped_by_server = true;
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                result.await
            }
        };
        drop(stop);
        let mut run = ended.unwrap_or_else(|_| Err(SandboxError::Internal("the run ended without a result".into())));
        if let Ok(r) = &mut run {
            if stopped_by_server && r.outcome == Outcome::Stopped {
                if !r.stderr.is_empty() && !r.stderr.ends_with('\n') {
                    r.stderr.push('\n');
                }
                r.stderr.push_str(RESTARTING_MESSAGE);
                r.stderr.push('\n');
            }
        }
        metrics::record_run_result(entry, run.as_ref().map(|r| r.outcome), started);
        run
    }
}

/// A run in flight (see [`Lifecycle::track`]).
pub struct RunGuard {
    lifecycle: Lifecycle,
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        let n = self.lifecycle.runs.fetch_sub(1, Ordering::SeqCst) - 1;
        self.lifecycle.idle.send_replace(n);
    }
}

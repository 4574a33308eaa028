//! One run as one value: the request, what it executes, which interpreter it goes to, its
//! channels (output events, stdin, stop) and where its result goes. [`launch`] admits it and
//! hands it to a [`Backend`]; the backend's supervision consumes it.

use crate::{Admission, Entry, Event, RunHandle, RunRequest, RunResult, SandboxError, StartOptions};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch, OwnedSemaphorePermit, Semaphore};

/// Which pre-warmed interpreter a run goes to. Each kind is a zygote of its own with its own
/// units; a new kind (another CPython version, an interpreter with packages imported) is a new
/// variant here and a zygote started for it, nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Interpreter {
    /// CPython with a fresh interpreter's `sys.modules`.
    #[default]
    Standard,
    /// CPython with the curated packages (numpy, pandas, matplotlib, pytest) imported already.
    Packages,
}

/// Where a program's stdin comes from.
pub(crate) enum StdinSource {
    None,
    Fixed(String),
    Interactive(mpsc::UnboundedReceiver<Vec<u8>>),
}

/// The channels between a run and whoever started it.
pub(crate) struct Channels {
    /// Output as it is printed, when streaming.
    pub events: Option<mpsc::UnboundedSender<Event>>,
    pub stdin: StdinSource,
    /// Fires when the learner presses Stop.
    pub stop: oneshot::Receiver<()>,
    /// For an interactive run: told whether the program is blocked reading its input.
    pub input_wanted: Option<watch::Sender<bool>>,
}

/// One admitted run.
pub(crate) struct Run {
    pub request: RunRequest,
    pub entry: Entry,
    pub interpreter: Interpreter,
    pub channels: Channels,
    pub reply: Reply,
}

/// Where a run's result goes. The backend sends it as soon as it is known and cleans up
/// afterwards, so cleanup is off the learner's wait; sending frees the run's slot.
pub(crate) struct Reply {
    tx: oneshot::Sender<Result<RunResult, SandboxError>>,
    _permit: OwnedSemaphorePermit,
}

impl Reply {
    pub(crate) fn send(self, result: Result<RunResult, SandboxError>) {
        if let Err(e) = &result {
            tracing::error!(error = %e, "a run failed");
        }
        let _ = self.tx.send(result);
    }
}

/// What runs programs: the plain process runner or the Linux sandbox.
pub(crate) trait Backend: Send + Sync + 'static {
    /// Runs `run` to its end and sends its result to `run.reply`.
    fn execute(self: Arc<Self>, run: Run) -> impl Future<Output = ()> + Send;
}

/// Validates and admits a run, makes its channels, and hands it to `backend` on a task of its
/// own.
pub(crate) fn launch<B: Backend>(
    slots: &Arc<Semaphore>,
    backend: Arc<B>,
    request: RunRequest,
    entry: Entry,
    opts: StartOptions,
) -> Result<RunHandle, SandboxError> {
    request.validate()?;
    let permit = match opts.admission {
        Admission::Immediate => Some(slots.clone().try_acquire_owned().map_err(|_| SandboxError::Busy)?),
        Admission::Wait => None,
    };
    let (events_tx, events) = mpsc::unbounded_channel();
    let (stdin_tx, stdin) = if opts.interactive {
        let (tx, rx) = mpsc::unbounded_channel();
        (Some(tx), StdinSource::Interactive(rx))
    } else {
        (None, request.stdin.clone().map_or(StdinSource::None, StdinSource::Fixed))
    };
    let (stop_tx, stop) = oneshot::channel();
    let (input_wanted_tx, input_wanted) = match opts.interactive {
        true => {
            let (tx, rx) = watch::channel(false);
            (Some(tx), Some(rx))
        }
        false => (None, None),
    };
    let (result_tx, result) = oneshot::channel();
    let slots = slots.clone();
    tokio::spawn(async move {
        let permit = match permit {
            Some(p) => p,
            None => match slots.acquire_owned().await {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let channels =
            Channels { events: opts.stream.then_some(events_tx), stdin, stop, input_wanted: input_wanted_tx };
        let run = Run {
            request,
            entry,
            interpreter: opts.interpreter,
            channels,
            reply: Reply { tx: result_tx, _permit: permit },
        };
        backend.execute(run).await;
    });
    Ok(RunHandle { events, stdin: stdin_tx, stop: Some(stop_tx), input_wanted, result })
}

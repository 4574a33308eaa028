//! Running learners' Python: one [`Runner`] interface, its limits, outcomes and errors.
//!
//! This is the only PyGuide crate that spawns processes. The server, the CLI (`pyguide run`)
//! and the checker (`pyguide check`) all go through [`Runner::start`], so an example checked by
//! `pyguide check` runs exactly as it runs on the site.
//!
//! Read it in this order: [`RunRequest`] (what to run) and [`Limits`]; [`Runner`] and
//! [`RunHandle`] (starting a run, following it, its [`RunResult`]); `run.rs` (one run as one
//! value, handed to a backend); `supervise.rs` (output, pictures, stdin, the wall clock, Stop),
//! with `picture.rs` and `drawing.rs` (checking the pictures a program shows); then a backend:
//! `process.rs` (plain child processes) or `linux/` (the sandbox, whose module doc draws its
//! process tree).

// Functions a newcomer can read in one screen, taking few arguments: thresholds in clippy.toml.
#![warn(clippy::too_many_lines, clippy::too_many_arguments)]

pub mod drawing;
mod error;
pub mod exercise;
mod explanation;
mod learner;
mod limits;
#[cfg(target_os = "linux")]
pub mod linux;
pub mod packages;
mod picture;
mod process;
mod python;
mod request;
mod run;
mod supervise;
mod utf8;

pub use error::{SandboxError, BUSY_MESSAGE};
pub use explanation::{Explanation, Links, EXPLAIN_PY, MAX_EXPLANATION_BYTES};
pub use learner::LEARNER_ENV;
pub use limits::Limits;
pub use picture::{Image, Picture, PictureError, PictureFormat, MAX_PICTURES, PICTURES_PY};
pub use process::{ProcessRunner, RunnerConfig};
pub use python::{discover_python, PythonInfo};
pub use request::{RequestError, RunRequest, MAX_CODE_BYTES, MAX_FILES, MAX_FILE_BYTES, MAX_STDIN_BYTES};
pub use run::Interpreter;

use serde::Serialize;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};

/// How a run ended (the `outcome` field of `POST /api/run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Exit status 0.
    Success,
    /// Any other exit: an uncaught exception (exit 1), `sys.exit(n)`, or a crash by a signal.
    Error,
    /// The wall-clock or CPU limit was reached.
    Timeout,
    /// The memory limit was reached.
    MemoryLimit,
    /// The program printed more than the output limit.
    OutputLimit,
    /// Stopped on request (the learner pressed Stop).
    Stopped,
}

/// Which limit stopped a run that timed out: its running time (the wall clock, less the time
/// spent waiting for input) or the CPU time of all its processes together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimit {
    Wall,
    Cpu,
}

/// The result of one run, as `POST /api/run` answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunResult {
    pub outcome: Outcome,
    /// The exit status, or `None` when the program was ended by a signal.
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Running time: the wall clock, less the time an interactive program waited for input.
    pub duration_ms: f64,
    /// Output was cut at the output limit.
    pub truncated: bool,
    /// What the exception that ended the program means (null when it did not end with one, or
    /// when the runner could not explain it).
    pub explanation: Option<Explanation>,
    /// For a timeout, which limit was reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<TimeLimit>,
    /// CPU time of all the run's processes, where the sandbox counts it (a cgroup).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<f64>,
    /// The pictures the program showed, in order (at most [`MAX_PICTURES`]); each says after
    /// how much of stdout and stderr it comes.
    #[serde(rename = "images")]
    pub pictures: Vec<Picture>,
    /// Pictures past [`MAX_PICTURES`], not shown (only when there were some).
    #[serde(rename = "images_dropped", skip_serializing_if = "is_zero")]
    pub pictures_dropped: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl RunResult {
    /// What the program printed as a page shows it: stdout, then stderr.
    pub fn printed(&self) -> String {
        let mut s = self.stdout.clone();
        if !self.stderr.is_empty() {
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            s.push_str(&self.stderr);
        }
        s
    }
}

/// Output as the program prints it (only sent when [`StartOptions::stream`] is set).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Stdout(String),
    Stderr(String),
    /// A picture, after the text printed before it.
    Picture(Box<Picture>),
}

/// What to do when every run slot is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Admission {
    /// Refuse at once with [`SandboxError::Busy`] (the site: overload is a 503, never a queue).
    #[default]
    Immediate,
    /// Wait for a slot (the checker, which bounds its own parallelism).
    Wait,
}

/// How a run is started.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub admission: Admission,
    /// Send [`Event`]s as the program prints.
    pub stream: bool,
    /// Keep the program's stdin open and feed it from [`RunHandle::stdin`] (ignores
    /// `RunRequest::stdin`). Dropping the sender closes stdin.
    pub interactive: bool,
    /// The pre-warmed interpreter the run goes to.
    pub interpreter: Interpreter,
}

/// A run in progress.
pub struct RunHandle {
    /// Output as it is printed, when streaming; closed when the program ends.
    pub events: mpsc::UnboundedReceiver<Event>,
    /// Bytes for the program's stdin, when interactive.
    pub stdin: Option<mpsc::UnboundedSender<Vec<u8>>>,
    /// Stops the run (outcome [`Outcome::Stopped`]).
    pub stop: Option<oneshot::Sender<()>>,
    /// For an interactive run: whether the program is blocked reading its input now (looked
    /// at a few times a second), so that the server can give its run slot to others meanwhile.
    pub input_wanted: Option<watch::Receiver<bool>>,
    pub result: oneshot::Receiver<Result<RunResult, SandboxError>>,
}

impl RunHandle {
    /// Waits for the end of the run.
    pub async fn finish(self) -> Result<RunResult, SandboxError> {
        let RunHandle { result, stop, .. } = self;
        // Keep `stop` alive until the end: dropping it must not stop the run.
        let r = result.await.unwrap_or_else(|_| Err(SandboxError::Internal("the run ended without a result".into())));
        drop(stop);
        r
    }
}

/// What a run executes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Entry {
    /// The learner's `main.py`, as `python main.py` runs it.
    #[default]
    Program,
    /// The "Under the hood" inspector (`python/inspector.py`) tracing `main.py`; its stdout is
    /// one JSON document.
    Inspect,
    /// The exercise checker (`python/exercise.py`): runs `main.py`, then the checks in this
    /// JSON document (see [`crate::exercise`]), and reports on stderr behind a nonce.
    Exercise(Arc<str>),
}

/// The inspector program, shipped inside the binary.
pub const INSPECTOR_PY: &str = include_str!("../../../python/inspector.py");

/// The exercise checker, shipped inside the binary.
pub const EXERCISE_PY: &str = include_str!("../../../python/exercise.py");

/// PyGuide's own modules by file name, which every run finds ahead of the standard library (its
/// own folder still comes first, as in `python main.py`): `turtle` stands in for the standard
/// one, which needs a window (see `python/turtle.py`).
pub const RUN_MODULES: [(&str, &str); 1] = [("turtle.py", include_str!("../../../python/turtle.py"))];

/// PyGuide's tools by file name: the sandbox's interpreter compiles them once, before any unit
/// is forked, so that a run of one does not compile it again (the inspector is large).
#[cfg(target_os = "linux")]
pub(crate) const TOOLS: [(&str, &str); 2] = [("inspector.py", INSPECTOR_PY), ("exercise.py", EXERCISE_PY)];

/// A PyGuide program that runs instead of `main.py` (and runs `main.py` itself), with data files
/// beside it. It lives outside the learner's folder, so the program sees only its own files.
pub(crate) struct Tool {
    pub name: &'static str,
    pub source: &'static str,
    pub files: Vec<(&'static str, String)>,
}

impl Entry {
    /// Limits for this entry: the inspector's JSON may be larger than a program's output.
    pub fn limits(&self, base: &Limits) -> Limits {
        match self {
            Entry::Program | Entry::Exercise(_) => base.clone(),
            Entry::Inspect => Limits { output_bytes: base.output_bytes.max(4 << 20), ..base.clone() },
        }
    }

    pub(crate) fn tool(&self) -> Option<Tool> {
        match self {
            Entry::Program => None,
            Entry::Inspect => Some(Tool { name: "inspector.py", source: INSPECTOR_PY, files: Vec::new() }),
            // (The names are those of `TOOLS`.)
            Entry::Exercise(spec) => Some(Tool {
                name: "exercise.py",
                source: EXERCISE_PY,
                files: vec![(exercise::SPEC_FILE, spec.to_string())],
            }),
        }
    }
}

/// Something that runs Python programs. The plain [`ProcessRunner`] and the hardened Linux
/// sandbox both implement it, so the server and the CLI never know which one they have.
pub trait Runner: Send + Sync + 'static {
    /// Validates the request and starts `entry`. Must be called within a Tokio runtime.
    fn start_entry(&self, req: RunRequest, entry: Entry, opts: StartOptions) -> Result<RunHandle, SandboxError>;

    /// Validates the request and starts the program. Must be called within a Tokio runtime.
    fn start(&self, req: RunRequest, opts: StartOptions) -> Result<RunHandle, SandboxError> {
        self.start_entry(req, Entry::Program, opts)
    }

    /// The interpreter runs use.
    fn python(&self) -> &PythonInfo;

    /// How many runs may be in flight at once.
    fn capacity(&self) -> usize;

    /// Pre-warmed units ready to take a run; `None` for a runner that keeps none (plain
    /// processes start on demand).
    fn ready_units(&self) -> Option<usize> {
        None
    }

    /// Ends every run and removes what the runner made (processes, cgroups): the server calls
    /// it on its way out. Blocking. The plain runner's children end with their handles.
    fn shutdown(&self) {}
}

impl dyn Runner {
    /// Starts a run and waits for its result.
    pub async fn run(&self, req: RunRequest, admission: Admission) -> Result<RunResult, SandboxError> {
        self.start(req, StartOptions { admission, ..Default::default() })?.finish().await
    }

    /// Runs the inspector on `req.code`; the result's stdout is the inspector's JSON.
    pub async fn inspect(&self, req: RunRequest, admission: Admission) -> Result<RunResult, SandboxError> {
        self.start_entry(req, Entry::Inspect, StartOptions { admission, ..Default::default() })?.finish().await
    }
}

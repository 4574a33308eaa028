//! The sandbox's one error type: every way starting or running a program can fail, as variants
//! a caller can match.

use crate::request::RequestError;

/// The one sentence a learner sees when every run slot is taken.
pub const BUSY_MESSAGE: &str = "PyGuide is running as many programs as it can right now; try again in a moment";

/// Why the sandbox could not start, or could not run a program.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The kernel (or the way PyGuide was started) lacks something the sandbox needs.
    #[error("{feature} is not available: {detail}\n  hint: {hint}")]
    KernelFeatureMissing { feature: &'static str, detail: String, hint: &'static str },
    /// No CPython could be found or started.
    #[error("{0}")]
    PythonNotFound(String),
    /// A unit (the sandbox a run goes into) could not be made or was lost.
    #[error("the sandbox cannot make a unit to run programs in: {0}")]
    UnitFailed(String),
    /// The pre-warmed interpreter exited or could not be started.
    #[error("the sandbox's interpreter is gone: {0}")]
    InterpreterGone(String),
    /// Every run slot is busy.
    #[error("{BUSY_MESSAGE}")]
    Busy,
    /// The request itself is wrong (sizes, NUL bytes, file names).
    #[error(transparent)]
    Invalid(#[from] RequestError),
    /// An operating-system call failed where it should not have.
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    /// Anything else that is PyGuide's fault, never the program's.
    #[error("{0}")]
    Internal(String),
}

impl SandboxError {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SandboxError {
        let context = context.into();
        move |source| SandboxError::Io { context, source }
    }
}

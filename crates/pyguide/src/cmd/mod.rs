//! One module per subcommand.

pub mod check;
pub mod config;
pub mod inspect;
pub mod run;
pub mod serve;

use anyhow::Context;
use pyguide_sandbox::{discover_python, Limits, ProcessRunner, Runner, RunnerConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Options every command that runs Python shares.
#[derive(clap::Args, Debug, Clone)]
pub struct RunnerArgs {
    /// The CPython to run programs with (default: $PYGUIDE_PYTHON, else python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Programs run at once (default: four per core); more are refused with 503.
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<usize>,
    /// Run programs as plain child processes, without the Linux sandbox. Only for an author's
    /// own machine: anything a program does, it does as you.
    #[arg(long, env = "PYGUIDE_UNSAFE_NO_SANDBOX")]
    pub unsafe_no_sandbox: bool,
}

impl RunnerArgs {
    pub fn runner(&self) -> anyhow::Result<Arc<dyn Runner>> {
        build_runner(self.python.as_deref(), self.max_concurrent, self.unsafe_no_sandbox, Limits::default())
    }
}

/// The sandbox (or, when `unsafe_no_sandbox`, plain processes) with these settings.
pub fn build_runner(
    python: Option<&Path>,
    max_concurrent: Option<usize>,
    unsafe_no_sandbox: bool,
    limits: Limits,
) -> anyhow::Result<Arc<dyn Runner>> {
    let python = discover_python(python).map_err(anyhow::Error::msg).context("finding Python")?;
    let mut config = RunnerConfig::new(python);
    config.limits = limits;
    if let Some(n) = max_concurrent {
        config.max_concurrent = n.max(1);
    }
    if unsafe_no_sandbox {
        tracing::warn!("running programs WITHOUT the sandbox (unsafe_no_sandbox): only for your own machine");
        return Ok(Arc::new(ProcessRunner::new(config)));
    }
    sandbox(config)
}

#[cfg(target_os = "linux")]
fn sandbox(config: RunnerConfig) -> anyhow::Result<Arc<dyn Runner>> {
    let exe = std::env::current_exe().context("finding the pyguide binary")?;
    match pyguide_sandbox::linux::SandboxRunner::new(config, &exe) {
        Ok(r) => Ok(Arc::new(r)),
        Err(e) => anyhow::bail!(
            "the sandbox cannot start: {e}\n  hint: PyGuide refuses to run programs unsandboxed. On your own machine, \
             --unsafe-no-sandbox (or PYGUIDE_UNSAFE_NO_SANDBOX=1) runs them as plain processes instead"
        ),
    }
}

#[cfg(not(target_os = "linux"))]
fn sandbox(_config: RunnerConfig) -> anyhow::Result<Arc<dyn Runner>> {
    anyhow::bail!(
        "the sandbox needs Linux\n  hint: on your own machine, --unsafe-no-sandbox runs programs as plain processes"
    )
}

//! One module per subcommand.

pub mod check;
pub mod run;
pub mod serve;

use anyhow::Context;
use pyguide_sandbox::{discover_python, ProcessRunner, Runner, RunnerConfig};
use std::path::PathBuf;
use std::sync::Arc;

/// Options every command that runs Python shares.
#[derive(clap::Args, Debug, Clone)]
pub struct RunnerArgs {
    /// The CPython to run programs with (default: $PYGUIDE_PYTHON, else python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Programs run at once (default: twice the number of cores).
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<usize>,
}

impl RunnerArgs {
    pub fn runner(&self) -> anyhow::Result<Arc<dyn Runner>> {
        let python = discover_python(self.python.as_deref()).map_err(anyhow::Error::msg).context("finding Python")?;
        let mut config = RunnerConfig::new(python);
        if let Some(n) = self.max_concurrent {
            config.max_concurrent = n.max(1);
        }
        Ok(Arc::new(ProcessRunner::new(config)))
    }
}

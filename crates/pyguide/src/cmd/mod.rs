//! One module per subcommand.

pub mod check;
pub mod config;
pub mod inspect;
pub mod packages;
pub mod run;
pub mod serve;

use anyhow::Context;
use pyguide_sandbox::packages::{Action, Packages};
use pyguide_sandbox::{discover_python, Limits, Links, ProcessRunner, Runner, RunnerConfig};
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
    /// Where the curated packages are installed (default: the data folder's `packages/`).
    #[arg(long, value_name = "DIR", env = "PYGUIDE_PACKAGES_DIR")]
    pub packages_dir: Option<PathBuf>,
}

impl RunnerArgs {
    /// The folder holding the packages' installs: `--packages-dir`, else `data_dir/packages`.
    pub fn packages_root(&self, data_dir: &Path) -> PathBuf {
        packages_root(self.packages_dir.as_deref(), data_dir)
    }

    /// The curated packages' install for `python` (in `data/packages` unless `--packages-dir`
    /// says otherwise), if there is one; never downloading them: `pyguide packages` does.
    pub fn installed_packages(&self, python: &Path) -> Option<Packages> {
        let root = self.packages_root(Path::new("data"));
        pyguide_sandbox::packages::packages(python, &root, Action::Status).unwrap_or_else(|e| {
            tracing::warn!("the packages in {} cannot be used: {e}", root.display());
            None
        })
    }

    /// The runner, with the curated packages when they are installed (see
    /// [`RunnerArgs::installed_packages`]); an error's explanation may link to `links` (the
    /// curriculum's sections).
    pub fn runner(&self, links: Links) -> anyhow::Result<Arc<dyn Runner>> {
        let python = discover_python(self.python.as_deref()).map_err(anyhow::Error::msg).context("finding Python")?;
        let packages = self.installed_packages(&python.executable);
        self.runner_with(links, packages)
    }

    /// The runner, with `packages` (the install [`RunnerArgs::installed_packages`] found).
    pub fn runner_with(&self, links: Links, packages: Option<Packages>) -> anyhow::Result<Arc<dyn Runner>> {
        build_runner(RunnerPlan {
            python: self.python.clone(),
            max_concurrent: self.max_concurrent,
            unsafe_no_sandbox: self.unsafe_no_sandbox,
            limits: Limits::default(),
            links,
            packages,
            waiting: 0,
        })
    }
}

/// The folder holding the packages' installs: `dir` if given, else `data_dir/packages`.
pub fn packages_root(dir: Option<&Path>, data_dir: &Path) -> PathBuf {
    dir.map_or_else(|| data_dir.join("packages"), Path::to_path_buf)
}

/// Everything that shapes a runner.
pub struct RunnerPlan {
    pub python: Option<PathBuf>,
    pub max_concurrent: Option<usize>,
    /// Plain child processes instead of the sandbox (an author's own machine only).
    pub unsafe_no_sandbox: bool,
    pub limits: Limits,
    /// The curriculum's sections an error's explanation may link to.
    pub links: Links,
    /// The curated packages, when installed.
    pub packages: Option<Packages>,
    /// Interactive runs that may wait for input beside the running ones (the server gives
    /// their run slots to others meanwhile).
    pub waiting: usize,
}

/// The sandbox (or, when `unsafe_no_sandbox`, plain processes) as `plan` says.
pub fn build_runner(plan: RunnerPlan) -> anyhow::Result<Arc<dyn Runner>> {
    let python = discover_python(plan.python.as_deref()).map_err(anyhow::Error::msg).context("finding Python")?;
    let mut config = RunnerConfig::new(python);
    config.limits = plan.limits;
    config.links = Arc::new(plan.links);
    config.packages = plan.packages;
    config.max_waiting = plan.waiting;
    if let Some(n) = plan.max_concurrent {
        config.max_concurrent = n.max(1);
    }
    if plan.unsafe_no_sandbox {
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

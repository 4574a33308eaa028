//! The hardened Linux sandbox: namespaces, a minimal read-only root, an unprivileged user with
//! no capabilities, seccomp, and a cgroup per run — behind the same [`Runner`] trait as the
//! plain runner, with a pre-warmed interpreter that forks per run.
//!
//! The processes, as the host sees them:
//!
//! ```text
//! pyguide serve (the server)            makes a cgroup per unit, hands runs to ready units
//! └── sandbox init                      `pyguide __sandbox-init` (init.rs): builds the root and
//!     │                                 the namespaces once, then waits for the interpreter
//!     ├── interpreter                   CPython running python/zygote.py, PID 1 of the
//!     │   │                             sandbox's PID namespace; hands ready units to the server
//!     │   └── unit maker                forks each program's process into a unit (zygote.py)
//!     │       └╌╌ intermediate          vfork'd by fork_into.c; forks the program's process
//!     │                                 into the unit and exits at once
//!     └── init maker                    makes unit inits (unit.rs), a small Rust process
//!         └── unit init                 PID 1 of one unit's PID and mount namespaces (unit.rs)
//!             └── program's process     the learner's program: a copy of the interpreter,
//!                                       locked down in C before it runs any Python
//! ```
//!
//! A unit is one unit init and one program's process, in a cgroup of its own. Units are made
//! ahead (`pool.rs`); a run is only message passing from the server to a ready unit
//! (`execute.rs`), in the typed messages of `protocol.rs`.

mod cgroup;
mod execute;
mod fdpass;
pub mod init;
mod pool;
pub mod protocol;
mod rootfs;
mod seccomp;
mod unit;
mod zygote;

pub use init::{init_main, INIT_ARG};

use crate::run::{launch, Backend, Interpreter, Run};
use crate::{Entry, PythonInfo, RunHandle, RunRequest, Runner, RunnerConfig, SandboxError, StartOptions};
use cgroup::Cgroups;
use pool::Pool;
use protocol::SetupStep;
use rootfs::Plan;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The zygote program, shipped inside the binary: the protocol's Python side first.
const ZYGOTE_PY: &str =
    concat!(include_str!("../../../../python/protocol.py"), include_str!("../../../../python/zygote.py"));
/// Host ids 100000..165535 are the sandbox's ids 0..65535 (the learner is 1000 → 101000).
pub const ID_BASE: u32 = 100_000;

/// The hardened sandbox runner.
pub struct SandboxRunner {
    pools: Arc<Pools>,
    cgroups: Arc<Cgroups>,
    slots: Arc<Semaphore>,
    max_concurrent: usize,
    /// Runs that may hold a unit: `max_concurrent` plus those waiting for input.
    in_flight: usize,
}

/// The sandbox's failure to start, named by the step that failed.
pub(crate) fn start_failure(step: SetupStep, error: String) -> SandboxError {
    let (feature, hint) = match step {
        SetupStep::UserNamespace | SetupStep::IdMap => (
            "user namespaces",
            "start PyGuide as root, and check kernel.unprivileged_userns_clone and user.max_user_namespaces",
        ),
        SetupStep::Namespaces => ("mount, network, UTS, IPC and PID namespaces", "run PyGuide as root on Linux"),
        SetupStep::Root => ("the sandbox's read-only root (mounts, pivot_root)", "run PyGuide as root on Linux"),
        SetupStep::Plan | SetupStep::Start => return SandboxError::Internal(format!("starting the sandbox: {error}")),
    };
    SandboxError::KernelFeatureMissing { feature, detail: error, hint }
}

/// The learner's environment in the sandbox: [`crate::LEARNER_ENV`], with the unit's folders,
/// PyGuide's run modules on `PYTHONPATH` and the packages' variables when they are installed
/// (their folder after the run modules).
fn sandbox_env(config: &RunnerConfig) -> Vec<(String, String)> {
    let fixed = crate::LEARNER_ENV.iter().copied().chain([("HOME", "/work"), ("TMPDIR", "/tmp")]);
    let mut env: Vec<(String, String)> = fixed.map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut python_path = vec![init::RUN_MODULES_DIR.to_string()];
    if config.packages.is_some() {
        let inside = Path::new(crate::packages::SANDBOX_DIR);
        for (k, v) in crate::packages::env(inside) {
            match k {
                "PYTHONPATH" => python_path.push(v),
                _ => env.push((k.to_string(), v)),
            }
        }
    }
    env.push(("PYTHONPATH".to_string(), python_path.join(":")));
    env
}

/// What the interpreter is told at start: its seccomp filters, its helpers and limits, and the
/// learner's environment.
fn zygote_config(config: &RunnerConfig, interpreter: Interpreter) -> Result<serde_json::Value, SandboxError> {
    let filters = seccomp::filters()?;
    let hex = |f: &Vec<u8>| f.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let env: std::collections::BTreeMap<String, String> = sandbox_env(config).into_iter().collect();
    // The packages interpreter imports them before it forks any unit.
    let (preload, warm_up): (&[&str], &str) = match interpreter {
        Interpreter::Standard => (&[], ""),
        Interpreter::Packages => (&crate::packages::PRELOAD, crate::packages::WARM_UP),
    };
    Ok(serde_json::json!({
        "unit_filters": filters.unit.iter().map(hex).collect::<Vec<_>>(),
        "learner_filter": hex(&filters.learner),
        "unit_init_fd": unit::UNIT_INIT_FD,
        "fork_into": init::FORK_INTO_SO,
        "tools_dir": init::TOOLS_DIR,
        "explainer": config.explain.then_some(init::EXPLAINER),
        "max_explanation_bytes": crate::MAX_EXPLANATION_BYTES,
        "pictures": init::PICTURES,
        "max_pictures": crate::MAX_PICTURES,
        "cpu_secs": config.limits.cpu_secs,
        "file_bytes": config.limits.file_size_bytes,
        "env": env,
        "preload": preload,
        "warm_up": warm_up,
        "curated": crate::packages::CURATED,
    }))
}

/// What the sandbox init builds for the interpreter `config.python`, of the kind `interpreter`.
fn plan(config: &RunnerConfig, interpreter: Interpreter) -> Result<Plan, SandboxError> {
    let packages = config.packages.as_ref().map(|p| p.dir.as_path());
    let paths = rootfs::interpreter_paths(&config.python.executable, packages)?;
    let limits = &config.limits;
    // The interpreter's own environment is the learner's, plus LD_BIND_NOW: the dynamic linker
    // resolves every symbol once, here, instead of on first call in each process forked from
    // the interpreter (each lazy resolution writes a page: a copy-on-write fault per run).
    let mut env = sandbox_env(config);
    env.push(("LD_BIND_NOW".into(), "1".into()));
    Ok(Plan {
        binds: paths.binds,
        hide: paths.hide,
        devices: ["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"].iter().map(PathBuf::from).collect(),
        python: config.python.executable.clone(),
        // No -E, -s or -u: the program sees the flags of a plain `python main.py`.
        args: vec!["-c".into(), ZYGOTE_PY.into(), zygote_config(config, interpreter)?.to_string()],
        env,
        id_base: ID_BASE,
        mounts: unit::UnitMounts { tmpfs_bytes: limits.file_size_bytes, tmpfs_inodes: 1024, shm_bytes: 16 << 20 },
        packages: packages.map(Path::to_path_buf),
    })
}

impl SandboxRunner {
    /// Sets the sandbox up, or says which kernel feature is missing. `init_exe` is the `pyguide`
    /// binary (its `__sandbox-init` entry builds the sandbox).
    pub fn new(config: RunnerConfig, init_exe: &Path) -> Result<SandboxRunner, SandboxError> {
        let cgroups = Arc::new(Cgroups::setup()?);
        let slots = Arc::new(Semaphore::new(config.in_flight()));
        let in_flight = config.in_flight();
        let max_concurrent = config.max_concurrent;
        let next_id = Arc::new(AtomicU64::new(1));
        let start = |interpreter| -> Result<Arc<Pool>, SandboxError> {
            let plan = plan(&config, interpreter)?;
            Ok(Arc::new(Pool::start(config.clone(), cgroups.clone(), plan, init_exe.to_path_buf(), next_id.clone())?))
        };
        let standard = start(Interpreter::Standard)?;
        let packages = match config.packages {
            Some(_) => Some(start(Interpreter::Packages)?),
            None => None,
        };
        let pools = Pools { standard, packages };
        Ok(SandboxRunner { pools: Arc::new(pools), cgroups, slots, max_concurrent, in_flight })
    }

    /// The server's parent cgroups (tests check that runs leave nothing in them).
    pub fn cgroup_parents(&self) -> Vec<PathBuf> {
        self.cgroups.parents()
    }

    /// Folders of the spare cgroups (held by warm units or made ahead); any other run cgroup
    /// under the parents belongs to a run in flight, or was leaked.
    pub fn spare_cgroup_dirs(&self) -> Vec<PathBuf> {
        self.pools.all().flat_map(|p| p.spare_folders()).collect()
    }

    /// Waits until no run is in flight or cleaning up.
    pub async fn quiesce(&self) {
        let n = u32::try_from(self.in_flight).unwrap_or(u32::MAX);
        drop(self.slots.acquire_many(n).await);
        for pool in self.pools.all() {
            drop(pool.cleanups.acquire_many(pool::MAX_CLEANUPS).await);
        }
    }

    /// How many units the interpreter keeps ready or in the making.
    pub fn warm_units(&self) -> usize {
        self.pools.standard.warm_units
    }

    /// Host pid of the sandbox init of the pre-warmed interpreter (every unit descends from it).
    pub fn zygote_pid(&self) -> u32 {
        self.pools.standard.zygote_pid().unwrap_or(0)
    }

    /// The same for the interpreter with the packages imported, when they are installed.
    pub fn packages_zygote_pid(&self) -> Option<u32> {
        self.pools.packages.as_ref().and_then(|p| p.zygote_pid())
    }

    /// The interpreter a run goes to: one whose code imports a curated package goes to the
    /// interpreter that has them imported already, when there is one.
    fn route(&self, req: &RunRequest, interpreter: Interpreter) -> Interpreter {
        let sources = std::iter::once(req.code.as_str()).chain(req.files.values().map(String::as_str));
        match interpreter {
            Interpreter::Standard if self.pools.packages.is_some() && crate::packages::imports_curated(sources) => {
                Interpreter::Packages
            }
            other => other,
        }
    }
}

impl Runner for SandboxRunner {
    fn start_entry(&self, req: RunRequest, entry: Entry, opts: StartOptions) -> Result<RunHandle, SandboxError> {
        let opts = StartOptions { interpreter: self.route(&req, opts.interpreter), ..opts };
        launch(&self.slots, self.pools.clone(), req, entry, opts)
    }

    fn python(&self) -> &PythonInfo {
        &self.pools.standard.config.python
    }

    fn ready_units(&self) -> Option<usize> {
        Some(self.pools.standard.ready_units())
    }

    fn capacity(&self) -> usize {
        self.max_concurrent
    }

    /// Stops the sandbox: its interpreters and every unit end, and every cgroup it made is
    /// removed, those of runs still in flight included (they end as killed).
    fn shutdown(&self) {
        self.pools.all().for_each(|p| p.stop());
        self.cgroups.remove_runs();
    }
}

/// A pool of units per kind of interpreter.
struct Pools {
    standard: Arc<Pool>,
    /// Only when the packages are installed.
    packages: Option<Arc<Pool>>,
}

impl Pools {
    fn pool(&self, interpreter: Interpreter) -> &Arc<Pool> {
        match interpreter {
            Interpreter::Standard => &self.standard,
            // Without the packages installed, their imports fail in a standard unit, in words.
            Interpreter::Packages => self.packages.as_ref().unwrap_or(&self.standard),
        }
    }

    fn all(&self) -> impl Iterator<Item = &Arc<Pool>> {
        std::iter::once(&self.standard).chain(&self.packages)
    }
}

impl Backend for Pools {
    async fn execute(self: Arc<Self>, run: Run) {
        let pool = self.pool(run.interpreter).clone();
        execute::run_in_unit(pool, run).await
    }
}

//! The hardened Linux sandbox: namespaces, a minimal read-only root, an unprivileged user with
//! no capabilities, seccomp, and a cgroup per run — behind the same [`Runner`] trait as the
//! plain runner, with a pre-warmed interpreter that forks per run.
//!
//! Layers, from the outside in:
//! - the server makes a cgroup per run (memory without swap, pids) and kills it as a whole;
//! - `pyguide __sandbox-init` ([`init`]) builds the root and namespaces once, and executes the
//!   zygote (`python/zygote.py`) as root of a user namespace that maps only unprivileged ids;
//! - per run the zygote forks into new mount, PID and IPC namespaces with a fresh tmpfs, and
//!   the learner's process drops to uid 1000 with no capabilities, no_new_privs, rlimits and
//!   the seccomp filters built in [`seccomp`].

mod cgroup;
pub mod init;
mod rootfs;
mod seccomp;
mod syscalls;
mod zygote;

pub use init::{init_main, INIT_ARG};

use crate::supervise::{supervise, Exit, Io, StdinSource};
use crate::{
    launch, Entry, Event, PythonInfo, RunError, RunHandle, RunRequest, RunResult, Runner, RunnerConfig, StartOptions,
};
use cgroup::{Cgroups, RunCgroup};
use rootfs::Plan;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot, Semaphore};
use zygote::Zygote;

/// The zygote program, shipped inside the binary.
const ZYGOTE_PY: &str = include_str!("../../../../python/zygote.py");
/// Host ids 100000..165535 are the sandbox's ids 0..65535 (the learner is 1000 → 101000).
pub const ID_BASE: u32 = 100_000;

struct Shared {
    config: RunnerConfig,
    cgroups: Cgroups,
    plan: Plan,
    init_exe: PathBuf,
    zygote: Mutex<Zygote>,
    next_id: AtomicU64,
}

/// The hardened sandbox runner.
pub struct SandboxRunner {
    shared: Arc<Shared>,
    slots: Arc<Semaphore>,
}

impl SandboxRunner {
    /// Sets the sandbox up, or says which kernel feature is missing. `init_exe` is the `pyguide`
    /// binary (its `__sandbox-init` entry builds the sandbox).
    pub fn new(config: RunnerConfig, init_exe: &Path) -> Result<SandboxRunner, String> {
        let cgroups = Cgroups::setup()?;
        let paths = rootfs::interpreter_paths(&config.python.executable)?;
        let filters = seccomp::filters()?;
        let hex: Vec<String> = filters.iter().map(|f| f.iter().map(|b| format!("{b:02x}")).collect()).collect();
        let limits = &config.limits;
        let zygote_config = serde_json::json!({
            "filters": hex,
            "tmpfs_bytes": limits.file_size_bytes,
            "tmpfs_inodes": 1024,
            "shm_bytes": 16u64 << 20,
            "cpu_secs": limits.cpu_secs,
            "file_bytes": limits.file_size_bytes,
        });
        let plan = Plan {
            binds: paths.binds,
            hide: paths.hide,
            devices: ["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"].iter().map(PathBuf::from).collect(),
            python: config.python.executable.clone(),
            args: vec!["-E".into(), "-s".into(), "-u".into(), "-c".into(), ZYGOTE_PY.into(), zygote_config.to_string()],
            id_base: ID_BASE,
        };
        let zygote = Zygote::spawn(init_exe, &plan).map_err(|e| explain(&e))?;
        tracing::info!(zygote = zygote.pid(), binds = plan.binds.len(), "sandbox ready");
        let slots = Arc::new(Semaphore::new(config.max_concurrent.max(1)));
        let shared = Shared {
            config,
            cgroups,
            plan,
            init_exe: init_exe.to_path_buf(),
            zygote: Mutex::new(zygote),
            next_id: AtomicU64::new(1),
        };
        Ok(SandboxRunner { shared: Arc::new(shared), slots })
    }

    /// The server's parent cgroups (tests check that runs leave nothing in them).
    pub fn cgroup_parents(&self) -> Vec<PathBuf> {
        self.shared.cgroups.parents()
    }
}

/// Turns a setup failure into words naming the missing kernel feature.
fn explain(e: &str) -> String {
    if e.contains("unshare(user)") || e.contains("uid_map") {
        format!("user namespaces are not available ({e}); check kernel.unprivileged_userns_clone and user.max_user_namespaces")
    } else if e.contains("unshare") {
        format!("namespaces are not available ({e})")
    } else {
        e.to_string()
    }
}

impl Runner for SandboxRunner {
    fn start_entry(&self, req: RunRequest, entry: Entry, opts: StartOptions) -> Result<RunHandle, RunError> {
        let shared = self.shared.clone();
        launch(&self.slots, req, opts, move |req, events, stdin, mut stop_rx| async move {
            match execute(&shared, req, entry, events, stdin, &mut stop_rx).await {
                Ok(r) => r,
                Err(e) => crate::process::internal_failure(&format!("sandbox: {e}")),
            }
        })
    }

    fn python(&self) -> &PythonInfo {
        &self.shared.config.python
    }

    fn capacity(&self) -> usize {
        self.shared.config.max_concurrent
    }
}

fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: freshly created, owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl Shared {
    fn hand_over(&self, header: &[u8], fds: &[RawFd]) -> std::io::Result<()> {
        let mut z = self.zygote.lock().unwrap_or_else(|p| p.into_inner());
        match z.send(header, fds) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Err(e),
            Err(e) => {
                // The interpreter died: start a new one and try once more.
                tracing::warn!(error = %e, "sandbox interpreter lost; restarting it");
                *z = Zygote::spawn(&self.init_exe, &self.plan).map_err(std::io::Error::other)?;
                z.send(header, fds)
            }
        }
    }
}

async fn execute(
    shared: &Shared,
    req: RunRequest,
    entry: Entry,
    events: Option<mpsc::UnboundedSender<Event>>,
    stdin: StdinSource,
    stop_rx: &mut oneshot::Receiver<()>,
) -> std::io::Result<RunResult> {
    let limits = &shared.config.limits;
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let cg = Arc::new(shared.cgroups.create_run(id, limits.memory_bytes, limits.max_processes)?);
    let result = run_in(shared, &cg, req, entry, events, stdin, stop_rx, started).await;
    cg.kill_all();
    match Arc::try_unwrap(cg) {
        Ok(cg) => {
            if let Err(e) = cg.remove().await {
                tracing::error!(error = %e, run = id, "could not remove the run's cgroup");
            }
        }
        Err(_) => tracing::error!(run = id, "run cgroup still referenced"),
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn run_in(
    shared: &Shared,
    cg: &Arc<RunCgroup>,
    req: RunRequest,
    entry: Entry,
    events: Option<mpsc::UnboundedSender<Event>>,
    stdin: StdinSource,
    stop_rx: &mut oneshot::Receiver<()>,
    started: Instant,
) -> std::io::Result<RunResult> {
    let limits = &entry.limits(&shared.config.limits);
    let (stdin_r, stdin_w) = pipe()?;
    let (stdout_r, stdout_w) = pipe()?;
    let (stderr_r, stderr_w) = pipe()?;
    let (status_r, status_w) = pipe()?;
    let (payload_r, payload_w) = pipe()?;
    let mut fds: Vec<RawFd> = vec![
        stdin_r.as_raw_fd(),
        stdout_w.as_raw_fd(),
        stderr_w.as_raw_fd(),
        status_w.as_raw_fd(),
        payload_r.as_raw_fd(),
    ];
    fds.extend(cg.procs.iter().map(|f| f.as_raw_fd()));
    shared.hand_over(b"run", &fds)?;
    drop((stdin_r, stdout_w, stderr_w, status_w, payload_r));

    let tool = match entry {
        Entry::Program => serde_json::Value::Null,
        Entry::Inspect => serde_json::json!({ "name": "inspector.py", "source": crate::INSPECTOR_PY }),
    };
    let payload = serde_json::json!({ "code": req.code, "files": req.files, "tool": tool }).to_string();
    let mut payload_w = pipe::Sender::from_owned_fd(payload_w)?;
    tokio::spawn(async move {
        let _ = payload_w.write_all(payload.as_bytes()).await;
    });
    let stdin_w = pipe::Sender::from_owned_fd(stdin_w)?;
    let io = Io {
        stdin: (!matches!(stdin, StdinSource::None)).then_some(stdin_w),
        stdout: pipe::Receiver::from_owned_fd(stdout_r)?,
        stderr: pipe::Receiver::from_owned_fd(stderr_r)?,
    };
    let mut status = pipe::Receiver::from_owned_fd(status_r)?;
    let exit = async move {
        let mut buf = Vec::new();
        let _ = status.read_to_end(&mut buf).await;
        parse_status(&buf)
    };
    let killer = cg.clone();
    let s = supervise(limits, started, io, stdin, events, exit, move || killer.kill_all(), stop_rx).await;
    let memory_hit = cg.oom_killed();
    Ok(s.into_result(memory_hit))
}

fn parse_status(buf: &[u8]) -> Exit {
    let v: serde_json::Value = match serde_json::from_slice(buf) {
        Ok(v) => v,
        Err(_) => return Exit::Unknown,
    };
    if let Some(c) = v.get("exit").and_then(|c| c.as_i64()) {
        return Exit::Code(c as i32);
    }
    if let Some(s) = v.get("signal").and_then(|c| c.as_i64()) {
        return Exit::Signal(s as i32);
    }
    if let Some(e) = v.get("error") {
        tracing::error!(error = %e, "sandbox setup failed for a run");
    }
    Exit::Unknown
}

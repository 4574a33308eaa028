//! The plain runner: CPython as a child process with rlimits, a wall timeout and capped output.
//!
//! Each run gets a fresh temporary folder holding `main.py` and the extra files; the program
//! runs as `python main.py` would (its folder importable), with an empty environment, in its own
//! session and process group so a timeout kills everything it started. This is the runner for
//! authors on a laptop (`--unsafe-no-sandbox`); the Linux sandbox implements the same [`Runner`].

use crate::supervise::{pipe_inode, reads_input, supervise, Exit, Io, StdinSource};
use crate::{
    launch, Entry, Limits, Outcome, PythonInfo, RunError, RunHandle, RunRequest, RunResult, Runner, StartOptions,
};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;
use tokio::process::Command;
use tokio::sync::Semaphore;

/// Settings of a runner.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    pub python: PythonInfo,
    pub limits: Limits,
    /// Runs in flight at once; more are refused (or wait, see [`crate::Admission`]).
    pub max_concurrent: usize,
}

impl RunnerConfig {
    pub fn new(python: PythonInfo) -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        RunnerConfig { python, limits: Limits::default(), max_concurrent: cores * 4 }
    }
}

/// Runs CPython as a plain child process (no namespaces): rlimits, timeout, output cap.
pub struct ProcessRunner {
    config: Arc<RunnerConfig>,
    slots: Arc<Semaphore>,
}

impl ProcessRunner {
    pub fn new(config: RunnerConfig) -> Self {
        let slots = Arc::new(Semaphore::new(config.max_concurrent.max(1)));
        ProcessRunner { config: Arc::new(config), slots }
    }
}

impl Runner for ProcessRunner {
    fn start_entry(&self, req: RunRequest, entry: Entry, opts: StartOptions) -> Result<RunHandle, RunError> {
        let config = self.config.clone();
        launch(&self.slots, req, opts, move |req, events, stdin, mut stop_rx, reply| async move {
            if let Err(e) = execute(&config, req, entry, events, stdin, &mut stop_rx, reply).await {
                tracing::error!(error = %e, "run failed");
            }
        })
    }

    fn python(&self) -> &PythonInfo {
        &self.config.python
    }

    fn capacity(&self) -> usize {
        self.config.max_concurrent
    }
}

/// The result reported when the runner itself failed.
pub(crate) fn internal_failure() -> RunResult {
    RunResult {
        outcome: Outcome::Error,
        exit_code: None,
        stdout: String::new(),
        stderr: "PyGuide could not run this program (an error on our side). Please try again.\n".into(),
        duration_ms: 0.0,
        truncated: false,
    }
}

async fn execute(
    config: &RunnerConfig,
    req: RunRequest,
    entry: Entry,
    events: Option<tokio::sync::mpsc::UnboundedSender<crate::Event>>,
    stdin: StdinSource,
    stop_rx: &mut tokio::sync::oneshot::Receiver<()>,
    reply: crate::Reply,
) -> std::io::Result<()> {
    // Whatever fails below, the caller gets an answer.
    let mut reply = Some(reply);
    let result = run_process(config, req, entry, events, stdin, stop_rx).await;
    let answer = match &result {
        Ok((r, _, _)) => r.clone(),
        Err(_) => internal_failure(),
    };
    if let Some(tx) = reply.take() {
        tx.send(answer);
    }
    // The folders are removed after the answer is on its way.
    result.map(drop)
}

async fn run_process(
    config: &RunnerConfig,
    req: RunRequest,
    entry: Entry,
    events: Option<tokio::sync::mpsc::UnboundedSender<crate::Event>>,
    stdin: StdinSource,
    stop_rx: &mut tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<(RunResult, tempfile::TempDir, tempfile::TempDir)> {
    let limits = &entry.limits(&config.limits);
    let dir = tempfile::Builder::new().prefix("pyguide-run-").tempdir()?;
    std::fs::write(dir.path().join("main.py"), &req.code)?;
    for (name, content) in &req.files {
        std::fs::write(dir.path().join(name), content)?;
    }
    // The inspector lives apart, so the traced program's folder holds only its own files.
    let tool_dir = tempfile::Builder::new().prefix("pyguide-tool-").tempdir()?;
    let mut cmd = Command::new(&config.python.executable);
    cmd.args(["-E", "-s", "-u"]);
    match entry.tool() {
        None => {
            cmd.arg("main.py");
        }
        Some(tool) => {
            let path = tool_dir.path().join(tool.name);
            std::fs::write(&path, tool.source)?;
            for (name, text) in &tool.files {
                std::fs::write(tool_dir.path().join(name), text)?;
            }
            cmd.arg(path).arg(dir.path().join("main.py"));
        }
    }
    cmd.current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("TMPDIR", dir.path())
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .stdin(if matches!(stdin, StdinSource::None) { Stdio::null() } else { Stdio::piped() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let rl = RlimitPlan::new(limits);
    // SAFETY: the closure runs between fork and exec and only calls async-signal-safe
    // functions (setsid, setrlimit) on values computed before the fork.
    unsafe {
        cmd.pre_exec(move || rl.apply());
    }
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id().map(|p| p as i32);
    let stdin_pipe = child.stdin.as_ref().and_then(|w| pipe_inode(std::os::fd::AsRawFd::as_raw_fd(w)));
    let waiting_for_input: Option<Box<dyn Fn() -> bool + Send + Sync>> =
        match (matches!(stdin, StdinSource::Interactive(_)), pid, stdin_pipe) {
            (true, Some(pid), Some(ino)) => Some(Box::new(move || reads_input(pid, ino))),
            _ => None,
        };
    let io = Io {
        stdin: child.stdin.take(),
        stdout: child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout pipe"))?,
        stderr: child.stderr.take().ok_or_else(|| std::io::Error::other("no stderr pipe"))?,
        waiting_for_input,
    };
    let exit = async move {
        use std::os::unix::process::ExitStatusExt;
        match child.wait().await {
            Ok(s) => match (s.code(), s.signal()) {
                (Some(c), _) => Exit::Code(c),
                (None, Some(sig)) => Exit::Signal(sig),
                _ => Exit::Unknown,
            },
            Err(_) => Exit::Unknown,
        }
    };
    let kill = move || {
        if let Some(pid) = pid {
            // SAFETY: plain syscall; the group id is the child's pid (it called setsid).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    };
    let s = supervise(limits, started, io, stdin, events, exit, kill, stop_rx).await;
    Ok((s.into_result(false), dir, tool_dir))
}

/// rlimits computed before the fork and applied in the child.
#[derive(Clone, Copy)]
struct RlimitPlan {
    cpu: u64,
    address_space: u64,
    file_size: u64,
    processes: u64,
}

impl RlimitPlan {
    fn new(limits: &Limits) -> Self {
        // RLIMIT_NPROC counts every process of the user, not only this run's: allow the
        // processes the user already has plus this run's budget. (The sandbox gives each run
        // a pids cgroup instead.)
        let existing = count_user_processes();
        RlimitPlan {
            cpu: limits.cpu_secs,
            address_space: limits.memory_bytes,
            file_size: limits.file_size_bytes,
            processes: existing + limits.max_processes,
        }
    }

    fn apply(&self) -> std::io::Result<()> {
        fn set(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> std::io::Result<()> {
            let lim = libc::rlimit { rlim_cur: soft, rlim_max: hard };
            // SAFETY: setrlimit with a valid pointer to a stack value.
            if unsafe { libc::setrlimit(resource, &lim) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        }
        // SAFETY: setsid has no memory-safety preconditions.
        if unsafe { libc::setsid() } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        set(libc::RLIMIT_CPU, self.cpu, self.cpu + 1)?;
        set(libc::RLIMIT_AS, self.address_space, self.address_space)?;
        set(libc::RLIMIT_FSIZE, self.file_size, self.file_size)?;
        set(libc::RLIMIT_NPROC, self.processes, self.processes)?;
        set(libc::RLIMIT_CORE, 0, 0)?;
        Ok(())
    }
}

fn count_user_processes() -> u64 {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    if uid == 0 {
        return 0; // root is not bound by RLIMIT_NPROC anyway
    }
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
                .filter(|e| e.metadata().map(|m| m.uid() == uid).unwrap_or(false))
                .count() as u64
        })
        .unwrap_or(0)
}

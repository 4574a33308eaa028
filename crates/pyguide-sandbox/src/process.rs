//! The plain runner: CPython as a child process with rlimits, a wall timeout and capped output.
//!
//! Each run gets a fresh temporary folder holding `main.py` and the extra files; the program
//! runs as `python main.py` would (its folder importable), with an empty environment, in its own
//! session and process group so a timeout kills everything it started. This is the runner for
//! authors on a laptop; the hardened Linux sandbox implements the same [`Runner`] trait.

use crate::utf8::Utf8Stream;
use crate::{
    Admission, Event, Limits, Outcome, PythonInfo, RunError, RunHandle, RunRequest, RunResult, Runner, StartOptions,
};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot, Notify, Semaphore};

/// Settings of a [`ProcessRunner`].
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    pub python: PythonInfo,
    pub limits: Limits,
    /// Runs in flight at once; more are refused (or wait, see [`Admission`]).
    pub max_concurrent: usize,
}

impl RunnerConfig {
    pub fn new(python: PythonInfo) -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        RunnerConfig { python, limits: Limits::default(), max_concurrent: cores * 2 }
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
    fn start(&self, req: RunRequest, opts: StartOptions) -> Result<RunHandle, RunError> {
        req.validate()?;
        let permit = match opts.admission {
            Admission::Immediate => Some(self.slots.clone().try_acquire_owned().map_err(|_| RunError::Busy)?),
            Admission::Wait => None,
        };
        let (events_tx, events) = mpsc::unbounded_channel();
        let (stdin_tx, stdin_rx) = if opts.interactive {
            let (tx, rx) = mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let (stop_tx, stop_rx) = oneshot::channel();
        let (result_tx, result) = oneshot::channel();
        let config = self.config.clone();
        let slots = self.slots.clone();
        tokio::spawn(async move {
            let _permit = match permit {
                Some(p) => p,
                None => match slots.acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            let events_tx = opts.stream.then_some(events_tx);
            let result = execute(&config, req, events_tx, stdin_rx, stop_rx).await;
            let _ = result_tx.send(result);
        });
        Ok(RunHandle { events, stdin: stdin_tx, stop: Some(stop_tx), result })
    }

    fn python(&self) -> &PythonInfo {
        &self.config.python
    }

    fn capacity(&self) -> usize {
        self.config.max_concurrent
    }
}

/// Output collected from both streams, within one shared budget.
struct Collected {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    truncated: bool,
}

async fn execute(
    config: &RunnerConfig,
    req: RunRequest,
    events: Option<mpsc::UnboundedSender<Event>>,
    stdin_rx: Option<mpsc::UnboundedReceiver<Vec<u8>>>,
    mut stop_rx: oneshot::Receiver<()>,
) -> RunResult {
    match execute_inner(config, req, events, stdin_rx, &mut stop_rx).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "run failed to start");
            RunResult {
                outcome: Outcome::Error,
                exit_code: None,
                stdout: String::new(),
                stderr: format!("PyGuide could not start Python: {e}\n"),
                duration_ms: 0.0,
                truncated: false,
            }
        }
    }
}

async fn execute_inner(
    config: &RunnerConfig,
    req: RunRequest,
    events: Option<mpsc::UnboundedSender<Event>>,
    stdin_rx: Option<mpsc::UnboundedReceiver<Vec<u8>>>,
    stop_rx: &mut oneshot::Receiver<()>,
) -> std::io::Result<RunResult> {
    let limits = &config.limits;
    let dir = tempfile::Builder::new().prefix("pyguide-run-").tempdir()?;
    std::fs::write(dir.path().join("main.py"), &req.code)?;
    for (name, content) in &req.files {
        std::fs::write(dir.path().join(name), content)?;
    }
    let mut cmd = Command::new(&config.python.executable);
    cmd.args(["-E", "-s", "-u", "main.py"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("TMPDIR", dir.path())
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .stdin(if stdin_rx.is_some() || req.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
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

    // stdin: a fixed string, or bytes forwarded from the learner.
    if let Some(mut stdin) = child.stdin.take() {
        let fixed = req.stdin.clone();
        tokio::spawn(async move {
            match (fixed, stdin_rx) {
                (_, Some(mut rx)) => {
                    while let Some(bytes) = rx.recv().await {
                        if stdin.write_all(&bytes).await.is_err() || stdin.flush().await.is_err() {
                            break;
                        }
                    }
                }
                (Some(text), None) => {
                    let _ = stdin.write_all(text.as_bytes()).await;
                }
                (None, None) => {}
            }
        });
    }

    let collected = Arc::new(Mutex::new(Collected { stdout: Vec::new(), stderr: Vec::new(), truncated: false }));
    let overflow = Arc::new(Notify::new());
    let readers =
        [
            child.stdout.take().map(|s| {
                spawn_reader(s, true, collected.clone(), overflow.clone(), events.clone(), limits.output_bytes)
            }),
            child.stderr.take().map(|s| {
                spawn_reader(s, false, collected.clone(), overflow.clone(), events.clone(), limits.output_bytes)
            }),
        ];
    drop(events);

    let mut forced: Option<Outcome> = None;
    let status = tokio::select! {
        status = child.wait() => Some(status?),
        _ = tokio::time::sleep(limits.wall) => { forced = Some(Outcome::Timeout); None }
        _ = overflow.notified() => { forced = Some(Outcome::OutputLimit); None }
        Ok(()) = &mut *stop_rx => { forced = Some(Outcome::Stopped); None }
    };
    // Whatever happened, nothing the program started may outlive the run.
    if let Some(pid) = pid {
        // SAFETY: plain syscall; the group id is the child's pid (it called setsid).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let status = match status {
        Some(s) => s,
        None => child.wait().await?,
    };
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    for r in readers.into_iter().flatten() {
        // A grandchild outside the group could hold a pipe open; do not wait for it forever.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), r).await;
    }
    let c = std::mem::replace(
        &mut *collected.lock().unwrap_or_else(|p| p.into_inner()),
        Collected { stdout: Vec::new(), stderr: Vec::new(), truncated: false },
    );
    let stdout = String::from_utf8_lossy(&c.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&c.stderr).into_owned();
    let (outcome, exit_code) = classify(forced, status, &stderr, c.truncated);
    Ok(RunResult { outcome, exit_code, stdout, stderr, duration_ms, truncated: c.truncated })
}

/// Decides the outcome from how the process ended.
pub(crate) fn classify(
    forced: Option<Outcome>,
    status: std::process::ExitStatus,
    stderr: &str,
    truncated: bool,
) -> (Outcome, Option<i32>) {
    use std::os::unix::process::ExitStatusExt;
    if let Some(f) = forced {
        return (f, None);
    }
    if truncated {
        return (Outcome::OutputLimit, status.code());
    }
    match (status.code(), status.signal()) {
        (Some(0), _) => (Outcome::Success, Some(0)),
        (Some(code), _) => {
            let last = stderr.trim_end().lines().last().unwrap_or_default();
            if last.starts_with("MemoryError") {
                (Outcome::MemoryLimit, Some(code))
            } else {
                (Outcome::Error, Some(code))
            }
        }
        (None, Some(libc::SIGXCPU)) => (Outcome::Timeout, None),
        (None, _) => (Outcome::Error, None),
    }
}

fn spawn_reader(
    mut stream: impl AsyncRead + Unpin + Send + 'static,
    is_stdout: bool,
    collected: Arc<Mutex<Collected>>,
    overflow: Arc<Notify>,
    events: Option<mpsc::UnboundedSender<Event>>,
    budget: usize,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut decoder = Utf8Stream::default();
        loop {
            let n = match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let kept = {
                let mut c = collected.lock().unwrap_or_else(|p| p.into_inner());
                let used = c.stdout.len() + c.stderr.len();
                let room = budget.saturating_sub(used);
                let take = n.min(room);
                let target = if is_stdout { &mut c.stdout } else { &mut c.stderr };
                target.extend_from_slice(&buf[..take]);
                if take < n {
                    c.truncated = true;
                }
                take
            };
            if let Some(tx) = &events {
                let text = decoder.push(&buf[..kept]);
                if !text.is_empty() {
                    let _ = tx.send(if is_stdout { Event::Stdout(text) } else { Event::Stderr(text) });
                }
            }
            if kept < n {
                overflow.notify_one();
                break;
            }
        }
        if let Some(tx) = &events {
            let rest = decoder.finish();
            if !rest.is_empty() {
                let _ = tx.send(if is_stdout { Event::Stdout(rest) } else { Event::Stderr(rest) });
            }
        }
    })
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
        // its own user and a pids cgroup instead.)
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

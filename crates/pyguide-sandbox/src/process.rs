//! The plain runner: CPython as a child process with rlimits, a wall timeout and capped output.
//!
//! Each run gets a fresh temporary folder holding `main.py` and the extra files; the program
//! runs as `python main.py` would (its folder importable), with an empty environment, in its own
//! session and process group so a timeout kills everything it started. Its picture channel is
//! its descriptor 3, and `_pyguide_pictures` (with the curated packages, when installed) is
//! importable through `PYTHONPATH`. This is the runner for authors on a laptop
//! (`--unsafe-no-sandbox`); the Linux sandbox implements the same [`Runner`].

use crate::run::{launch, Backend, Channels, Run, StdinSource};
use crate::supervise::{pipe_inode, run_waits_for_input, supervise, Exit, Io, Program};
use crate::{Entry, Limits, Links, PythonInfo, RunHandle, RunRequest, RunResult, Runner, SandboxError, StartOptions};
use std::os::fd::{AsRawFd, RawFd};
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
    /// Interactive runs that may be blocked in `input()` beside those: each keeps its
    /// processes, but the server gives its run slot to others while it waits.
    pub max_waiting: usize,
    /// The curriculum's sections an explanation may link to (see [`crate::Explanation`]).
    pub links: Arc<Links>,
    /// Explain the exception that ends a program (the sandbox only; on by default: off is the
    /// explainer benchmark's baseline).
    pub explain: bool,
    /// The curated packages, when installed: every run can import them.
    pub packages: Option<crate::packages::Packages>,
}

impl RunnerConfig {
    pub fn new(python: PythonInfo) -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        RunnerConfig {
            python,
            limits: Limits::default(),
            max_concurrent: cores * 4,
            max_waiting: 0,
            links: Arc::default(),
            explain: true,
            packages: None,
        }
    }

    /// Runs that may hold a unit (or a process) at once: those running and those waiting
    /// for input.
    pub fn in_flight(&self) -> usize {
        self.max_concurrent.max(1) + self.max_waiting
    }
}

/// Runs CPython as a plain child process (no namespaces): rlimits, timeout, output cap.
pub struct ProcessRunner {
    config: Arc<RunnerConfig>,
    slots: Arc<Semaphore>,
}

impl ProcessRunner {
    pub fn new(config: RunnerConfig) -> Self {
        let slots = Arc::new(Semaphore::new(config.in_flight()));
        ProcessRunner { config: Arc::new(config), slots }
    }
}

impl Runner for ProcessRunner {
    fn start_entry(&self, req: RunRequest, entry: Entry, opts: StartOptions) -> Result<RunHandle, SandboxError> {
        launch(&self.slots, self.config.clone(), req, entry, opts)
    }

    fn python(&self) -> &PythonInfo {
        &self.config.python
    }

    fn capacity(&self) -> usize {
        self.config.max_concurrent
    }
}

impl Backend for RunnerConfig {
    async fn execute(self: Arc<Self>, run: Run) {
        let Run { request, entry, channels, reply, .. } = run;
        // The run's folders are removed after the answer is on its way.
        match run_process(&self, request, entry, channels).await {
            Ok((result, _dirs)) => reply.send(Ok(result)),
            Err(e) => reply.send(Err(e)),
        }
    }
}

/// The run's folders: its own (`main.py` and the extra files), the tool's, and PyGuide's run
/// modules ([`crate::RUN_MODULES`]), apart.
struct Folders {
    work: tempfile::TempDir,
    tool: tempfile::TempDir,
    modules: tempfile::TempDir,
}

fn folders(req: &RunRequest) -> std::io::Result<Folders> {
    let work = tempfile::Builder::new().prefix("pyguide-run-").tempdir()?;
    std::fs::write(work.path().join("main.py"), &req.code)?;
    for (name, content) in &req.files {
        std::fs::write(work.path().join(name), content)?;
    }
    // The inspector lives apart, so the traced program's folder holds only its own files.
    let tool = tempfile::Builder::new().prefix("pyguide-tool-").tempdir()?;
    let modules = tempfile::Builder::new().prefix("pyguide-modules-").tempdir()?;
    for (name, source) in crate::RUN_MODULES {
        std::fs::write(modules.path().join(name), source)?;
    }
    Ok(Folders { work, tool, modules })
}

/// The descriptor the program's process has its picture channel on.
const PICTURE_FD: RawFd = 3;

/// The command that runs `entry` in `dirs`, with the learner's environment.
fn command(config: &RunnerConfig, entry: &Entry, dirs: &Folders, stdin: &StdinSource) -> std::io::Result<Command> {
    let mut cmd = Command::new(&config.python.executable);
    // No -E: the environment is PyGuide's own (cleared below), and PYTHONPATH is needed: the
    // run modules ahead of the standard library, as in the sandbox.
    cmd.args(["-s", "-u"]);
    // The picture module (and the packages) are importable from the tool's folder.
    std::fs::write(dirs.tool.path().join(crate::picture::PICTURES_MODULE.to_string() + ".py"), crate::PICTURES_PY)?;
    let mut path = vec![dirs.modules.path().display().to_string(), dirs.tool.path().display().to_string()];
    let mut packages_env = Vec::new();
    if let Some(p) = &config.packages {
        for (k, v) in crate::packages::env(&p.dir) {
            match k {
                "PYTHONPATH" => path.push(v),
                _ => packages_env.push((k, v)),
            }
        }
    }
    match entry.tool() {
        None => {
            cmd.arg("main.py");
        }
        Some(tool) => {
            let path = dirs.tool.path().join(tool.name);
            std::fs::write(&path, tool.source)?;
            for (name, text) in &tool.files {
                std::fs::write(dirs.tool.path().join(name), text)?;
            }
            cmd.arg(path).arg(dirs.work.path().join("main.py"));
        }
    }
    cmd.current_dir(dirs.work.path())
        .env_clear()
        .envs(crate::LEARNER_ENV.iter().copied())
        .env("HOME", dirs.work.path())
        .env("TMPDIR", dirs.work.path())
        .env("PYTHONPATH", path.join(":"))
        .envs(packages_env)
        .env(crate::picture::PICTURES_ENV, format!("{PICTURE_FD},{}", crate::MAX_PICTURES))
        .stdin(if matches!(stdin, StdinSource::None) { Stdio::null() } else { Stdio::piped() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    Ok(cmd)
}

async fn run_process(
    config: &RunnerConfig,
    req: RunRequest,
    entry: Entry,
    channels: Channels,
) -> Result<(RunResult, Folders), SandboxError> {
    let limits = entry.limits(&config.limits);
    let dirs = folders(&req).map_err(SandboxError::io("preparing the run's folder"))?;
    let mut cmd = command(config, &entry, &dirs, &channels.stdin).map_err(SandboxError::io("writing the tool"))?;
    let rl = RlimitPlan::new(&limits);
    let (pictures, theirs) =
        crate::supervise::picture_channel().map_err(SandboxError::io("making the picture channel"))?;
    let theirs_fd = theirs.as_raw_fd();
    // SAFETY: the closure runs between fork and exec and only calls async-signal-safe
    // functions (setsid, setrlimit, dup2, fcntl) on values computed before the fork.
    unsafe {
        cmd.pre_exec(move || {
            rl.apply()?;
            give_picture_fd(theirs_fd)
        });
    }
    let started = Instant::now();
    let spawned = cmd.spawn();
    drop(theirs); // the child's now
    let mut child = spawned.map_err(SandboxError::io("starting Python"))?;
    let pid = child.id().map(|p| p as i32);
    let stdin_pipe = child.stdin.as_ref().and_then(|w| pipe_inode(std::os::fd::AsRawFd::as_raw_fd(w)));
    let waiting_for_input: Option<Box<dyn Fn() -> bool + Send + Sync>> =
        match (matches!(channels.stdin, StdinSource::Interactive(_)), pid, stdin_pipe) {
            (true, Some(pid), Some(ino)) => Some(Box::new(move || run_waits_for_input(&[pid], ino))),
            _ => None,
        };
    let missing = |what: &str| SandboxError::Internal(format!("the child process has no {what} pipe"));
    let io = Io {
        stdin: child.stdin.take(),
        stdout: child.stdout.take().ok_or_else(|| missing("stdout"))?,
        stderr: child.stderr.take().ok_or_else(|| missing("stderr"))?,
        waiting_for_input,
        pictures: Some(crate::supervise::server_end(pictures).map_err(SandboxError::io("the picture channel"))?),
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
    let s = supervise(channels, Program { limits, started, io, exit, kill }).await;
    Ok((s.into_result(false), dirs))
}

/// In the child: the picture channel's end `fd` becomes [`PICTURE_FD`], kept across exec.
fn give_picture_fd(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: plain syscalls on descriptors this process has.
    let rc = unsafe {
        if fd == PICTURE_FD {
            libc::fcntl(fd, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, PICTURE_FD)
        }
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
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

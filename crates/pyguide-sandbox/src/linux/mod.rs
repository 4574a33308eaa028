//! The hardened Linux sandbox: namespaces, a minimal read-only root, an unprivileged user with
//! no capabilities, seccomp, and a cgroup per run — behind the same [`Runner`] trait as the
//! plain runner, with a pre-warmed interpreter that forks per run.
//!
//! Layers, from the outside in:
//! - the server makes a cgroup per run (memory without swap, pids) and kills it as a whole;
//! - `pyguide __sandbox-init` ([`init`]) builds the root and namespaces once, and executes the
//!   zygote (`python/zygote.py`) as root of a user namespace that maps only unprivileged ids;
//! - per run the zygote forks into new mount and PID namespaces with fresh tmpfs mounts, and
//!   the learner's process drops to uid 1000 with no capabilities, no_new_privs, rlimits and
//!   the seccomp filters built in [`seccomp`].

mod cgroup;
pub mod init;
mod rootfs;
mod seccomp;
mod syscalls;
mod unit;
mod zygote;

pub use init::{init_main, INIT_ARG};

use crate::supervise::{supervise, Exit, Io, StdinSource};
use crate::{launch, Entry, Event, PythonInfo, RunError, RunHandle, RunRequest, Runner, RunnerConfig, StartOptions};
use cgroup::{Cgroups, RunCgroup, Weight};
use rootfs::Plan;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot, Semaphore};
use zygote::{Answer, Zygote};

/// The zygote program, shipped inside the binary.
const ZYGOTE_PY: &str = include_str!("../../../../python/zygote.py");
/// Host ids 100000..165535 are the sandbox's ids 0..65535 (the learner is 1000 → 101000).
pub const ID_BASE: u32 = 100_000;

/// Spare cgroups the interpreter holds for future units, and runs waiting for their unit.
#[derive(Default)]
struct Books {
    spares: HashMap<u64, RunCgroup>,
    waiting: HashMap<u64, oneshot::Sender<Answer>>,
}

struct Shared {
    config: RunnerConfig,
    cgroups: Cgroups,
    plan: Plan,
    init_exe: PathBuf,
    zygote: Mutex<Zygote>,
    books: Arc<Mutex<Books>>,
    next_id: AtomicU64,
    /// One permit per run still cleaning up.
    cleanups: Arc<Semaphore>,
    warm_units: usize,
}

const MAX_CLEANUPS: u32 = 4096;

/// Forks refused at the pids limit after which a run counts as a fork bomb and is ended.
const FORK_BOMB_REFUSALS: u64 = 64;

/// Units the interpreter keeps ready or in the making: four per core, from eight to 32 (an idle
/// unit holds about 2 MB). Making a unit takes little CPU but waits on the kernel (joining its
/// cgroup waits for an RCU grace period, 5-30 ms on a busy machine), so several are in the
/// making at once.
fn warm_units() -> usize {
    (std::thread::available_parallelism().map_or(1, |n| n.get()) * 4).clamp(8, 32)
}

/// Spare cgroups: one per warm unit, plus two in flight.
fn spare_cgroups(warm_units: usize) -> usize {
    warm_units + 2
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
        let warm_units = warm_units();
        let hex = |f: &Vec<u8>| f.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let limits = &config.limits;
        let zygote_config = serde_json::json!({
            "unit_filters": filters.unit.iter().map(hex).collect::<Vec<_>>(),
            "learner_filter": hex(&filters.learner),
            "unit_init_fd": unit::UNIT_INIT_FD,
            "fork_into": init::FORK_INTO_SO,
            "cpu_secs": limits.cpu_secs,
            "file_bytes": limits.file_size_bytes,
            "warm_units": warm_units,
        });
        let plan = Plan {
            binds: paths.binds,
            hide: paths.hide,
            devices: ["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"].iter().map(PathBuf::from).collect(),
            python: config.python.executable.clone(),
            args: vec!["-E".into(), "-s".into(), "-u".into(), "-c".into(), ZYGOTE_PY.into(), zygote_config.to_string()],
            id_base: ID_BASE,
            mounts: unit::UnitMounts { tmpfs_bytes: limits.file_size_bytes, tmpfs_inodes: 1024, shm_bytes: 16 << 20 },
        };
        let books = Arc::new(Mutex::new(Books::default()));
        let zygote = start_zygote(init_exe, &plan, &books).map_err(|e| explain(&e))?;
        tracing::info!(zygote = zygote.pid(), binds = plan.binds.len(), "sandbox ready");
        let slots = Arc::new(Semaphore::new(config.max_concurrent.max(1)));
        let shared = Shared {
            config,
            cgroups,
            plan,
            init_exe: init_exe.to_path_buf(),
            zygote: Mutex::new(zygote),
            books,
            next_id: AtomicU64::new(1),
            cleanups: Arc::new(Semaphore::new(MAX_CLEANUPS as usize)),
            warm_units,
        };
        for _ in 0..spare_cgroups(warm_units) {
            shared.send_spare().map_err(|e| format!("cgroups: {e}"))?;
        }
        Ok(SandboxRunner { shared: Arc::new(shared), slots })
    }

    /// The server's parent cgroups (tests check that runs leave nothing in them).
    pub fn cgroup_parents(&self) -> Vec<PathBuf> {
        self.shared.cgroups.parents()
    }

    /// Folders of the spare cgroups (held by warm units or waiting for one); any other run
    /// cgroup under the parents belongs to a run in flight, or was leaked.
    pub fn spare_cgroup_dirs(&self) -> Vec<PathBuf> {
        let b = self.shared.books.lock().unwrap_or_else(|p| p.into_inner());
        b.spares.values().flat_map(|cg| cg.dirs().to_vec()).collect()
    }

    /// Waits until no run is in flight or cleaning up.
    pub async fn quiesce(&self) {
        let n = u32::try_from(self.shared.config.max_concurrent.max(1)).unwrap_or(u32::MAX);
        drop(self.slots.acquire_many(n).await);
        drop(self.shared.cleanups.acquire_many(MAX_CLEANUPS).await);
    }

    /// How many units the interpreter keeps ready or in the making.
    pub fn warm_units(&self) -> usize {
        self.shared.warm_units
    }

    /// Host pid of the pre-warmed interpreter.
    pub fn zygote_pid(&self) -> u32 {
        self.shared.zygote.lock().unwrap_or_else(|p| p.into_inner()).pid()
    }
}

/// Starts the interpreter and routes its answers: run → the waiting run; a lost unit → its
/// cgroup is removed; the interpreter gone → every waiting run fails.
fn start_zygote(init_exe: &Path, plan: &Plan, books: &Arc<Mutex<Books>>) -> Result<Zygote, String> {
    let zygote = Zygote::spawn(init_exe, plan)?;
    let books = books.clone();
    zygote.listen(move |answer| {
        let mut b = books.lock().unwrap_or_else(|p| p.into_inner());
        match answer {
            Some(a) => {
                if let Some(run) = a.get("run").and_then(|r| r.as_u64()) {
                    if let Some(tx) = b.waiting.remove(&run) {
                        let _ = tx.send(a);
                    }
                } else if let Some(id) = a.get("lost_cgroup").and_then(|r| r.as_u64()) {
                    if let Some(cg) = b.spares.remove(&id) {
                        tokio_free_remove(cg);
                    }
                }
            }
            None => b.waiting.clear(),
        }
    });
    Ok(zygote)
}

/// Removes a cgroup from a thread of its own (callers may not be in a Tokio runtime).
fn tokio_free_remove(cg: RunCgroup) {
    std::thread::spawn(move || {
        if let Err(e) = cg.remove_blocking() {
            tracing::error!(error = %e, "could not remove a cgroup");
        }
    });
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
        launch(&self.slots, req, opts, move |req, events, stdin, mut stop_rx, reply| async move {
            let mut reply = Some(reply);
            if let Err(e) = execute(&shared, req, entry, events, stdin, &mut stop_rx, &mut reply).await {
                tracing::error!(error = %e, "sandbox run failed");
                if let Some(tx) = reply.take() {
                    tx.send(crate::process::internal_failure());
                }
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
    /// Sends one message and its descriptors. If the interpreter died, it is restarted; the
    /// message is sent again only when `retry` (a run's message is not: that run fails).
    fn send(&self, msg: &[u8], fds: &[RawFd], retry: bool) -> std::io::Result<()> {
        let mut z = self.zygote.lock().unwrap_or_else(|p| p.into_inner());
        match z.send(msg, fds) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "sandbox interpreter lost; restarting it");
                let lost: Vec<RunCgroup> = {
                    let mut b = self.books.lock().unwrap_or_else(|p| p.into_inner());
                    b.waiting.clear();
                    b.spares.drain().map(|(_, cg)| cg).collect()
                };
                lost.into_iter().for_each(tokio_free_remove);
                *z = start_zygote(&self.init_exe, &self.plan, &self.books).map_err(std::io::Error::other)?;
                drop(z);
                for _ in 0..spare_cgroups(self.warm_units) {
                    self.send_spare()?;
                }
                if retry {
                    self.zygote.lock().unwrap_or_else(|p| p.into_inner()).send(msg, fds)
                } else {
                    Err(std::io::Error::other(format!("the sandbox interpreter had died ({e}); it was restarted")))
                }
            }
        }
    }

    /// Makes a cgroup for a future unit and hands it to the interpreter.
    fn send_spare(&self) -> std::io::Result<()> {
        let limits = &self.config.limits;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let cg = self.cgroups.create_run(id, limits.memory_bytes, limits.max_processes)?;
        let fds: Vec<RawFd> = cg.procs.iter().map(|f| f.as_raw_fd()).collect();
        let msg = serde_json::json!({ "op": "cgroup", "id": id });
        self.books.lock().unwrap_or_else(|p| p.into_inner()).spares.insert(id, cg);
        let sent = self.send(msg.to_string().as_bytes(), &fds, true);
        // The interpreter has its own copies now; ours close when the spare is removed.
        if let Err(e) = &sent {
            if let Some(cg) = self.books.lock().unwrap_or_else(|p| p.into_inner()).spares.remove(&id) {
                tokio_free_remove(cg);
            }
            tracing::warn!(error = %e, "could not hand a cgroup to the sandbox");
        }
        sent
    }

    /// Hands a run to a warm unit; answers the cgroup the run lives in.
    async fn hand_over(self: &Arc<Self>, fds: &[RawFd]) -> std::io::Result<RunCgroup> {
        let run = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.books.lock().unwrap_or_else(|p| p.into_inner()).waiting.insert(run, tx);
        let msg = serde_json::json!({ "op": "run", "run": run }).to_string();
        if let Err(e) = self.send(msg.as_bytes(), fds, false) {
            self.books.lock().unwrap_or_else(|p| p.into_inner()).waiting.remove(&run);
            return Err(e);
        }
        // The cgroup of the unit that replaces the one this run takes: made on another thread
        // after the run is sent, so the run does not wait for it. That thread holds a cleanup
        // permit, so that `quiesce` waits for it too.
        let shared = self.clone();
        let permit = self.cleanups.clone().try_acquire_owned().ok();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            if let Err(e) = shared.send_spare() {
                tracing::warn!(error = %e, "no spare cgroup for the next unit");
            }
        });
        self.claim(run, rx).await
    }

    async fn claim(&self, run: u64, rx: oneshot::Receiver<Answer>) -> std::io::Result<RunCgroup> {
        let answer = tokio::time::timeout(std::time::Duration::from_secs(20), rx)
            .await
            .map_err(|_| std::io::Error::other("the sandbox did not take the run in time"))?
            .map_err(|_| std::io::Error::other("the sandbox interpreter went away"))?;
        let cg_id = answer.get("cgroup").and_then(|c| c.as_u64()).unwrap_or(u64::MAX);
        let cg = self.books.lock().unwrap_or_else(|p| p.into_inner()).spares.remove(&cg_id);
        let cg = cg.ok_or_else(|| std::io::Error::other(format!("run {run}: unknown cgroup {cg_id}")))?;
        if let Some(e) = answer.get("error") {
            tokio_free_remove(cg);
            return Err(std::io::Error::other(e.to_string()));
        }
        cg.set_weight(Weight::Full);
        Ok(cg)
    }
}

async fn execute(
    shared: &Arc<Shared>,
    req: RunRequest,
    entry: Entry,
    events: Option<mpsc::UnboundedSender<Event>>,
    stdin: StdinSource,
    stop_rx: &mut oneshot::Receiver<()>,
    reply: &mut Option<crate::Reply>,
) -> std::io::Result<()> {
    let limits = &entry.limits(&shared.config.limits);
    let started = Instant::now();
    let (stdin_r, stdin_w) = pipe()?;
    let (stdout_r, stdout_w) = pipe()?;
    let (stderr_r, stderr_w) = pipe()?;
    let (status_r, status_w) = pipe()?;
    let (payload_r, payload_w) = pipe()?;
    let fds =
        [stdin_r.as_raw_fd(), stdout_w.as_raw_fd(), stderr_w.as_raw_fd(), status_w.as_raw_fd(), payload_r.as_raw_fd()];
    // The payload is written at once, not after the interpreter's answer: the unit reads it
    // as soon as it has the run, and waiting for the answer first was a round trip on every run.
    let tool = match entry.tool() {
        None => serde_json::Value::Null,
        Some(t) => serde_json::json!({
            "name": t.name,
            "source": t.source,
            "files": t.files.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        }),
    };
    let payload = serde_json::json!({ "code": req.code, "files": req.files, "tool": tool }).to_string();
    let mut payload_w = pipe::Sender::from_owned_fd(payload_w)?;
    tokio::spawn(async move {
        let _ = payload_w.write_all(payload.as_bytes()).await;
    });
    let cg = Arc::new(shared.hand_over(&fds).await?);
    drop((stdin_r, stdout_w, stderr_w, status_w, payload_r));

    let waiting_for_input: Option<Box<dyn Fn() -> bool + Send + Sync>> =
        match (matches!(stdin, StdinSource::Interactive(_)), crate::supervise::pipe_inode(stdin_w.as_raw_fd())) {
            (true, Some(ino)) => {
                let cg = cg.clone();
                Some(Box::new(move || cg.pids().into_iter().any(|pid| crate::supervise::reads_input(pid, ino))))
            }
            _ => None,
        };
    let stdin_w = pipe::Sender::from_owned_fd(stdin_w)?;
    let io = Io {
        stdin: (!matches!(stdin, StdinSource::None)).then_some(stdin_w),
        stdout: pipe::Receiver::from_owned_fd(stdout_r)?,
        stderr: pipe::Receiver::from_owned_fd(stderr_r)?,
        waiting_for_input,
    };
    let mut status = pipe::Receiver::from_owned_fd(status_r)?;
    let exit = async move {
        // The first line is the answer: H's own, or G's when H died without writing one.
        let mut buf = Vec::new();
        let mut chunk = [0u8; 256];
        while !buf.contains(&b'\n') {
            match status.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
        parse_status(line)
    };
    let killer = cg.clone();
    // A fork bomb at its pids limit keeps the kernel busy refusing forks, which slows every
    // other run: a run refused that often is ended, like a run over its memory.
    let watcher = cg.clone();
    let bombed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = bombed.clone();
    let watch = tokio::spawn(async move {
        // The first look after 10 ms: most runs are over by then and never pay for it. A run
        // still going then gives way to the runs that start after it, except while its forks
        // are being refused: a process refused a fork is inside the kernel's fork path, and
        // every other fork on the machine (those that make the next units included) can end
        // up waiting for it, so it must not wait long for a CPU. It is ended soon anyway.
        let every = std::time::Duration::from_millis(10);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let mut refused = 0;
        loop {
            tick.tick().await;
            let now = watcher.forks_refused();
            if now > FORK_BOMB_REFUSALS {
                flag.store(true, Ordering::Relaxed);
                watcher.kill_all();
                return;
            }
            watcher.set_weight(if now > refused { Weight::Full } else { Weight::GiveWay });
            refused = now;
        }
    });
    let s = supervise(limits, started, io, stdin, events, exit, move || killer.kill_all(), stop_rx).await;
    watch.abort();
    let _ = watch.await; // the watcher's handle on the cgroup is dropped before the cleanup
    let mut result = s.into_result(cg.oom_killed());
    if bombed.load(Ordering::Relaxed) {
        result.stderr.push_str(&format!(
            "\nPyGuide stopped the program: it kept trying to start more than {} processes or threads at once.\n",
            limits.max_processes
        ));
    }
    // Cleanup happens after the answer (the slot is free again); `quiesce` waits for it. The
    // cleanup permit is taken before answering, so a quiesce after the answer sees it.
    let cleaning = shared.cleanups.clone().acquire_owned().await;
    if let Some(tx) = reply.take() {
        tx.send(result);
    }
    // On a thread of its own: removing a cgroup waits for the kernel's cgroup lock, which a
    // unit joining its cgroup can hold for a long while on a busy machine (hundreds of
    // milliseconds with a fork bomb about), and the server's async workers must never wait.
    match Arc::try_unwrap(cg) {
        Ok(cg) => {
            tokio::task::spawn_blocking(move || {
                let _cleaning = cleaning;
                if let Err(e) = cg.remove_blocking() {
                    tracing::error!(error = %e, "could not remove a run's cgroup");
                }
            });
        }
        Err(_) => tracing::error!("a run's cgroup is still referenced"),
    }
    Ok(())
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

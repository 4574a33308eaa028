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
//!   the seccomp filters built in [`seccomp`]; the zygote hands the ready unit to the server,
//!   which sends it the run.

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
use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot, Semaphore};
use zygote::Zygote;

/// The zygote program, shipped inside the binary.
const ZYGOTE_PY: &str = include_str!("../../../../python/zygote.py");
/// Host ids 100000..165535 are the sandbox's ids 0..65535 (the learner is 1000 → 101000).
pub const ID_BASE: u32 = 100_000;

/// A unit ready for a run: its cgroup, and the sockets to its init (G) and to its process (H).
struct ReadyUnit {
    cg_id: u64,
    g: OwnedFd,
    h: OwnedFd,
}

/// The server's side of the units: spare cgroups (each held by a unit in the making or ready),
/// ready units, and runs waiting for one.
#[derive(Default)]
struct Books {
    spares: HashMap<u64, RunCgroup>,
    /// Cgroups made ahead and not yet handed to the interpreter: a unit taken is replaced at
    /// once with one of these, without waiting for the kernel to make a cgroup.
    held: VecDeque<RunCgroup>,
    ready: VecDeque<ReadyUnit>,
    waiting: VecDeque<oneshot::Sender<ReadyUnit>>,
    /// Units lost while being made, whose cgroups are to be replaced.
    lost: usize,
    /// Why the last unit could not be made, and when such a reason was last logged.
    unit_error: Option<String>,
    logged: Option<Instant>,
    /// The interpreter this generation of the books belongs to, and whether it went away.
    generation: u64,
    gone: bool,
}

impl Books {
    /// Hands `unit` to the oldest run still waiting, or keeps it ready.
    fn offer(&mut self, mut unit: ReadyUnit) {
        while let Some(tx) = self.waiting.pop_front() {
            match tx.send(unit) {
                Ok(()) => return,
                Err(u) => unit = u, // that run gave up waiting
            }
        }
        self.ready.push_back(unit);
    }

    /// Records why a unit could not be made; logs it, at most every ten seconds.
    fn unit_failed(&mut self, error: String) {
        if self.logged.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
            tracing::error!(error = %error, "the sandbox could not make a unit");
            self.logged = Some(Instant::now());
        }
        self.unit_error = Some(error);
    }
}

fn lock(books: &Mutex<Books>) -> MutexGuard<'_, Books> {
    books.lock().unwrap_or_else(|p| p.into_inner())
}

struct Shared {
    config: RunnerConfig,
    cgroups: Cgroups,
    plan: Plan,
    init_exe: PathBuf,
    zygote: Mutex<Zygote>,
    books: Arc<Mutex<Books>>,
    /// Signalled when the books change (a unit is ready or lost, the interpreter went away).
    changed: Arc<Condvar>,
    next_id: AtomicU64,
    /// One permit per run still cleaning up.
    cleanups: Arc<Semaphore>,
    warm_units: usize,
}

const MAX_CLEANUPS: u32 = 4096;

/// Forks refused at the pids limit after which a run counts as a fork bomb and is ended.
const FORK_BOMB_REFUSALS: u64 = 64;

/// Units kept ready or in the making: four per core, from eight to 32 (an idle unit holds
/// about 2 MB). Making a unit takes little CPU but waits on the kernel (joining its cgroup
/// waits for an RCU grace period, 5-30 ms on a busy machine), so several are in the making at
/// once. Each has a spare cgroup of its own: the server keeps this many spares.
fn warm_units() -> usize {
    (std::thread::available_parallelism().map_or(1, |n| n.get()) * 4).clamp(8, 32)
}

/// Cgroups the server keeps made ahead (see `Books::held`).
const HELD_CGROUPS: usize = 2;

/// How long a run waits for a unit (and the start-up for the first one).
const UNIT_WAIT: Duration = Duration::from_secs(20);

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
        let changed = Arc::new(Condvar::new());
        let zygote = start_zygote(init_exe, &plan, &books, &changed).map_err(|e| explain(&e))?;
        tracing::info!(zygote = zygote.pid(), binds = plan.binds.len(), "sandbox ready");
        let slots = Arc::new(Semaphore::new(config.max_concurrent.max(1)));
        let shared = Shared {
            config,
            cgroups,
            plan,
            init_exe: init_exe.to_path_buf(),
            zygote: Mutex::new(zygote),
            books,
            changed,
            next_id: AtomicU64::new(1),
            cleanups: Arc::new(Semaphore::new(MAX_CLEANUPS as usize)),
            warm_units,
        };
        for _ in 0..warm_units {
            shared.send_spare().map_err(|e| format!("cgroups: {e}"))?;
        }
        for _ in 0..HELD_CGROUPS {
            let cg = shared.make_cgroup().map_err(|e| format!("cgroups: {e}"))?;
            lock(&shared.books).held.push_back(cg);
        }
        if let Err(e) = shared.first_unit() {
            // Nothing of a sandbox that cannot run programs stays behind.
            let spares: Vec<RunCgroup> = {
                let mut b = lock(&shared.books);
                let held: Vec<RunCgroup> = b.held.drain(..).collect();
                b.spares.drain().map(|(_, cg)| cg).chain(held).collect()
            };
            drop(shared);
            for cg in spares {
                let _ = cg.remove_blocking();
            }
            return Err(e);
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
        let b = lock(&self.shared.books);
        b.spares.values().chain(b.held.iter()).flat_map(|cg| cg.dirs().to_vec()).collect()
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

/// Starts the interpreter and routes its messages: a ready unit goes to the oldest waiting run
/// or into the books; a lost unit's cgroup is removed (and replaced by the next run); the
/// interpreter gone, every waiting run fails and the next run starts a new one.
fn start_zygote(
    init_exe: &Path,
    plan: &Plan,
    books: &Arc<Mutex<Books>>,
    changed: &Arc<Condvar>,
) -> Result<Zygote, String> {
    let zygote = Zygote::spawn(init_exe, plan)?;
    let generation = {
        let mut b = lock(books);
        b.generation += 1;
        b.gone = false;
        b.generation
    };
    let (books, changed) = (books.clone(), changed.clone());
    zygote.listen(move |message| {
        let mut b = lock(&books);
        match message {
            Some((a, mut fds)) => {
                if let Some(id) = a.get("unit").and_then(|r| r.as_u64()) {
                    if let (Some(h), Some(g)) = (fds.pop(), fds.pop()) {
                        b.offer(ReadyUnit { cg_id: id, g, h });
                    }
                } else if let Some(id) = a.get("lost_cgroup").and_then(|r| r.as_u64()) {
                    if let Some(cg) = b.spares.remove(&id) {
                        tokio_free_remove(cg);
                        b.lost += 1;
                    }
                    let error = a.get("error").and_then(|e| e.as_str()).unwrap_or("a unit was lost").to_string();
                    b.unit_failed(error);
                } else if let Some(e) = a.get("unit_error").and_then(|e| e.as_str()) {
                    b.unit_failed(e.to_string());
                }
            }
            None if b.generation == generation => {
                b.gone = true;
                b.waiting.clear();
                b.ready.clear();
            }
            None => {}
        }
        changed.notify_all();
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
    /// Sends the interpreter one message and its descriptors. If the interpreter died, it is
    /// restarted (with a full set of spares) and the message sent again.
    fn send(&self, msg: &[u8], fds: &[RawFd]) -> std::io::Result<()> {
        let mut z = self.zygote.lock().unwrap_or_else(|p| p.into_inner());
        match z.send(msg, fds) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "sandbox interpreter lost; restarting it");
                let lost: Vec<RunCgroup> = {
                    let mut b = lock(&self.books);
                    b.waiting.clear();
                    b.ready.clear();
                    b.lost = 0;
                    b.spares.drain().map(|(_, cg)| cg).collect()
                };
                lost.into_iter().for_each(tokio_free_remove);
                *z = start_zygote(&self.init_exe, &self.plan, &self.books, &self.changed)
                    .map_err(std::io::Error::other)?;
                drop(z);
                // Every message sent here is a spare cgroup: with it sent again below, the new
                // interpreter has a full set.
                for _ in 1..self.warm_units {
                    self.send_spare()?;
                }
                self.zygote.lock().unwrap_or_else(|p| p.into_inner()).send(msg, fds)
            }
        }
    }

    /// Makes a cgroup for a future unit (with the run limits).
    fn make_cgroup(&self) -> std::io::Result<RunCgroup> {
        let limits = &self.config.limits;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.cgroups.create_run(id, limits.memory_bytes, limits.max_processes)
    }

    /// Makes a cgroup for a future unit and hands it to the interpreter.
    fn send_spare(&self) -> std::io::Result<()> {
        self.give_spare(self.make_cgroup()?)
    }

    /// Hands the cgroup `cg` to the interpreter for a unit.
    fn give_spare(&self, cg: RunCgroup) -> std::io::Result<()> {
        let id = cg.id();
        let fds: Vec<RawFd> = cg.procs.iter().map(|f| f.as_raw_fd()).collect();
        let msg = serde_json::json!({ "op": "cgroup", "id": id });
        lock(&self.books).spares.insert(id, cg);
        let sent = self.send(msg.to_string().as_bytes(), &fds);
        // The interpreter has its own copies now; ours close when the spare is removed.
        if let Err(e) = &sent {
            if let Some(cg) = lock(&self.books).spares.remove(&id) {
                tokio_free_remove(cg);
            }
            tracing::warn!(error = %e, "could not hand a cgroup to the sandbox");
        }
        sent
    }

    /// Waits until the first unit is ready: the sandbox's start-up proves that units can be
    /// made, or names why not.
    fn first_unit(&self) -> Result<(), String> {
        let deadline = Instant::now() + UNIT_WAIT;
        let mut b = lock(&self.books);
        while b.ready.is_empty() {
            if let Some(e) = &b.unit_error {
                return Err(format!("the sandbox cannot make a unit to run programs in: {e}"));
            }
            if b.gone {
                return Err("the sandbox's interpreter exited while making its first unit (see the log above)".into());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("the sandbox made no unit to run programs in within {} s", UNIT_WAIT.as_secs()));
            }
            b = self.changed.wait_timeout(b, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        Ok(())
    }

    /// Hands a run to a ready unit, sent straight to it (H gets the run's descriptors, G the
    /// status pipe); answers the cgroup the run lives in.
    async fn hand_over(self: &Arc<Self>, fds: &[RawFd]) -> std::io::Result<RunCgroup> {
        let deadline = tokio::time::Instant::now() + UNIT_WAIT;
        loop {
            let unit = self.take_unit(deadline).await?;
            let Some(cg) = lock(&self.books).spares.remove(&unit.cg_id) else {
                continue; // a unit of an interpreter that was restarted since
            };
            // Full weight before the run starts; the unit was made at a lower one.
            cg.set_weight(Weight::Full);
            // H first: if it is gone, the run takes another unit, and G must not have this
            // run's status pipe to report H's end on.
            if let Err(e) = unit::send_fds(unit.h.as_raw_fd(), b"run", &fds[..5], libc::MSG_DONTWAIT) {
                tracing::warn!(error = %e, "a ready sandbox unit was gone; the run takes another");
                lock(&self.books).lost += 1;
                tokio_free_remove(cg);
                continue;
            }
            // H has the run now. Without G (gone, and H with it as its namespace's init), the
            // status pipe closes without a line, and the run ends as lost.
            if let Err(e) = unit::send_fds(unit.g.as_raw_fd(), b"status", &fds[3..4], libc::MSG_DONTWAIT) {
                tracing::warn!(error = %e, "a sandbox unit's init was gone");
            }
            // The cgroup of the unit that replaces this one: made on another thread, so the
            // run does not wait for it.
            self.replenish(1);
            return Ok(cg);
        }
    }

    /// The oldest ready unit, or the next one made (until `deadline`).
    async fn take_unit(self: &Arc<Self>, deadline: tokio::time::Instant) -> std::io::Result<ReadyUnit> {
        let rx = {
            let mut b = lock(&self.books);
            if let Some(unit) = b.ready.pop_front() {
                return Ok(unit);
            }
            let (tx, rx) = oneshot::channel();
            b.waiting.push_back(tx);
            rx
        };
        // Lost units are replaced, and an interpreter that went away is started again.
        self.replenish(0);
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(unit)) => Ok(unit),
            Ok(Err(_)) => Err(std::io::Error::other("the sandbox interpreter went away")),
            Err(_) => {
                let why = lock(&self.books).unit_error.clone().unwrap_or_else(|| "none was ready".into());
                Err(std::io::Error::other(format!("no sandbox unit in {} s ({why})", UNIT_WAIT.as_secs())))
            }
        }
    }

    /// Hands the interpreter `extra` spare cgroups, one more for each unit lost since, and
    /// restarts the interpreter if it went away, on a thread of its own (making a cgroup waits
    /// for the kernel's cgroup lock). Cgroups made ahead go first; then as many are made again.
    /// The thread holds a cleanup permit, so that `quiesce` waits for it.
    fn replenish(self: &Arc<Self>, extra: usize) {
        let (n, gone) = {
            let mut b = lock(&self.books);
            (extra + std::mem::take(&mut b.lost), b.gone)
        };
        // Sending a spare is what notices a lost interpreter and starts a new one.
        let n = if gone { n.max(1) } else { n };
        if n == 0 {
            return;
        }
        let shared = self.clone();
        let permit = self.cleanups.clone().try_acquire_owned().ok();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            for _ in 0..n {
                let held = lock(&shared.books).held.pop_front();
                let sent = match held {
                    Some(cg) => shared.give_spare(cg),
                    None => shared.send_spare(),
                };
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "no spare cgroup for the next unit");
                }
            }
            while lock(&shared.books).held.len() < HELD_CGROUPS {
                match shared.make_cgroup() {
                    Ok(cg) => lock(&shared.books).held.push_back(cg),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not make a cgroup ahead");
                        break;
                    }
                }
            }
        });
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
    // The payload is written at once, before the run is handed over: the unit reads it as soon
    // as it has the run.
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

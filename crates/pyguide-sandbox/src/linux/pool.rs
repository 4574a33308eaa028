//! The units of one pre-warmed interpreter: the spare cgroups the server hands it, the ready
//! units it hands back, and the runs waiting for one. Everything here is off a run's path
//! except [`Pool::hand_over`], which gives a run to a ready unit.

use super::cgroup::{Cgroups, RunCgroup, Weight};
use super::fdpass::send_fds;
use super::protocol::Message;
use super::rootfs::Plan;
use super::zygote::Zygote;
use crate::{RunnerConfig, SandboxError};
use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, Semaphore};

/// A unit ready for a run: its cgroup, and the sockets to its init and to the program's
/// process.
struct ReadyUnit {
    cgroup: u64,
    init: OwnedFd,
    program: OwnedFd,
}

/// The run's side of a unit handed over: the descriptors it sent are the unit's now.
pub(super) struct RunPipes<'a> {
    /// stdin (read end), stdout, stderr (write ends), the payload (read end), then the
    /// program's end of the picture channel.
    pub program: [BorrowedFd<'a>; 5],
    /// The status pipe's write end: the program's process and the unit init both get it.
    pub status: BorrowedFd<'a>,
}

/// The pool's accounts: spare cgroups (each held by a unit in the making or ready), ready
/// units, and runs waiting for one.
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
    /// The pool is stopping: no interpreter is started again.
    stopping: bool,
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

    /// Every cgroup the books hold, taken out of them.
    fn take_cgroups(&mut self) -> Vec<RunCgroup> {
        let held: Vec<RunCgroup> = self.held.drain(..).collect();
        self.spares.drain().map(|(_, cg)| cg).chain(held).collect()
    }
}

fn lock(books: &Mutex<Books>) -> MutexGuard<'_, Books> {
    books.lock().unwrap_or_else(|p| p.into_inner())
}

/// Cgroups the server keeps made ahead (see `Books::held`).
const HELD_CGROUPS: usize = 2;

/// How long a run waits for a unit (and the start-up for the first one).
const UNIT_WAIT: Duration = Duration::from_secs(20);

/// Most runs cleaning up at once (see [`Pool::cleanups`]).
pub(super) const MAX_CLEANUPS: u32 = 4096;

/// Units kept ready or in the making: four per core, from eight to 32 (an idle unit holds
/// about 2 MB). Making a unit takes little CPU but waits on the kernel (joining its cgroup
/// waits for an RCU grace period on a busy machine), so several are in the making at once.
/// Each has a spare cgroup of its own: the server keeps this many spares.
fn warm_units() -> usize {
    (std::thread::available_parallelism().map_or(1, |n| n.get()) * 4).clamp(8, 32)
}

/// One pre-warmed interpreter and its units.
pub(super) struct Pool {
    pub config: RunnerConfig,
    pub cgroups: Arc<Cgroups>,
    plan: Plan,
    init_exe: PathBuf,
    zygote: Mutex<Option<Zygote>>,
    books: Arc<Mutex<Books>>,
    /// Signalled when the books change (a unit is ready or lost, the interpreter went away).
    changed: Arc<Condvar>,
    next_id: Arc<AtomicU64>,
    /// One permit per run still cleaning up (and per replenishing thread): `quiesce` and
    /// `shutdown` wait for them.
    pub cleanups: Arc<Semaphore>,
    pub warm_units: usize,
}

impl Pool {
    /// Starts the interpreter, hands it its spare cgroups and waits for its first unit: a pool
    /// that cannot make one says why and leaves no cgroup behind.
    pub fn start(
        config: RunnerConfig,
        cgroups: Arc<Cgroups>,
        plan: Plan,
        init_exe: PathBuf,
        next_id: Arc<AtomicU64>,
    ) -> Result<Pool, SandboxError> {
        let pool = Pool {
            config,
            cgroups,
            plan,
            init_exe,
            zygote: Mutex::new(None),
            books: Arc::new(Mutex::new(Books::default())),
            changed: Arc::new(Condvar::new()),
            next_id,
            cleanups: Arc::new(Semaphore::new(MAX_CLEANUPS as usize)),
            warm_units: warm_units(),
        };
        let started = pool.start_interpreter().and_then(|()| {
            for _ in 0..pool.warm_units {
                pool.send_spare().map_err(SandboxError::io("handing the interpreter a cgroup"))?;
            }
            for _ in 0..HELD_CGROUPS {
                let cg = pool.make_cgroup().map_err(SandboxError::io("making a cgroup"))?;
                lock(&pool.books).held.push_back(cg);
            }
            pool.first_unit()
        });
        match started {
            Ok(()) => Ok(pool),
            Err(e) => {
                pool.stop();
                Err(e)
            }
        }
    }

    /// Host pid of the interpreter.
    pub fn zygote_pid(&self) -> Option<u32> {
        self.zygote.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(Zygote::pid)
    }

    /// Folders of the spare cgroups (held by warm units or made ahead).
    /// Units ready to take a run now.
    pub fn ready_units(&self) -> usize {
        lock(&self.books).ready.len()
    }

    pub fn spare_folders(&self) -> Vec<PathBuf> {
        let b = lock(&self.books);
        b.spares.values().chain(b.held.iter()).flat_map(RunCgroup::folders).collect()
    }

    /// Stops the interpreter (and with it every unit, ready or warming) and removes every
    /// cgroup the pool holds. Runs in flight are ended by their own cgroups' removal.
    pub fn stop(&self) {
        let cgroups = {
            let mut b = lock(&self.books);
            b.stopping = true;
            b.waiting.clear();
            b.ready.clear();
            b.take_cgroups()
        };
        drop(self.zygote.lock().unwrap_or_else(|p| p.into_inner()).take());
        for cg in cgroups {
            if let Err(e) = cg.remove_blocking() {
                tracing::error!(error = %e, "could not remove a spare cgroup");
            }
        }
    }

    /// Starts the interpreter and routes its messages: a ready unit goes to the oldest waiting
    /// run or into the books; a lost unit's cgroup is removed (and replaced by the next run);
    /// the interpreter gone, every waiting run fails and the next run starts a new one.
    fn start_interpreter(&self) -> Result<(), SandboxError> {
        let zygote = Zygote::spawn(&self.init_exe, &self.plan)?;
        tracing::info!(zygote = zygote.pid(), binds = self.plan.binds.len(), "sandbox interpreter ready");
        let generation = {
            let mut b = lock(&self.books);
            b.generation += 1;
            b.gone = false;
            b.generation
        };
        let (books, changed) = (self.books.clone(), self.changed.clone());
        zygote.listen(move |message| {
            let mut b = lock(&books);
            match message {
                Some((Message::UnitReady { cgroup }, fds)) => {
                    if let Ok([init, program]) = <[OwnedFd; 2]>::try_from(fds) {
                        b.offer(ReadyUnit { cgroup, init, program });
                    }
                }
                Some((Message::UnitLost { cgroup, error }, _)) => {
                    if let Some(cg) = b.spares.remove(&cgroup) {
                        remove_later(cg);
                        b.lost += 1;
                    }
                    b.unit_failed(error);
                }
                Some((Message::UnitError { error }, _)) => b.unit_failed(error),
                Some((other, _)) => {
                    tracing::error!(message = ?other, "unexpected message from the sandbox interpreter")
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
        *self.zygote.lock().unwrap_or_else(|p| p.into_inner()) = Some(zygote);
        Ok(())
    }

    /// Sends the interpreter one message and its descriptors. If the interpreter died, it is
    /// restarted (with a full set of spares) and the message sent again.
    fn send(&self, msg: &Message, fds: &[BorrowedFd<'_>]) -> std::io::Result<()> {
        let sent = match self.zygote.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(z) => z.send(msg, fds),
            None => Err(std::io::Error::from(std::io::ErrorKind::NotConnected)),
        };
        match sent {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Err(e),
            Err(e) if lock(&self.books).stopping => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "sandbox interpreter lost; restarting it");
                let lost = {
                    let mut b = lock(&self.books);
                    b.waiting.clear();
                    b.ready.clear();
                    b.lost = 0;
                    b.spares.drain().map(|(_, cg)| cg).collect::<Vec<_>>()
                };
                lost.into_iter().for_each(remove_later);
                self.start_interpreter().map_err(std::io::Error::other)?;
                // Every message sent here is a spare cgroup: with it sent again below, the new
                // interpreter has a full set.
                for _ in 1..self.warm_units {
                    self.send_spare()?;
                }
                match self.zygote.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                    Some(z) => z.send(msg, fds),
                    None => Err(std::io::Error::from(std::io::ErrorKind::NotConnected)),
                }
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
        let files: Vec<OwnedFd> = cg.procs.iter().map(|f| f.as_fd().try_clone_to_owned()).collect::<Result<_, _>>()?;
        lock(&self.books).spares.insert(id, cg);
        let sent = self.send(&Message::Spare { cgroup: id }, &super::fdpass::borrow_all(&files));
        // The interpreter has its own copies now; ours close when the spare is removed.
        if let Err(e) = &sent {
            if let Some(cg) = lock(&self.books).spares.remove(&id) {
                remove_later(cg);
            }
            tracing::warn!(error = %e, "could not hand a cgroup to the sandbox");
        }
        sent
    }

    /// Waits until the first unit is ready: the sandbox's start-up proves that units can be
    /// made, or names why not.
    fn first_unit(&self) -> Result<(), SandboxError> {
        let deadline = Instant::now() + UNIT_WAIT;
        let mut b = lock(&self.books);
        while b.ready.is_empty() {
            if let Some(e) = &b.unit_error {
                return Err(SandboxError::UnitFailed(e.clone()));
            }
            if b.gone {
                return Err(SandboxError::InterpreterGone(
                    "it exited while making its first unit (see the log above)".into(),
                ));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(SandboxError::UnitFailed(format!("none was made within {} s", UNIT_WAIT.as_secs())));
            }
            b = self.changed.wait_timeout(b, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        Ok(())
    }

    /// Hands a run to a ready unit, sent straight to it (the program's process gets the run's
    /// descriptors, the unit init the status pipe); answers the cgroup the run lives in.
    pub async fn hand_over(self: &Arc<Self>, pipes: RunPipes<'_>) -> Result<RunCgroup, SandboxError> {
        let deadline = tokio::time::Instant::now() + UNIT_WAIT;
        loop {
            let unit = self.take_unit(deadline).await?;
            let Some(cg) = lock(&self.books).spares.remove(&unit.cgroup) else {
                continue; // a unit of an interpreter that was restarted since
            };
            // Full weight before the run starts; the unit was made at a lower one.
            cg.set_weight(Weight::Full);
            // The program's process first: if it is gone, the run takes another unit, and the
            // unit init must not have this run's status pipe to report its end on.
            let [stdin, stdout, stderr, payload, pictures] = pipes.program;
            let fds = [stdin, stdout, stderr, pipes.status, payload, pictures];
            if let Err(e) = send_fds(unit.program.as_fd(), &Message::Start.encode(), &fds, true) {
                tracing::warn!(error = %e, "a ready sandbox unit was gone; the run takes another");
                lock(&self.books).lost += 1;
                remove_later(cg);
                continue;
            }
            // The program's process has the run now. Without its init (gone, and the process
            // with it), the status pipe closes without a line, and the run ends as lost.
            if let Err(e) = send_fds(unit.init.as_fd(), &Message::StatusPipe.encode(), &[pipes.status], true) {
                tracing::warn!(error = %e, "a sandbox unit's init was gone");
            }
            // The cgroup of the unit that replaces this one: made on another thread, so the
            // run does not wait for it.
            self.replenish(1);
            return Ok(cg);
        }
    }

    /// The oldest ready unit, or the next one made (until `deadline`).
    async fn take_unit(self: &Arc<Self>, deadline: tokio::time::Instant) -> Result<ReadyUnit, SandboxError> {
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
            Ok(Err(_)) => Err(SandboxError::InterpreterGone("it went away while a run waited for a unit".into())),
            Err(_) => {
                let why = lock(&self.books).unit_error.clone().unwrap_or_else(|| "none was ready".into());
                Err(SandboxError::UnitFailed(format!("no unit in {} s ({why})", UNIT_WAIT.as_secs())))
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
            if b.stopping {
                return;
            }
            (extra + std::mem::take(&mut b.lost), b.gone)
        };
        // Sending a spare is what notices a lost interpreter and starts a new one.
        let n = if gone { n.max(1) } else { n };
        if n == 0 {
            return;
        }
        let pool = self.clone();
        let permit = self.cleanups.clone().try_acquire_owned().ok();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            for _ in 0..n {
                let held = lock(&pool.books).held.pop_front();
                let sent = match held {
                    Some(cg) => pool.give_spare(cg),
                    None => pool.send_spare(),
                };
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "no spare cgroup for the next unit");
                }
            }
            while lock(&pool.books).held.len() < HELD_CGROUPS && !lock(&pool.books).stopping {
                match pool.make_cgroup() {
                    Ok(cg) => lock(&pool.books).held.push_back(cg),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not make a cgroup ahead");
                        break;
                    }
                }
            }
        });
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Removes a cgroup from a thread of its own (callers may not be in a Tokio runtime, and
/// removing waits for the kernel's cgroup lock).
pub(super) fn remove_later(cg: RunCgroup) {
    std::thread::spawn(move || {
        if let Err(e) = cg.remove_blocking() {
            tracing::error!(error = %e, "could not remove a cgroup");
        }
    });
}

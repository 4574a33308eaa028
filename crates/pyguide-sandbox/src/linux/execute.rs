//! One run in a unit: its pipes, its payload, handing it over, watching its cgroup (fork
//! bombs, CPU over the whole run) and reading how it ended, then the answer and the cleanup.

use super::cgroup::{RunCgroup, Weight};
use super::pool::{Pool, RunPipes};
use super::protocol::{Message, Tool};
use crate::run::{Run, StdinSource};
use crate::supervise::{pipe_inode, run_waits_for_input, supervise, Exit, Io, Program};
use crate::{
    Entry, Explanation, Limits, Outcome, RunRequest, RunResult, SandboxError, TimeLimit, MAX_EXPLANATION_BYTES,
};
use rustix::pipe::{pipe_with, PipeFlags};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;

/// Forks refused at the pids limit after which a run counts as a fork bomb and is ended.
const FORK_BOMB_REFUSALS: u64 = 64;

/// The longest status line: `{"v": 1, "type": "exited", "code": 255}` and the like, with an
/// explanation of at most [`MAX_EXPLANATION_BYTES`]. Anything longer, or not a status message,
/// was written by the program itself.
const MAX_STATUS_LINE: usize = 128 + MAX_EXPLANATION_BYTES;

/// How often a run's cgroup is looked at (fork refusals, CPU used, its weight): the most CPU a
/// run can use past its limit is about this, times the cores.
const WATCH_EVERY: Duration = Duration::from_millis(10);

/// What the cgroup watcher ended a run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Ended {
    Not = 0,
    ForkBomb = 1,
    Cpu = 2,
}

/// Both ends of the run's pipes (and of its picture channel, a socket pair: the program waits
/// for an answer to each picture); the unit's ends are sent to it and closed here.
struct Pipes {
    stdin: (OwnedFd, OwnedFd),
    stdout: (OwnedFd, OwnedFd),
    stderr: (OwnedFd, OwnedFd),
    status: (OwnedFd, OwnedFd),
    payload: (OwnedFd, OwnedFd),
    /// (the server's end, the program's end)
    pictures: (OwnedFd, OwnedFd),
}

impl Pipes {
    fn new() -> std::io::Result<Pipes> {
        let p = || pipe_with(PipeFlags::CLOEXEC);
        let pictures = crate::supervise::picture_channel()?;
        Ok(Pipes { stdin: p()?, stdout: p()?, stderr: p()?, status: p()?, payload: p()?, pictures })
    }
}

/// What the program's process is sent to run.
fn payload(request: &RunRequest, entry: &Entry) -> Vec<u8> {
    let tool = entry.tool().map(|t| Tool {
        name: t.name.into(),
        source: t.source.into(),
        files: t.files.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    });
    Message::Program { code: request.code.clone(), files: request.files.clone(), tool }.encode()
}

/// Runs `run` in a unit of `pool` and sends its result.
pub(super) async fn run_in_unit(pool: Arc<Pool>, run: Run) {
    let Run { request, entry, channels, reply, .. } = run;
    let limits = entry.limits(&pool.config.limits);
    let started = Instant::now();
    let interactive = matches!(channels.stdin, StdinSource::Interactive(_));
    let (cg, io, status) =
        match start(&pool, &request, &entry, interactive, !matches!(channels.stdin, StdinSource::None)).await {
            Ok(started) => started,
            Err(e) => return reply.send(Err(e)),
        };
    let (watch, ended) = watch_cgroup(cg.clone(), &limits);
    let killer = cg.clone();
    let explained = Arc::new(Mutex::new(None));
    let exit = read_status(status, explained.clone());
    let program = Program { limits: limits.clone(), started, io, exit, kill: move || killer.kill_all() };
    let supervised = supervise(channels, program).await;
    watch.abort();
    let _ = watch.await; // the watcher's handle on the cgroup is dropped before the cleanup
    let mut result = supervised.into_result(cg.oom_killed());
    result.cpu_ms = cg.cpu_used().map(|d| d.as_secs_f64() * 1000.0);
    explain_watcher(&mut result, Ended::from(ended.load(Ordering::Relaxed)), &limits);
    // Only a program that ended with its own error is explained (not one PyGuide stopped).
    let sent = explained.lock().unwrap_or_else(|p| p.into_inner()).take();
    if result.outcome == Outcome::Error {
        result.explanation = sent.and_then(|v| Explanation::from_untrusted(v, &pool.config.links));
    }
    // Cleanup happens after the answer (the slot is free again); `quiesce` waits for it. The
    // cleanup permit is taken before answering, so a quiesce after the answer sees it.
    let cleaning = pool.cleanups.clone().acquire_owned().await;
    reply.send(Ok(result));
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
}

type UnitIo = Io<pipe::Sender, pipe::Receiver, pipe::Receiver>;

/// Makes the run's pipes, writes its payload and hands it to a ready unit: the run's cgroup,
/// its streams and its status pipe.
async fn start(
    pool: &Arc<Pool>,
    request: &RunRequest,
    entry: &Entry,
    interactive: bool,
    has_stdin: bool,
) -> Result<(Arc<RunCgroup>, UnitIo, pipe::Receiver), SandboxError> {
    let pipes = Pipes::new().map_err(SandboxError::io("making a run's pipes"))?;
    // The payload is written at once, before the run is handed over: the unit reads it as soon
    // as it has the run.
    let bytes = payload(request, entry);
    let mut payload_w = pipe::Sender::from_owned_fd(pipes.payload.1).map_err(SandboxError::io("payload pipe"))?;
    tokio::spawn(async move {
        let _ = payload_w.write_all(&bytes).await;
    });
    let handed = RunPipes {
        program: [
            pipes.stdin.0.as_fd(),
            pipes.stdout.1.as_fd(),
            pipes.stderr.1.as_fd(),
            pipes.payload.0.as_fd(),
            pipes.pictures.1.as_fd(),
        ],
        status: pipes.status.1.as_fd(),
    };
    let cg = Arc::new(pool.hand_over(handed).await?);
    drop((pipes.stdin.0, pipes.stdout.1, pipes.stderr.1, pipes.status.1, pipes.payload.0, pipes.pictures.1));

    let stdin_w = pipes.stdin.1;
    let waiting_for_input: Option<Box<dyn Fn() -> bool + Send + Sync>> =
        match (interactive, pipe_inode(stdin_w.as_raw_fd())) {
            (true, Some(ino)) => {
                let cg = cg.clone();
                Some(Box::new(move || run_waits_for_input(&cg.pids(), ino)))
            }
            _ => None,
        };
    let pipe_error = SandboxError::io("a run's pipe");
    let io = (|| -> std::io::Result<UnitIo> {
        Ok(Io {
            stdin: has_stdin.then(|| pipe::Sender::from_owned_fd(stdin_w)).transpose()?,
            stdout: pipe::Receiver::from_owned_fd(pipes.stdout.0)?,
            stderr: pipe::Receiver::from_owned_fd(pipes.stderr.0)?,
            waiting_for_input,
            pictures: Some(crate::supervise::server_end(pipes.pictures.0)?),
        })
    })()
    .map_err(pipe_error)?;
    let status = pipe::Receiver::from_owned_fd(pipes.status.0).map_err(SandboxError::io("a run's status pipe"))?;
    Ok((cg, io, status))
}

/// How the program ended, from the first line on its status pipe: the program's process's own
/// report, or its init's when the process could not write one. At most [`MAX_STATUS_LINE`]
/// bytes are read, into a fixed buffer: anything longer or not a status is the program's own
/// writing, and ends the run. The explanation the report carries, unchecked, goes to `explained`.
async fn read_status(mut status: pipe::Receiver, explained: Arc<Mutex<Option<serde_json::Value>>>) -> Exit {
    let mut buf = vec![0u8; MAX_STATUS_LINE];
    let mut len = 0;
    loop {
        let n = match status.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => return Exit::Unknown,
            Ok(n) => n,
        };
        if let Some(end) = buf[len..len + n].iter().position(|&b| b == b'\n') {
            let (exit, explanation) = parse_status(&buf[..len + end]);
            *explained.lock().unwrap_or_else(|p| p.into_inner()) = explanation;
            return exit;
        }
        len += n;
        if len == buf.len() {
            return Exit::Forged;
        }
    }
}

fn parse_status(line: &[u8]) -> (Exit, Option<serde_json::Value>) {
    match Message::decode(line) {
        Ok(Message::Exited { code, explanation }) => (Exit::Code(code), explanation),
        Ok(Message::Signalled { signal }) => (Exit::Signal(signal), None),
        Ok(Message::SetupFailed { error }) => {
            tracing::error!(error = %error, "sandbox setup failed for a run");
            (Exit::Unknown, None)
        }
        _ => (Exit::Forged, None),
    }
}

impl From<u8> for Ended {
    fn from(v: u8) -> Ended {
        match v {
            1 => Ended::ForkBomb,
            2 => Ended::Cpu,
            _ => Ended::Not,
        }
    }
}

/// Watches the run's cgroup every [`WATCH_EVERY`] from its first 10 ms on: a fork bomb (its
/// forks refused at the pids limit, over and over) and CPU used by all of the run's processes
/// together past the limit end the run; otherwise the run gives way to the runs that start
/// after it.
fn watch_cgroup(cg: Arc<RunCgroup>, limits: &Limits) -> (tokio::task::JoinHandle<()>, Arc<AtomicU8>) {
    let ended = Arc::new(AtomicU8::new(Ended::Not as u8));
    let flag = ended.clone();
    let cpu_limit = Duration::from_secs(limits.cpu_secs);
    let task = tokio::spawn(async move {
        // Most runs are over before the first look and never pay for it. A run still going
        // gives way to the runs that start after it, except while its forks are being
        // refused: a process refused a fork is inside the kernel's fork path, and every other
        // fork on the machine (those that make the next units included) can end up waiting
        // for it, so it must not wait long for a CPU. It is ended soon anyway.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + WATCH_EVERY, WATCH_EVERY);
        let mut refused = 0;
        loop {
            tick.tick().await;
            let now = cg.forks_refused();
            let over = if now > FORK_BOMB_REFUSALS {
                Ended::ForkBomb
            } else if cg.cpu_used().is_some_and(|used| used >= cpu_limit) {
                Ended::Cpu
            } else {
                Ended::Not
            };
            if over != Ended::Not {
                flag.store(over as u8, Ordering::Relaxed);
                cg.kill_all();
                return;
            }
            cg.set_weight(if now > refused { Weight::Full } else { Weight::GiveWay });
            refused = now;
        }
    });
    (task, ended)
}

/// Says in the result why the watcher ended the run.
fn explain_watcher(result: &mut RunResult, ended: Ended, limits: &Limits) {
    match ended {
        Ended::Not => {}
        Ended::ForkBomb => result.stderr.push_str(&format!(
            "\nPyGuide stopped the program: it kept trying to start more than {} processes or threads at once.\n",
            limits.max_processes
        )),
        Ended::Cpu if result.outcome != Outcome::OutputLimit => {
            result.outcome = Outcome::Timeout;
            result.exit_code = None;
            result.time_limit = Some(TimeLimit::Cpu);
        }
        Ended::Cpu => {}
    }
}

//! Watching a started program: feeding stdin, collecting capped output and pictures, enforcing
//! the wall limit, honouring Stop, and deciding the outcome. Shared by every runner.
//!
//! Pictures come on a channel of their own, a stream socket (`python/pictures.py` writes it):
//! each is a `picture` line of `protocol.rs` followed by its raw bytes, and the program waits
//! for the server's `picture_taken` line before it carries on. Meanwhile the server lets the
//! stdout and stderr readers take in what is left in their pipes (all the program printed
//! before the picture), so the picture lands in order with the text. Every byte on the channel
//! counts against the output limit; what is not a picture message closes the channel. Since
//! every message is answered, the server has them all once the program has ended: the channel
//! is not read to its end (which would wait for the process's teardown).

use crate::linux::protocol::Message;
use crate::run::{Channels, StdinSource};
use crate::utf8::Utf8Stream;
use crate::{Event, Limits, Outcome, Picture, RunResult, TimeLimit, MAX_PICTURES};
use std::future::Future;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot, watch, Notify};

/// The longest `picture` line (its alt text is at most a few hundred characters).
const MAX_PICTURE_LINE: u64 = 4096;

/// A request to an output reader: answer once everything in your pipe now is taken in.
type Barrier = oneshot::Sender<()>;

/// How the program's process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    Code(i32),
    Signal(i32),
    /// The runner lost track of it (it was killed before it could report).
    Unknown,
    /// The program wrote to the channel its end is reported on (the sandbox's status pipe):
    /// it is ended, as an error.
    Forged,
}

/// The program's streams.
pub(crate) struct Io<W, O, E> {
    pub stdin: Option<W>,
    pub stdout: O,
    pub stderr: E,
    /// For an interactive run: is the program blocked reading its input right now?
    pub waiting_for_input: Option<Box<dyn Fn() -> bool + Send + Sync>>,
    /// The server's end of the picture channel.
    pub pictures: Option<UnixStream>,
}

/// A started program, as a runner hands it to [`supervise`].
pub(crate) struct Program<W, O, E, X, K> {
    pub limits: Limits,
    pub started: Instant,
    pub io: Io<W, O, E>,
    /// Resolves when the program's end is known.
    pub exit: X,
    /// Ends every process of the run.
    pub kill: K,
}

/// How often an interactive run is looked at to see whether it waits for input.
const INPUT_POLL: Duration = Duration::from_millis(100);

/// Is process `pid` blocked in `read` on its fd 0, and is that fd 0 the pipe with inode
/// `pipe_ino` (the run's input)? Read from `/proc`, which the server may read as root or as
/// the program's owner.
pub(crate) fn reads_input(pid: i32, pipe_ino: u64) -> bool {
    let Ok(sc) = std::fs::read_to_string(format!("/proc/{pid}/syscall")) else { return false };
    let mut words = sc.split_whitespace();
    let in_read = words.next() == Some(&libc::SYS_read.to_string()) && words.next() == Some("0x0");
    in_read
        && std::fs::read_link(format!("/proc/{pid}/fd/0"))
            .is_ok_and(|l| l.to_string_lossy() == format!("pipe:[{pipe_ino}]"))
}

/// Is no thread of process `pid` running or runnable? A program whose main thread waits in
/// `input()` while another thread (or process) computes is not waiting: its wall clock keeps
/// going and it keeps its run slot.
pub(crate) fn asleep(pid: i32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return true };
    tasks.flatten().all(|t| {
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        // The state follows the command name, which is in parentheses and may hold spaces.
        stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next()) != Some('R')
    })
}

/// Is the run made of `pids` waiting for its input: one of them blocked reading the input pipe
/// (inode `pipe_ino`), and none of them computing meanwhile?
pub(crate) fn run_waits_for_input(pids: &[i32], pipe_ino: u64) -> bool {
    pids.iter().any(|&p| reads_input(p, pipe_ino)) && pids.iter().all(|&p| asleep(p))
}

/// The inode of the pipe behind `fd`.
pub(crate) fn pipe_inode(fd: std::os::fd::RawFd) -> Option<u64> {
    // SAFETY: fstat writes into a zeroed struct we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    (unsafe { libc::fstat(fd, &mut st) } == 0).then_some(st.st_ino)
}

/// Writes the program's stdin: all of a fixed text, or the learner's lines as they come.
async fn feed_stdin<W: AsyncWrite + Unpin>(mut w: W, stdin: StdinSource) {
    match stdin {
        StdinSource::Interactive(mut rx) => {
            while let Some(bytes) = rx.recv().await {
                if w.write_all(&bytes).await.is_err() || w.flush().await.is_err() {
                    break;
                }
            }
        }
        StdinSource::Fixed(text) => {
            let _ = w.write_all(text.as_bytes()).await;
        }
        StdinSource::None => {}
    }
}

/// A run's wall clock, which stands still while an interactive program waits for input.
struct WallClock {
    waiting: Option<Box<dyn Fn() -> bool + Send + Sync>>,
    /// Told what each look found.
    report: Option<watch::Sender<bool>>,
    paused: Duration,
    last_look: Instant,
}

impl WallClock {
    /// When to look next: at the deadline, or sooner to see whether the program waits.
    fn next_look(&self, started: Instant, limits: &Limits) -> Instant {
        let deadline = started + limits.wall + self.paused;
        match self.waiting {
            Some(_) => deadline.min(Instant::now() + INPUT_POLL),
            None => deadline,
        }
    }

    /// Counts the time since the last look as paused if the program waits for input; true
    /// once the wall limit is reached.
    fn look(&mut self, started: Instant, limits: &Limits) -> bool {
        let now = Instant::now();
        if let Some(w) = &self.waiting {
            let waiting = w();
            if let Some(report) = &self.report {
                report.send_if_modified(|was| std::mem::replace(was, waiting) != waiting);
            }
            if waiting {
                self.paused = (self.paused + (now - self.last_look)).min(limits.input_wait);
            }
            self.last_look = now;
        }
        now >= started + limits.wall + self.paused
    }
}

/// Where the output readers put what the program prints and shows.
#[derive(Clone)]
struct Sink {
    collected: Arc<Mutex<Collected>>,
    /// Notified when the output limit is reached.
    overflow: Arc<Notify>,
    events: Option<mpsc::UnboundedSender<Event>>,
    /// The output limit: stdout, stderr and the picture channel together.
    budget: usize,
}

impl Sink {
    fn lock(&self) -> std::sync::MutexGuard<'_, Collected> {
        self.collected.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts `n` bytes of the picture channel against the output limit; false (and the run
    /// stopped) past it.
    fn charge(&self, n: usize) -> bool {
        let mut c = self.lock();
        if c.used().saturating_add(n) > self.budget {
            c.truncated = true;
            drop(c);
            self.overflow.notify_one();
            return false;
        }
        c.picture_bytes += n;
        true
    }

    /// Adds a picture after the text taken in so far, or counts it when the run has shown
    /// [`MAX_PICTURES`] already.
    fn show(&self, mut picture: Picture) {
        let mut c = self.lock();
        if c.pictures.len() >= MAX_PICTURES {
            c.pictures_dropped = c.pictures_dropped.saturating_add(1);
            return;
        }
        picture.after_stdout = c.stdout.len();
        picture.after_stderr = c.stderr.len();
        // Sent under the lock: no text taken in after the picture can overtake it.
        if let Some(tx) = &self.events {
            let _ = tx.send(Event::Picture(Box::new(picture.clone())));
        }
        c.pictures.push(picture);
    }
}

/// What ended the run besides the program itself.
pub(crate) struct Supervised {
    pub forced: Option<Outcome>,
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
    pub truncated: bool,
    pub duration_ms: f64,
    pub pictures: Vec<Picture>,
    pub pictures_dropped: u32,
}

#[derive(Default)]
struct Collected {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    truncated: bool,
    pictures: Vec<Picture>,
    pictures_dropped: u32,
    /// Bytes read from the picture channel.
    picture_bytes: usize,
}

impl Collected {
    /// Output so far, against the output limit.
    fn used(&self) -> usize {
        self.stdout.len() + self.stderr.len() + self.picture_bytes
    }
}

/// Runs the supervision loop until the program ends or is ended, consuming the run's
/// channels.
pub(crate) async fn supervise<W, O, E, X, K>(channels: Channels, program: Program<W, O, E, X, K>) -> Supervised
where
    W: AsyncWrite + Unpin + Send + 'static,
    O: AsyncRead + AsRawFd + Unpin + Send + 'static,
    E: AsyncRead + AsRawFd + Unpin + Send + 'static,
    X: Future<Output = Exit>,
    K: Fn(),
{
    let Channels { events, stdin, stop: mut stop_rx, input_wanted } = channels;
    let Program { limits, started, io, exit, kill } = program;
    let limits = &limits;
    if let Some(w) = io.stdin {
        tokio::spawn(feed_stdin(w, stdin));
    }
    let sink = Sink {
        collected: Arc::new(Mutex::new(Collected::default())),
        overflow: Arc::new(Notify::new()),
        events,
        budget: limits.output_bytes,
    };
    let readers = Readers::spawn(io.stdout, io.stderr, io.pictures, &sink);
    // The readers hold the only event senders now: the events end when the output does.
    let Sink { collected, overflow, events, .. } = sink;
    drop(events);

    tokio::pin!(exit);
    let mut forced = None;
    // The wall clock stands still while an interactive program waits for the learner's input
    // (sampled every INPUT_POLL), up to `input_wait` in all.
    let mut wall = WallClock {
        waiting: io.waiting_for_input,
        report: input_wanted,
        paused: Duration::ZERO,
        last_look: Instant::now(),
    };
    let ended = loop {
        tokio::select! {
            e = &mut exit => break Some(e),
            _ = tokio::time::sleep_until(wall.next_look(started, limits).into()) => {
                if wall.look(started, limits) {
                    forced = Some(Outcome::Timeout);
                    break None;
                }
            }
            _ = overflow.notified() => { forced = Some(Outcome::OutputLimit); break None }
            Ok(()) = &mut stop_rx => { forced = Some(Outcome::Stopped); break None }
        }
    };
    // Whatever happened, nothing the program started may outlive the run.
    kill();
    let exit = match ended {
        Some(e) => e,
        None => tokio::time::timeout(Duration::from_secs(5), &mut exit).await.unwrap_or(Exit::Unknown),
    };
    // The learner's thinking time is not the program's running time.
    let duration_ms = started.elapsed().saturating_sub(wall.paused).as_secs_f64() * 1000.0;
    readers.finish().await;
    let mut c = collected.lock().unwrap_or_else(|p| p.into_inner());
    Supervised {
        forced,
        exit,
        stdout: String::from_utf8_lossy(&c.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&c.stderr).into_owned(),
        truncated: std::mem::take(&mut c.truncated),
        duration_ms,
        pictures: std::mem::take(&mut c.pictures),
        pictures_dropped: c.pictures_dropped,
    }
}

impl Supervised {
    /// The outcome, given whether the memory limit was hit.
    pub(crate) fn into_result(self, memory_hit: bool) -> RunResult {
        let time_limit = match (self.forced, self.exit) {
            (Some(Outcome::Timeout), _) => Some(TimeLimit::Wall),
            (None, Exit::Signal(libc::SIGXCPU)) => Some(TimeLimit::Cpu),
            _ => None,
        };
        let (outcome, exit_code) = match (self.forced, self.exit) {
            (Some(Outcome::OutputLimit), _) => (Outcome::OutputLimit, None),
            (_, _) if memory_hit => (Outcome::MemoryLimit, None),
            (Some(f), _) => (f, None),
            (None, _) if self.truncated => (Outcome::OutputLimit, None),
            (None, Exit::Code(0)) => (Outcome::Success, Some(0)),
            (None, Exit::Code(code)) => {
                let last = self.stderr.trim_end().lines().last().unwrap_or_default();
                if last.starts_with("MemoryError") {
                    (Outcome::MemoryLimit, Some(code))
                } else {
                    (Outcome::Error, Some(code))
                }
            }
            (None, Exit::Signal(libc::SIGXCPU)) => (Outcome::Timeout, None),
            (None, Exit::Signal(_) | Exit::Unknown | Exit::Forged) => (Outcome::Error, None),
        };
        let mut stderr = self.stderr;
        if self.exit == Exit::Forged && self.forced.is_none() {
            stderr.push_str(
                "\nPyGuide stopped the program: it wrote to the channel that PyGuide reads the program's exit \
                 status from (a file descriptor it did not open).\n",
            );
        }
        RunResult {
            outcome,
            exit_code,
            stdout: self.stdout,
            stderr,
            duration_ms: self.duration_ms,
            truncated: self.truncated,
            explanation: None,
            time_limit: if outcome == Outcome::Timeout { time_limit } else { None },
            cpu_ms: None,
            pictures: self.pictures,
            pictures_dropped: self.pictures_dropped,
        }
    }
}

/// A run's picture channel: a connected pair of stream sockets (the server's end, the
/// program's end), closed on exec.
pub(crate) fn picture_channel() -> std::io::Result<(OwnedFd, OwnedFd)> {
    use rustix::net::{socketpair, AddressFamily, SocketFlags, SocketType};
    Ok(socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, None)?)
}

/// The server's end of a picture channel, for Tokio.
pub(crate) fn server_end(fd: OwnedFd) -> std::io::Result<tokio::net::UnixStream> {
    let stream = std::os::unix::net::UnixStream::from(fd);
    stream.set_nonblocking(true)?;
    tokio::net::UnixStream::from_std(stream)
}

/// The tasks that read stdout, stderr and the picture channel into a sink.
struct Readers {
    text: [tokio::task::JoinHandle<()>; 2],
    pictures: Option<tokio::task::JoinHandle<()>>,
}

impl Readers {
    fn spawn(
        stdout: impl AsyncRead + AsRawFd + Unpin + Send + 'static,
        stderr: impl AsyncRead + AsRawFd + Unpin + Send + 'static,
        pictures: Option<UnixStream>,
        sink: &Sink,
    ) -> Readers {
        let (stdout_barrier, stdout_barriers) = mpsc::unbounded_channel();
        let (stderr_barrier, stderr_barriers) = mpsc::unbounded_channel();
        let text = [
            spawn_reader(stdout, true, sink.clone(), stdout_barriers),
            spawn_reader(stderr, false, sink.clone(), stderr_barriers),
        ];
        let barriers = [stdout_barrier, stderr_barrier];
        let pictures = pictures.map(|channel| tokio::spawn(read_pictures(channel, sink.clone(), barriers)));
        Readers { text, pictures }
    }

    /// Once the run has ended: the pictures are all in (each was answered before the program
    /// went on), and the text is read to its end.
    async fn finish(self) {
        if let Some(p) = self.pictures {
            p.abort();
        }
        for r in self.text {
            // Every writer is dead once the run is killed; the bound is only a safety net.
            let _ = tokio::time::timeout(Duration::from_secs(2), r).await;
        }
    }
}

/// Bytes waiting in the pipe behind `fd`.
fn unread(fd: RawFd) -> usize {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int into `n`.
    match unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } {
        0 => n.max(0) as usize,
        _ => 0,
    }
}

/// Reads stdout or stderr into the sink. A [`Barrier`] is answered once the pipe is empty.
fn spawn_reader(
    mut stream: impl AsyncRead + AsRawFd + Unpin + Send + 'static,
    is_stdout: bool,
    sink: Sink,
    mut barriers: mpsc::UnboundedReceiver<Barrier>,
) -> tokio::task::JoinHandle<()> {
    let Sink { collected, overflow, events, budget } = sink;
    let fd = stream.as_raw_fd();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut decoder = Utf8Stream::default();
        let event = |text: String| if is_stdout { Event::Stdout(text) } else { Event::Stderr(text) };
        let mut waiting: Vec<Barrier> = Vec::new();
        loop {
            if !waiting.is_empty() && unread(fd) == 0 {
                for w in waiting.drain(..) {
                    let _ = w.send(());
                }
            }
            let read = tokio::select! {
                r = stream.read(&mut buf) => r,
                Some(w) = barriers.recv() => {
                    waiting.push(w);
                    continue;
                }
            };
            let n = match read {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let kept = {
                let mut c = collected.lock().unwrap_or_else(|p| p.into_inner());
                let room = budget.saturating_sub(c.used());
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
                    let _ = tx.send(event(text));
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
                let _ = tx.send(event(rest));
            }
        }
    })
}

/// Reads the picture channel: each `picture` line and its bytes, checked and placed after the
/// text printed before it (the `barriers` to the stdout and stderr readers), then answered.
async fn read_pictures(channel: UnixStream, sink: Sink, barriers: [mpsc::UnboundedSender<Barrier>; 2]) {
    let (reader, mut writer) = channel.into_split();
    let mut reader = BufReader::new(reader);
    loop {
        let mut line = Vec::new();
        match (&mut reader).take(MAX_PICTURE_LINE).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if !sink.charge(line.len()) {
            return;
        }
        let message = match line.strip_suffix(b"\n") {
            Some(line) => Message::decode(line),
            None => return forged("a line too long"),
        };
        match message {
            Ok(Message::Picture { format, width, height, alt, bytes }) => {
                let Ok(len) = usize::try_from(bytes) else { return forged("a size out of range") };
                if !sink.charge(len) {
                    return;
                }
                let mut body = vec![0u8; len];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                // The program waits for the answer: all it printed before the picture is in the
                // output pipes now, or taken in.
                for b in &barriers {
                    let (tx, rx) = oneshot::channel();
                    if b.send(tx).is_ok() {
                        let _ = rx.await;
                    }
                }
                match Picture::from_untrusted(format, (width, height), &alt, body) {
                    Ok(p) => sink.show(p),
                    Err(e) => tracing::info!(error = %e, "a run's picture was refused"),
                }
                if writer.write_all(&Message::PictureTaken.encode_line()).await.is_err() {
                    return;
                }
            }
            Ok(Message::PictureDropped) => {
                {
                    let mut c = sink.lock();
                    c.pictures_dropped = c.pictures_dropped.saturating_add(1);
                }
                if writer.write_all(&Message::PictureTaken.encode_line()).await.is_err() {
                    return;
                }
            }
            Ok(_) => return forged("a message that is not a picture"),
            Err(e) => return forged(&e.to_string()),
        }
    }
}

/// The program wrote something other than pictures on its picture channel: the channel is
/// closed (its later writes fail), and the run goes on.
fn forged(what: &str) {
    tracing::info!(what, "a run wrote something other than pictures on its picture channel");
}

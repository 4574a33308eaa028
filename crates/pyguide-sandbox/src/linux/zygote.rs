//! The server's end of the pre-warmed interpreter: start it through `pyguide __sandbox-init`,
//! and talk to it over a SOCK_SEQPACKET socket in [`Message`]s (descriptors ride along): the
//! server sends spare cgroups, the interpreter sends back ready units (their sockets) and why a
//! unit could not be made.

use super::fdpass::{recv_fds, send_fds};
use super::init::INIT_ARG;
use super::protocol::Message;
use super::rootfs::Plan;
use crate::SandboxError;
use rustix::net::{socketpair, AddressFamily, SocketFlags, SocketType};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// How long the interpreter may take to say it is ready. The packages interpreter imports
/// numpy, pandas and matplotlib first: a second or two on an idle machine, tens of seconds on a
/// busy one (a failure to start is said at once, not by this wait).
const START_WAIT: Duration = Duration::from_secs(120);

pub(crate) struct Zygote {
    ctl: Arc<OwnedFd>,
    child: Child,
}

fn seqpacket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None)?)
}

impl Zygote {
    /// Starts the sandbox and waits until its interpreter is ready.
    pub(crate) fn spawn(init_exe: &Path, plan: &Plan) -> Result<Zygote, SandboxError> {
        let (ours, theirs) = seqpacket_pair().map_err(SandboxError::io("socketpair"))?;
        let json = serde_json::to_string(plan).map_err(|e| SandboxError::Internal(e.to_string()))?;
        let child = Command::new(init_exe)
            .arg(INIT_ARG)
            .arg(json)
            .stdin(Stdio::from(theirs))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .env_clear()
            .spawn()
            .map_err(SandboxError::io(format!("starting {}", init_exe.display())))?;
        let z = Zygote { ctl: Arc::new(ours), child };
        loop {
            let msg = z
                .recv_timeout(START_WAIT)
                .map_err(|e| SandboxError::InterpreterGone(format!("the sandbox did not start: {e}")))?;
            match msg {
                None => {
                    return Err(SandboxError::InterpreterGone(
                        "the sandbox's interpreter exited while starting (see the log above)".into(),
                    ))
                }
                Some(Message::InterpreterReady) => return Ok(z),
                Some(Message::MapIds) => {
                    let answer = match z.map_ids(plan.id_base) {
                        Ok(()) => Message::IdsMapped,
                        Err(e) => Message::MapFailed { error: e.to_string() },
                    };
                    z.send(&answer, &[]).map_err(SandboxError::io("answering the sandbox init"))?;
                }
                Some(Message::StartFailed { step, error }) => return Err(super::start_failure(step, error)),
                Some(other) => {
                    return Err(SandboxError::Internal(format!("unexpected message while starting: {other:?}")))
                }
            }
        }
    }

    /// Maps ids 0..65536 of the child's new user namespace to unprivileged host ids.
    fn map_ids(&self, base: u32) -> io::Result<()> {
        let map = format!("0 {base} 65536\n");
        for file in ["uid_map", "gid_map"] {
            std::fs::write(format!("/proc/{}/{file}", self.child.id()), &map).map_err(|e| {
                io::Error::new(e.kind(), format!("{file}: {e} (the sandbox must start as root to map ids)"))
            })?;
        }
        Ok(())
    }

    /// The next message, None when the interpreter is gone.
    fn recv_timeout(&self, timeout: Duration) -> io::Result<Option<Message>> {
        let mut fds = [rustix::event::PollFd::new(&*self.ctl, rustix::event::PollFlags::IN)];
        let timeout = rustix::event::Timespec::try_from(timeout).map_err(io::Error::other)?;
        if rustix::event::poll(&mut fds, Some(&timeout))? == 0 {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "no answer in time"));
        }
        let (msg, _) = recv_fds(self.ctl.as_fd())?;
        if msg.is_empty() {
            return Ok(None);
        }
        Message::decode(&msg).map(Some).map_err(io::Error::other)
    }

    /// Sends the interpreter one message, and `fds` as SCM_RIGHTS.
    pub(crate) fn send(&self, msg: &Message, fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        send_fds(self.ctl.as_fd(), &msg.encode(), fds, true)
    }

    /// Reads the interpreter's messages and the descriptors sent with them on a thread of
    /// their own, handing each to `on_message`, until the interpreter goes away (then
    /// `on_message(None)`).
    pub(crate) fn listen(&self, on_message: impl Fn(Option<(Message, Vec<OwnedFd>)>) + Send + 'static) {
        let ctl = self.ctl.clone();
        std::thread::Builder::new()
            .name("pyguide-zygote".into())
            .spawn(move || loop {
                let (msg, fds) = match recv_fds(ctl.as_fd()) {
                    Ok((msg, fds)) if !msg.is_empty() => (msg, fds),
                    _ => {
                        on_message(None);
                        return;
                    }
                };
                match Message::decode(&msg) {
                    Ok(m) => on_message(Some((m, fds))),
                    Err(e) => tracing::error!(error = %e, "unreadable message from the sandbox interpreter"),
                }
            })
            .expect("spawning the zygote listener thread");
    }

    /// Host pid of the interpreter (for tests and logs).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Zygote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! The server's end of the pre-warmed interpreter: start it through `pyguide __sandbox-init`,
//! and talk to it over a SOCK_SEQPACKET socket (JSON messages with descriptors): the server
//! sends spare cgroups, the interpreter sends back ready units (their sockets) and why a unit
//! could not be made.

use super::init::INIT_ARG;
use super::rootfs::Plan;
use super::unit::{recv_fds, send_fds};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Zygote {
    ctl: Arc<OwnedFd>,
    child: Child,
}

/// What the interpreter sends, as JSON messages.
pub(crate) type Answer = serde_json::Value;

fn socketpair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl Zygote {
    /// Starts the sandbox and waits until its interpreter is ready.
    pub(crate) fn spawn(init_exe: &Path, plan: &Plan) -> Result<Zygote, String> {
        let (ours, theirs) = socketpair().map_err(|e| format!("socketpair: {e}"))?;
        let json = serde_json::to_string(plan).map_err(|e| e.to_string())?;
        let child = Command::new(init_exe)
            .arg(INIT_ARG)
            .arg(json)
            .stdin(Stdio::from(theirs))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .env_clear()
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", init_exe.display()))?;
        let mut z = Zygote { ctl: Arc::new(ours), child };
        loop {
            let msg = z.recv_timeout(Duration::from_secs(20)).map_err(|e| format!("the sandbox did not start: {e}"))?;
            match msg.as_slice() {
                b"ready" => return Ok(z),
                b"map" => {
                    let answer = match z.map_ids(plan.id_base) {
                        Ok(()) => b"mapped".to_vec(),
                        Err(e) => format!("failed: {e}").into_bytes(),
                    };
                    // SAFETY: `answer` is readable for its length.
                    unsafe { libc::send(z.ctl.as_raw_fd(), answer.as_ptr().cast(), answer.len(), libc::MSG_NOSIGNAL) };
                }
                b"" => return Err("the sandbox's interpreter exited while starting (see the log above)".into()),
                msg => return Err(String::from_utf8_lossy(msg).trim_start_matches("error: ").to_string()),
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

    fn recv_timeout(&mut self, timeout: Duration) -> io::Result<Vec<u8>> {
        let mut pfd = libc::pollfd { fd: self.ctl.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, timeout.as_millis() as i32) };
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "no answer in time"));
        }
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut buf = vec![0u8; 4096];
        // SAFETY: `buf` is writable for its length.
        let got = unsafe { libc::recv(self.ctl.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if got < 0 {
            return Err(io::Error::last_os_error());
        }
        buf.truncate(got as usize);
        Ok(buf)
    }

    /// Sends the interpreter one message: `header`, and `fds` as SCM_RIGHTS.
    pub(crate) fn send(&self, header: &[u8], fds: &[RawFd]) -> io::Result<()> {
        send_fds(self.ctl.as_raw_fd(), header, fds, libc::MSG_DONTWAIT)
    }

    /// Reads the interpreter's messages and the descriptors sent with them on a thread of
    /// their own, handing each to `on_answer`, until the interpreter goes away (then
    /// `on_answer(None)`).
    pub(crate) fn listen(&self, on_answer: impl Fn(Option<(Answer, Vec<OwnedFd>)>) + Send + 'static) {
        let ctl = self.ctl.clone();
        std::thread::Builder::new()
            .name("pyguide-zygote".into())
            .spawn(move || loop {
                let (msg, fds) = match recv_fds(ctl.as_raw_fd()) {
                    Ok((msg, fds)) if !msg.is_empty() => (msg, fds),
                    _ => {
                        on_answer(None);
                        return;
                    }
                };
                match serde_json::from_slice(&msg) {
                    Ok(v) => on_answer(Some((v, fds))),
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

//! The processes of a unit that are not Python: the init maker and each unit's init (PID 1).
//!
//! The init maker is forked by the sandbox init next to the interpreter, in the interpreter's
//! PID namespace, and makes unit inits on request of the interpreter's unit maker (over fd 3 of
//! the interpreter). Each unit init is a fork of the init maker, which is small: an init in
//! Python was a copy of the whole interpreter, paid for with a page-table copy, a few hundred
//! copy-on-write faults and a full teardown per run.
//!
//! A unit init is PID 1 of a new PID namespace and has a new mount namespace. It mounts the
//! unit's tmpfs folders (/work, /tmp, /dev/shm), says [`Message::InitMounted`], and waits: the
//! unit maker keeps a few such inits ready. To make a unit, the unit maker forks the program's
//! process into an init's namespaces and the unit's cgroups (see `fork_into.c`), the program's
//! process is re-parented to the init, and the unit maker tells the init its pid. The init
//! itself stays in the sandbox's cgroup: it is the sandbox's process, not the program's.
//!
//! When a run comes, the server hands the init the run's status pipe. The init reaps every
//! process of the unit until the program's process ends, kills and reaps the rest, writes how
//! it ended on the status pipe (the server reads the first line, and the program's process
//! writes its own exit status first when it can), and exits. If its socket closes first (the
//! unit was dropped), the init exits at once, and the kernel kills the unit with it.

use super::fdpass::{recv_fds, send_fds};
use super::protocol::Message;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// The descriptor on which the interpreter (and its unit maker) reach R.
pub const UNIT_INIT_FD: RawFd = 3;

/// The learner's uid and gid inside the sandbox: owner of the unit's tmpfs folders.
const LEARNER: u32 = 1000;

/// Sizes of a unit's tmpfs folders.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct UnitMounts {
    /// Bytes of /work and of /tmp (each).
    pub tmpfs_bytes: u64,
    /// Inodes of /work and of /tmp (each).
    pub tmpfs_inodes: u64,
    /// Bytes of /dev/shm.
    pub shm_bytes: u64,
}

/// The init maker's loop: each request is [`Message::MakeInit`] with the new init's socket;
/// each answer is [`Message::InitMade`] with the init's pidfd, or [`Message::InitFailed`].
/// Never returns.
pub(crate) fn unit_init_maker(sock: OwnedFd, mounts: &UnitMounts) -> ! {
    // SAFETY: plain syscalls on this single-threaded process.
    unsafe {
        libc::signal(libc::SIGCHLD, libc::SIG_IGN); // the kernel reaps each unit init
    }
    let answer = |m: Message, fds: &[BorrowedFd<'_>]| {
        if send_fds(sock.as_fd(), &m.encode(), fds, false).is_err() {
            std::process::exit(0); // the interpreter is gone
        }
    };
    loop {
        let (msg, fds) = match recv_fds(sock.as_fd()) {
            Ok((msg, fds)) if !msg.is_empty() => (msg, fds),
            _ => std::process::exit(0), // the interpreter is gone
        };
        let Ok(Message::MakeInit) = Message::decode(&msg) else {
            answer(Message::InitFailed { error: "the init maker only makes inits".into() }, &[]);
            continue;
        };
        let Ok([init_sock]) = <[OwnedFd; 1]>::try_from(fds) else {
            answer(Message::InitFailed { error: "a request for an init carries one socket".into() }, &[]);
            continue;
        };
        let mut pidfd: libc::c_int = -1;
        let flags = (libc::CLONE_NEWPID | libc::CLONE_NEWNS | libc::CLONE_PIDFD | libc::SIGCHLD) as libc::c_ulong;
        // SAFETY: a fork (no new stack, no shared memory) of this single-threaded process; the
        // kernel stores the child's pidfd in `pidfd`.
        let pid =
            unsafe { libc::syscall(libc::SYS_clone, flags, 0usize, &mut pidfd as *mut libc::c_int, 0usize, 0usize) };
        if pid == 0 {
            unit_init(init_sock, mounts);
        }
        drop(init_sock);
        if pid < 0 {
            let error = format!("cannot make a unit's init: {}", io::Error::last_os_error());
            answer(Message::InitFailed { error }, &[]);
            continue;
        }
        // SAFETY: the kernel just gave this process the descriptor.
        let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
        answer(Message::InitMade, &[pidfd.as_fd()]);
    }
}

fn mount_tmpfs(target: &str, options: &str) -> io::Result<()> {
    let target_c = CString::new(target).map_err(io::Error::other)?;
    let options_c = CString::new(options).map_err(io::Error::other)?;
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    // SAFETY: valid NUL-terminated strings.
    let rc = unsafe {
        libc::mount(c"tmpfs".as_ptr(), target_c.as_ptr(), c"tmpfs".as_ptr(), flags, options_c.as_ptr().cast())
    };
    if rc != 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("mount {target}: {e}")));
    }
    Ok(())
}

/// Mounts the unit's folders.
fn mount_unit(mounts: &UnitMounts) -> io::Result<()> {
    let common = format!("uid={LEARNER},gid={LEARNER},nr_inodes={}", mounts.tmpfs_inodes);
    mount_tmpfs("/work", &format!("size={},mode=0700,{common}", mounts.tmpfs_bytes))?;
    mount_tmpfs("/tmp", &format!("size={},mode=1777,{common}", mounts.tmpfs_bytes))?;
    mount_tmpfs("/dev/shm", &format!("size={},mode=1777,{common}", mounts.shm_bytes))?;
    Ok(())
}

/// A unit's init, PID 1 of its namespaces. Never returns.
fn unit_init(sock: OwnedFd, mounts: &UnitMounts) -> ! {
    // SAFETY: plain syscalls on this fresh single-threaded process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        libc::signal(libc::SIGCHLD, libc::SIG_DFL);
        // Joining a process's namespaces through its pidfd takes ptrace read access to it; this
        // process is not dumpable since the sandbox init switched ids, so the unit maker could
        // not. (No process of the sandbox may ptrace: seccomp refuses it.)
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
    }
    let built = mount_unit(mounts).and_then(|()| send_fds(sock.as_fd(), &Message::InitMounted.encode(), &[], false));
    if let Err(e) = built {
        let _ = send_fds(sock.as_fd(), &Message::InitFailed { error: e.to_string() }.encode(), &[], false);
        // SAFETY: ends this process without running anything of the init maker's.
        unsafe { libc::_exit(1) };
    }
    // Only the socket stays open.
    let fd = sock.as_raw_fd();
    // SAFETY: plain syscalls on descriptor numbers.
    unsafe {
        if fd > 3 {
            libc::syscall(libc::SYS_close_range, 3u32, (fd - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (fd + 1) as u32, u32::MAX, 0u32);
    }
    if let Some((status, line)) = watch(sock.as_fd()) {
        let _ = rustix::io::write(&status, &line);
    }
    // SAFETY: as above; the kernel kills whatever is left of the unit with its init.
    unsafe { libc::_exit(0) }
}

/// Waits for the program's pid (from the unit maker) and the run's status pipe (from the
/// server), then reaps until the program's process ends and ends the rest of the unit: the
/// status pipe and the line to write on it; None when the unit is dropped unused.
fn watch(sock: BorrowedFd<'_>) -> Option<(OwnedFd, Vec<u8>)> {
    let (msg, _) = recv_fds(sock).ok()?;
    let Ok(Message::ProgramPid { pid: program }) = Message::decode(&msg) else { return None };
    let (msg, fds) = recv_fds(sock).ok()?;
    let (Ok(Message::StatusPipe), Ok([status])) = (Message::decode(&msg), <[OwnedFd; 1]>::try_from(fds)) else {
        return None;
    };
    let report = loop {
        let mut st = 0;
        // SAFETY: valid pointer.
        let done = unsafe { libc::waitpid(-1, &mut st, 0) };
        if done == program {
            break if libc::WIFSIGNALED(st) {
                Message::Signalled { signal: libc::WTERMSIG(st) }
            } else {
                Message::Exited { code: libc::WEXITSTATUS(st), explanation: None }
            };
        }
        if done < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            break Message::SetupFailed { error: "lost the program's process".into() };
        }
    };
    // The rest of the unit goes before the report: a run ended by a signal (a timeout, a fork
    // bomb) is answered once its processes are gone, so that it cannot be started again while
    // the last one's are still dying. (A run that ended normally has been answered by the
    // program's own report.)
    // SAFETY: plain syscalls; as PID 1, kill(-1) reaches every other process of the unit.
    unsafe { libc::kill(-1, libc::SIGKILL) };
    loop {
        // SAFETY: a null status pointer is allowed.
        if unsafe { libc::waitpid(-1, std::ptr::null_mut(), 0) } < 0
            && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted
        {
            break;
        }
    }
    Some((status, report.encode_line()))
}

//! The processes of a unit that are not Python: the unit init maker R and each unit's PID 1, G.
//!
//! R is forked by the sandbox init next to the interpreter Z, in Z's PID namespace, and makes
//! unit inits on request of Z's unit maker M (over fd 3 of the interpreter). Each G is a fork
//! of R, which is small: a Python G was a copy of the whole interpreter, paid for with a
//! page-table copy, a few hundred copy-on-write faults and a full teardown per run.
//!
//! G is PID 1 of a new PID namespace and has a new mount namespace. It mounts the unit's tmpfs
//! folders (/work, /tmp, /dev/shm), says `mounted`, and waits: M keeps a few such inits ready.
//! To make a unit, M forks the learner's process H into an init's namespaces and the unit's
//! cgroups (see `fork_into.c`), H is re-parented to G, and M tells G H's pid. G itself stays in
//! the sandbox's cgroup: it is the sandbox's process, not the program's.
//!
//! When a run comes, the server hands G the run's status pipe. G reaps every process of the
//! unit until H ends, kills and reaps the rest, writes how H ended on the status pipe (the
//! server reads the first line, and H writes its own exit status first when it can), and
//! exits. If its socket closes first (the unit was dropped), G exits at once, and the kernel
//! kills H with it.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

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

/// Sends `msg` with `fds` as SCM_RIGHTS on a SOCK_SEQPACKET socket.
pub(crate) fn send_fds(sock: RawFd, msg: &[u8], fds: &[RawFd], flags: libc::c_int) -> io::Result<()> {
    let fd_bytes = std::mem::size_of_val(fds);
    let mut iov = libc::iovec { iov_base: msg.as_ptr() as *mut libc::c_void, iov_len: msg.len() };
    // SAFETY: msghdr is plain data; every pointer set below points into live buffers.
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_iov = &mut iov;
    hdr.msg_iovlen = 1;
    let mut cmsg_buf;
    if !fds.is_empty() {
        // SAFETY: CMSG_SPACE is a pure computation.
        let space = unsafe { libc::CMSG_SPACE(fd_bytes as u32) } as usize;
        cmsg_buf = vec![0u64; space.div_ceil(8)];
        hdr.msg_control = cmsg_buf.as_mut_ptr().cast();
        hdr.msg_controllen = space as _;
        // SAFETY: the control buffer is `space` bytes, enough for one header and `fds`.
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&hdr);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(fd_bytes as u32) as _;
            std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(cmsg), fd_bytes);
        }
    }
    loop {
        // SAFETY: `hdr` is fully initialised.
        let rc = unsafe { libc::sendmsg(sock, &hdr, libc::MSG_NOSIGNAL | flags) };
        if rc >= 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Receives one message and the descriptors sent with it; an empty message when the peer is
/// gone.
pub(crate) fn recv_fds(sock: RawFd) -> io::Result<(Vec<u8>, Vec<OwnedFd>)> {
    const MAX_FDS: usize = 16;
    let mut buf = vec![0u8; 4096];
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE((MAX_FDS * std::mem::size_of::<RawFd>()) as u32) } as usize;
    let mut cmsg_buf = vec![0u64; space.div_ceil(8)];
    // SAFETY: plain data, pointers set to live buffers below.
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_iov = &mut iov;
    hdr.msg_iovlen = 1;
    hdr.msg_control = cmsg_buf.as_mut_ptr().cast();
    hdr.msg_controllen = space as _;
    let got = loop {
        // SAFETY: `hdr` points at live buffers of the stated sizes.
        let got = unsafe { libc::recvmsg(sock, &mut hdr, libc::MSG_CMSG_CLOEXEC) };
        if got >= 0 {
            break got as usize;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    };
    let mut fds = Vec::new();
    // SAFETY: walking the control messages the kernel wrote, within `msg_controllen`.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&hdr);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg);
                let n = ((*cmsg).cmsg_len as usize - (data as usize - cmsg as usize)) / std::mem::size_of::<RawFd>();
                for i in 0..n {
                    let fd = std::ptr::read_unaligned(data.cast::<RawFd>().add(i));
                    fds.push(OwnedFd::from_raw_fd(fd));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&hdr, cmsg);
        }
    }
    buf.truncate(got);
    Ok((buf, fds))
}

/// R's loop: each request is a message with the unit's socket to G; each answer is `ok` with
/// G's pidfd, or an error in words. Never returns.
pub(crate) fn unit_init_maker(sock: OwnedFd, mounts: &UnitMounts) -> ! {
    // SAFETY: plain syscalls on this single-threaded process.
    unsafe {
        libc::signal(libc::SIGCHLD, libc::SIG_IGN); // the kernel reaps each G
    }
    loop {
        let (msg, fds) = match recv_fds(sock.as_raw_fd()) {
            Ok((msg, fds)) if !msg.is_empty() => (msg, fds),
            _ => std::process::exit(0), // the interpreter is gone
        };
        if msg != b"unit" || fds.len() != 1 {
            let _ = send_fds(sock.as_raw_fd(), b"error: a unit request carries one socket", &[], 0);
            continue;
        }
        let mut pidfd: libc::c_int = -1;
        let flags = (libc::CLONE_NEWPID | libc::CLONE_NEWNS | libc::CLONE_PIDFD | libc::SIGCHLD) as libc::c_ulong;
        // SAFETY: a fork (no new stack, no shared memory) of this single-threaded process; the
        // kernel stores the child's pidfd in `pidfd`.
        let pid =
            unsafe { libc::syscall(libc::SYS_clone, flags, 0usize, &mut pidfd as *mut libc::c_int, 0usize, 0usize) };
        if pid == 0 {
            unit_init(fds[0].as_raw_fd(), mounts);
        }
        drop(fds);
        if pid < 0 {
            let msg = format!("error: cannot make a unit's init: {}", io::Error::last_os_error());
            let _ = send_fds(sock.as_raw_fd(), msg.as_bytes(), &[], 0);
            continue;
        }
        // SAFETY: the kernel just gave this process the descriptor.
        let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
        if send_fds(sock.as_raw_fd(), b"ok", &[pidfd.as_raw_fd()], 0).is_err() {
            std::process::exit(0);
        }
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

/// G, the unit's PID 1. Never returns.
fn unit_init(sock: RawFd, mounts: &UnitMounts) -> ! {
    // SAFETY: plain syscalls on this fresh single-threaded process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        libc::signal(libc::SIGCHLD, libc::SIG_DFL);
        // Joining a process's namespaces through its pidfd takes ptrace read access to it; this
        // process is not dumpable since the sandbox init switched ids, so M could not. (No
        // process of the sandbox may ptrace: seccomp refuses it.)
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
    }
    let built = mount_unit(mounts).and_then(|()| send_fds(sock, b"mounted", &[], 0));
    if let Err(e) = built {
        let _ = send_fds(sock, format!("error: {e}").as_bytes(), &[], 0);
        // SAFETY: ends this process without running anything of R's.
        unsafe { libc::_exit(1) };
    }
    // Only the socket stays open.
    // SAFETY: plain syscalls on descriptor numbers.
    unsafe {
        if sock > 3 {
            libc::syscall(libc::SYS_close_range, 3u32, (sock - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (sock + 1) as u32, u32::MAX, 0u32);
    }
    let report = watch(sock);
    if let Some((status, line)) = report {
        // SAFETY: writes `line` to the status pipe.
        unsafe { libc::write(status.as_raw_fd(), line.as_ptr().cast(), line.len()) };
    }
    // SAFETY: as above; the kernel kills whatever is left of the unit with its init.
    unsafe { libc::_exit(0) }
}

/// Waits for H's pid (from M) and the run's status pipe (from the server), then reaps until H
/// ends and ends the rest of the unit: the status pipe and the line to write on it; None when
/// the unit is dropped unused.
fn watch(sock: RawFd) -> Option<(OwnedFd, String)> {
    let (msg, _) = recv_fds(sock).ok()?;
    let h: libc::pid_t = std::str::from_utf8(&msg).ok()?.trim().parse().ok()?;
    let (msg, mut fds) = recv_fds(sock).ok()?;
    if msg != b"status" || fds.is_empty() {
        return None;
    }
    let status = fds.swap_remove(0);
    drop(fds);
    let line = loop {
        let mut st = 0;
        // SAFETY: valid pointer.
        let done = unsafe { libc::waitpid(-1, &mut st, 0) };
        if done == h {
            break if libc::WIFSIGNALED(st) {
                format!("{{\"signal\": {}}}\n", libc::WTERMSIG(st))
            } else {
                format!("{{\"exit\": {}}}\n", libc::WEXITSTATUS(st))
            };
        }
        if done < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            break "{\"error\": \"lost the program's process\"}\n".to_string();
        }
    };
    // The rest of the unit goes before the report: a run ended by a signal (a timeout, a fork
    // bomb) is answered once its processes are gone, so that it cannot be started again while
    // the last one's are still dying. (A run that ended normally has been answered by H.)
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
    Some((status, line))
}

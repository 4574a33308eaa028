//! The seccomp filters of a run, built in Rust.
//!
//! What a learner's program may do is an allowlist: what CPython and its standard library need
//! for computing, files, threads, processes and pipes. Everything else fails with EPERM — no
//! ptrace, mount, namespaces, bpf, keyrings, kexec, perf, io_uring, and no sockets but Unix ones
//! (and on those no bind, listen or connect, so concurrent runs cannot talk through abstract
//! sockets).
//!
//! That policy is installed in two steps, because installing a long filter costs the kernel
//! about a third of a millisecond (it works out which syscalls the filter always allows):
//! - the *unit* filters, installed once by the process that makes the units: the allowlist plus
//!   the few syscalls a unit needs while it is being built ([`UNIT_ONLY`]: entering its init's
//!   namespaces, the switch to the learner's ids), and clone3 answered ENOSYS;
//! - the *learner* filter, installed by each run's process once it is locked down: it refuses
//!   exactly [`UNIT_ONLY`], so what remains is the allowlist. It is a few instructions long.
//!
//! Filters stack (a syscall must pass every one), and a process cannot remove one, so a
//! program's syscalls face both.

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule, TargetArch,
};
use std::collections::BTreeMap;

/// Syscalls allowed without conditions.
const ALLOWED: &[&str] = &[
    // memory
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "msync",
    "mincore",
    "get_mempolicy",
    "membarrier",
    // files (confined to the read-only root and the run's tmpfs by the mount namespace)
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "open",
    "openat",
    "openat2",
    "creat",
    "close",
    "close_range",
    "lseek",
    "stat",
    "fstat",
    "lstat",
    "newfstatat",
    "statx",
    "statfs",
    "fstatfs",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "getdents",
    "getdents64",
    "getcwd",
    "chdir",
    "fchdir",
    "mkdir",
    "mkdirat",
    "rmdir",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "unlink",
    "unlinkat",
    "symlink",
    "symlinkat",
    "chmod",
    "fchmod",
    "fchmodat",
    "umask",
    "truncate",
    "ftruncate",
    "fallocate",
    "fadvise64",
    "fsync",
    "fdatasync",
    "sync",
    "syncfs",
    "flock",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "copy_file_range",
    "sendfile",
    "splice",
    "tee",
    "readahead",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "ioctl",
    "pipe",
    "pipe2",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "eventfd",
    "eventfd2",
    "timerfd_create",
    "timerfd_settime",
    "timerfd_gettime",
    "signalfd",
    "signalfd4",
    // sockets that already exist (socketpair); creating sockets is filtered below
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "shutdown",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    // processes and threads (clone is filtered below)
    "fork",
    "vfork",
    "execve",
    "exit",
    "exit_group",
    "wait4",
    "waitid",
    "kill",
    "tkill",
    "tgkill",
    "pidfd_open",
    "pidfd_send_signal",
    "getpid",
    "getppid",
    "gettid",
    "getpgrp",
    "getpgid",
    "setpgid",
    "getsid",
    "setsid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getgroups",
    "getresuid",
    "getresgid",
    "set_tid_address",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "futex",
    "futex_waitv",
    "sched_yield",
    "sched_getaffinity",
    "sched_setaffinity",
    "sched_getparam",
    "sched_getscheduler",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "getpriority",
    "setpriority",
    "prctl",
    "arch_prctl",
    "getcpu",
    // signals and time
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigpending",
    "sigaltstack",
    "pause",
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "times",
    "getitimer",
    "setitimer",
    "alarm",
    "timer_create",
    "timer_settime",
    "timer_gettime",
    "timer_getoverrun",
    "timer_delete",
    // information
    "uname",
    "sysinfo",
    "getrlimit",
    "prlimit64",
    "getrusage",
    "getrandom",
];

const AF_UNIX: u64 = 1;
/// Namespace flags a clone may not carry.
const CLONE_NAMESPACES: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u64;

fn arch() -> Result<TargetArch, String> {
    TargetArch::try_from(std::env::consts::ARCH).map_err(|e| format!("seccomp: unsupported architecture: {e:?}"))
}

fn syscall_number(name: &str) -> Option<i64> {
    crate::linux::syscalls::number(name)
}

fn cond(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value).map_err(|e| format!("seccomp: {e}"))
}

/// Syscalls a unit needs while it is built (entering its init's PID and mount namespaces,
/// coming back from the PID namespace, dropping to the learner's ids), allowed by the unit
/// filters and refused by the learner's. (The unit's mounts are made by its init, a process of
/// the sandbox init's that the filters do not apply to.)
pub const UNIT_ONLY: &[&str] = &["setns", "setgroups", "setresuid", "setresgid"];

/// The seccomp programs, as raw `struct sock_filter` bytes.
pub struct Filters {
    /// Installed once by the unit maker, in this order; every unit inherits them.
    pub unit: Vec<Vec<u8>>,
    /// Installed by each run's process when it is locked down.
    pub learner: Vec<u8>,
}

fn rule_map(names: &[&str]) -> BTreeMap<i64, Vec<SeccompRule>> {
    names.iter().filter_map(|name| syscall_number(name)).map(|nr| (nr, Vec::new())).collect()
}

fn compile(filter: SeccompFilter) -> Result<Vec<u8>, String> {
    let prog: BpfProgram = filter.try_into().map_err(|e| format!("seccomp: {e:?}"))?;
    Ok(prog_bytes(&prog))
}

/// Builds the unit and learner filters for this machine's architecture.
pub fn filters() -> Result<Filters, String> {
    let mut rules = rule_map(ALLOWED);
    rules.extend(rule_map(UNIT_ONLY));
    let unix_only = |arg| -> Result<Vec<SeccompRule>, String> {
        Ok(vec![SeccompRule::new(vec![cond(arg, SeccompCmpOp::Eq, AF_UNIX)?]).map_err(|e| format!("seccomp: {e}"))?])
    };
    for (name, rule) in [("socket", unix_only(0)?), ("socketpair", unix_only(0)?)] {
        if let Some(nr) = syscall_number(name) {
            rules.insert(nr, rule);
        }
    }
    if let Some(nr) = syscall_number("clone") {
        let no_ns = SeccompRule::new(vec![cond(0, SeccompCmpOp::MaskedEq(CLONE_NAMESPACES), 0)?])
            .map_err(|e| format!("seccomp: {e}"))?;
        rules.insert(nr, vec![no_ns]);
    }
    // clone3 passes its flags in memory, where a filter cannot look: allow it here and answer
    // ENOSYS in the second filter, so the C library falls back to the checked clone.
    rules.extend(rule_map(&["clone3"]));
    let allow = SeccompFilter::new(rules, SeccompAction::Errno(libc::EPERM as u32), SeccompAction::Allow, arch()?)
        .map_err(|e| format!("seccomp: {e}"))?;
    let no_clone3 = SeccompFilter::new(
        rule_map(&["clone3"]),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch()?,
    )
    .map_err(|e| format!("seccomp: {e}"))?;
    let learner = SeccompFilter::new(
        rule_map(UNIT_ONLY),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch()?,
    )
    .map_err(|e| format!("seccomp: {e}"))?;
    Ok(Filters { unit: vec![compile(allow)?, compile(no_clone3)?], learner: compile(learner)? })
}

fn prog_bytes(prog: &BpfProgram) -> Vec<u8> {
    let mut out = Vec::with_capacity(prog.len() * 8);
    for ins in prog {
        out.extend_from_slice(&ins.code.to_ne_bytes());
        out.push(ins.jt);
        out.push(ins.jf);
        out.extend_from_slice(&ins.k.to_ne_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn filters_build() {
        let f = super::filters().expect("filters build on this architecture");
        assert_eq!(f.unit.len(), 2);
        assert!(f.unit.iter().chain([&f.learner]).all(|p| !p.is_empty() && p.len() % 8 == 0));
        // The learner's filter is short: installing it is what every run pays for.
        assert!(f.learner.len() * 8 < f.unit[0].len(), "{} vs {} bytes", f.learner.len(), f.unit[0].len());
    }

    #[test]
    fn unit_only_syscalls_are_not_in_the_allowlist() {
        for name in super::UNIT_ONLY {
            assert!(!super::ALLOWED.contains(name), "{name} is in the learner's allowlist");
            assert!(super::syscall_number(name).is_some(), "{name} has no number here");
        }
    }
}

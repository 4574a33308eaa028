//! The seccomp filters of a run, built in Rust.
//!
//! What a learner's program may do is an allowlist: what CPython and its standard library need
//! for computing, files, threads, processes and pipes. Everything else fails with EPERM — no
//! ptrace, mount, namespaces, bpf, keyrings, kexec, perf, io_uring, and no sockets but Unix ones
//! (and on those no bind, listen or connect, and no option that autobinds one to an abstract
//! address, so concurrent runs cannot find each other through abstract sockets).
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

use crate::SandboxError;
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule, TargetArch,
};
use std::collections::BTreeMap;

/// Syscalls allowed without conditions.
const ALLOWED: &[i64] = &[
    // memory
    libc::SYS_brk,
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_mremap,
    libc::SYS_mprotect,
    libc::SYS_madvise,
    libc::SYS_msync,
    libc::SYS_mincore,
    libc::SYS_get_mempolicy,
    libc::SYS_membarrier,
    // files (confined to the read-only root and the run's tmpfs by the mount namespace)
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_readv,
    libc::SYS_writev,
    libc::SYS_pread64,
    libc::SYS_pwrite64,
    libc::SYS_preadv,
    libc::SYS_pwritev,
    libc::SYS_preadv2,
    libc::SYS_pwritev2,
    libc::SYS_openat,
    libc::SYS_openat2,
    libc::SYS_close,
    libc::SYS_close_range,
    libc::SYS_lseek,
    libc::SYS_fstat,
    libc::SYS_newfstatat,
    libc::SYS_statx,
    libc::SYS_statfs,
    libc::SYS_fstatfs,
    libc::SYS_faccessat,
    libc::SYS_faccessat2,
    libc::SYS_readlinkat,
    libc::SYS_getdents64,
    libc::SYS_getcwd,
    libc::SYS_chdir,
    libc::SYS_fchdir,
    libc::SYS_mkdirat,
    libc::SYS_renameat,
    libc::SYS_renameat2,
    libc::SYS_linkat,
    libc::SYS_unlinkat,
    libc::SYS_symlinkat,
    libc::SYS_fchmod,
    libc::SYS_fchmodat,
    libc::SYS_umask,
    libc::SYS_truncate,
    libc::SYS_ftruncate,
    libc::SYS_fallocate,
    libc::SYS_fadvise64,
    libc::SYS_fsync,
    libc::SYS_fdatasync,
    libc::SYS_sync,
    libc::SYS_syncfs,
    libc::SYS_flock,
    libc::SYS_utimensat,
    libc::SYS_getxattr,
    libc::SYS_lgetxattr,
    libc::SYS_fgetxattr,
    libc::SYS_listxattr,
    libc::SYS_llistxattr,
    libc::SYS_flistxattr,
    libc::SYS_copy_file_range,
    libc::SYS_sendfile,
    libc::SYS_splice,
    libc::SYS_tee,
    libc::SYS_readahead,
    libc::SYS_dup,
    libc::SYS_dup3,
    libc::SYS_fcntl,
    libc::SYS_ioctl,
    libc::SYS_pipe2,
    libc::SYS_ppoll,
    libc::SYS_pselect6,
    libc::SYS_epoll_create1,
    libc::SYS_epoll_ctl,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
    libc::SYS_eventfd2,
    libc::SYS_timerfd_create,
    libc::SYS_timerfd_settime,
    libc::SYS_timerfd_gettime,
    libc::SYS_signalfd4,
    // sockets that already exist (socketpair); creating sockets is filtered below
    libc::SYS_sendto,
    libc::SYS_recvfrom,
    libc::SYS_sendmsg,
    libc::SYS_recvmsg,
    libc::SYS_sendmmsg,
    libc::SYS_recvmmsg,
    libc::SYS_shutdown,
    libc::SYS_getsockname,
    libc::SYS_getpeername,
    libc::SYS_getsockopt,
    // processes and threads (clone is filtered below)
    libc::SYS_execve,
    libc::SYS_exit,
    libc::SYS_exit_group,
    libc::SYS_wait4,
    libc::SYS_waitid,
    libc::SYS_kill,
    libc::SYS_tkill,
    libc::SYS_tgkill,
    libc::SYS_pidfd_open,
    libc::SYS_pidfd_send_signal,
    libc::SYS_getpid,
    libc::SYS_getppid,
    libc::SYS_gettid,
    libc::SYS_getpgid,
    libc::SYS_setpgid,
    libc::SYS_getsid,
    libc::SYS_setsid,
    libc::SYS_getuid,
    libc::SYS_geteuid,
    libc::SYS_getgid,
    libc::SYS_getegid,
    libc::SYS_getgroups,
    libc::SYS_getresuid,
    libc::SYS_getresgid,
    libc::SYS_set_tid_address,
    libc::SYS_set_robust_list,
    libc::SYS_get_robust_list,
    libc::SYS_rseq,
    libc::SYS_futex,
    libc::SYS_futex_waitv,
    libc::SYS_sched_yield,
    libc::SYS_sched_getaffinity,
    libc::SYS_sched_setaffinity,
    libc::SYS_sched_getparam,
    libc::SYS_sched_getscheduler,
    libc::SYS_sched_get_priority_max,
    libc::SYS_sched_get_priority_min,
    libc::SYS_getpriority,
    libc::SYS_setpriority,
    libc::SYS_prctl,
    libc::SYS_getcpu,
    // signals and time
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    // How the kernel resumes a sleep that a signal interrupted (a futex wait with a timeout,
    // nanosleep, poll) once the signal needed no handler: a thread blocked in a timed wait
    // while a child's SIGCHLD arrives gets it. Refused, the wait fails with EPERM, an error
    // glibc treats as fatal ("The futex facility returned an unexpected error code").
    libc::SYS_restart_syscall,
    libc::SYS_rt_sigsuspend,
    libc::SYS_rt_sigtimedwait,
    libc::SYS_rt_sigpending,
    libc::SYS_sigaltstack,
    libc::SYS_nanosleep,
    libc::SYS_clock_nanosleep,
    libc::SYS_clock_gettime,
    libc::SYS_clock_getres,
    libc::SYS_gettimeofday,
    libc::SYS_times,
    libc::SYS_getitimer,
    libc::SYS_setitimer,
    libc::SYS_timer_create,
    libc::SYS_timer_settime,
    libc::SYS_timer_gettime,
    libc::SYS_timer_getoverrun,
    libc::SYS_timer_delete,
    // information
    libc::SYS_uname,
    libc::SYS_sysinfo,
    libc::SYS_getrlimit,
    libc::SYS_prlimit64,
    libc::SYS_getrusage,
    libc::SYS_getrandom,
];

/// The same for syscalls only older architectures have (aarch64 has only their `*at` forms).
#[cfg(target_arch = "x86_64")]
const ALLOWED_LEGACY: &[i64] = &[
    libc::SYS_open,
    libc::SYS_creat,
    libc::SYS_stat,
    libc::SYS_lstat,
    libc::SYS_access,
    libc::SYS_readlink,
    libc::SYS_getdents,
    libc::SYS_mkdir,
    libc::SYS_rmdir,
    libc::SYS_rename,
    libc::SYS_link,
    libc::SYS_unlink,
    libc::SYS_symlink,
    libc::SYS_chmod,
    libc::SYS_utime,
    libc::SYS_utimes,
    libc::SYS_futimesat,
    libc::SYS_dup2,
    libc::SYS_pipe,
    libc::SYS_poll,
    libc::SYS_select,
    libc::SYS_epoll_create,
    libc::SYS_epoll_wait,
    libc::SYS_eventfd,
    libc::SYS_signalfd,
    libc::SYS_fork,
    libc::SYS_vfork,
    libc::SYS_getpgrp,
    libc::SYS_pause,
    libc::SYS_time,
    libc::SYS_alarm,
    libc::SYS_arch_prctl,
];
#[cfg(not(target_arch = "x86_64"))]
const ALLOWED_LEGACY: &[i64] = &[];

/// Namespace flags a clone may not carry.
const CLONE_NAMESPACES: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u64;

/// Socket options that would give a socket an abstract address of its own (the kernel
/// "autobinds" a Unix socket that passes credentials or pidfds when it sends or connects):
/// with one, a run could be found and sent descriptors by another run, since every run shares
/// the sandbox's network namespace.
const AUTOBINDING_OPTIONS: &[u64] = &[libc::SO_PASSCRED as u64, SO_PASSPIDFD];
/// `SO_PASSPIDFD` (Linux 6.5); not in every libc crate version.
const SO_PASSPIDFD: u64 = 76;

fn seccomp_error(e: impl std::fmt::Debug) -> SandboxError {
    SandboxError::Internal(format!("building the seccomp filters: {e:?}"))
}

fn arch() -> Result<TargetArch, SandboxError> {
    TargetArch::try_from(std::env::consts::ARCH).map_err(|e| SandboxError::KernelFeatureMissing {
        feature: "a seccomp filter for this architecture",
        detail: format!("{e:?}"),
        hint: "PyGuide's sandbox supports x86_64 and aarch64",
    })
}

fn cond(arg: u8, len: SeccompCmpArgLen, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, SandboxError> {
    SeccompCondition::new(arg, len, op, value).map_err(seccomp_error)
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, SandboxError> {
    SeccompRule::new(conditions).map_err(seccomp_error)
}

/// Syscalls a unit needs while it is built (entering its init's PID and mount namespaces,
/// coming back from the PID namespace, dropping to the learner's ids), allowed by the unit
/// filters and refused by the learner's. (The unit's mounts are made by its init, a process of
/// the sandbox init's that the filters do not apply to.)
pub const UNIT_ONLY: &[i64] = &[libc::SYS_setns, libc::SYS_setgroups, libc::SYS_setresuid, libc::SYS_setresgid];

/// The seccomp programs, as raw `struct sock_filter` bytes.
pub struct Filters {
    /// Installed once by the unit maker, in this order; every unit inherits them.
    pub unit: Vec<Vec<u8>>,
    /// Installed by each run's process when it is locked down.
    pub learner: Vec<u8>,
}

fn rule_map(numbers: &[i64]) -> BTreeMap<i64, Vec<SeccompRule>> {
    numbers.iter().map(|nr| (*nr, Vec::new())).collect()
}

fn compile(filter: SeccompFilter) -> Result<Vec<u8>, SandboxError> {
    let prog: BpfProgram = filter.try_into().map_err(seccomp_error)?;
    Ok(prog_bytes(&prog))
}

/// The syscalls allowed only with conditions on their arguments.
fn conditional_rules() -> Result<BTreeMap<i64, Vec<SeccompRule>>, SandboxError> {
    use SeccompCmpArgLen::{Dword, Qword};
    let unix_only = || -> Result<Vec<SeccompRule>, SandboxError> {
        Ok(vec![rule(vec![cond(0, Dword, SeccompCmpOp::Eq, libc::AF_UNIX as u64)?])?])
    };
    // Any option but the autobinding ones: another level, or another name at SOL_SOCKET.
    let mut other_option = Vec::new();
    for option in AUTOBINDING_OPTIONS {
        other_option.push(cond(2, Dword, SeccompCmpOp::Ne, *option)?);
    }
    let setsockopt = vec![rule(vec![cond(1, Dword, SeccompCmpOp::Ne, libc::SOL_SOCKET as u64)?])?, rule(other_option)?];
    let no_namespaces = vec![rule(vec![cond(0, Qword, SeccompCmpOp::MaskedEq(CLONE_NAMESPACES), 0)?])?];
    Ok(BTreeMap::from([
        (libc::SYS_socket, unix_only()?),
        (libc::SYS_socketpair, unix_only()?),
        (libc::SYS_setsockopt, setsockopt),
        (libc::SYS_clone, no_namespaces),
    ]))
}

/// Builds the unit and learner filters for this machine's architecture.
pub fn filters() -> Result<Filters, SandboxError> {
    let mut rules = rule_map(ALLOWED);
    rules.extend(rule_map(ALLOWED_LEGACY));
    rules.extend(rule_map(UNIT_ONLY));
    rules.extend(conditional_rules()?);
    // clone3 passes its flags in memory, where a filter cannot look: allow it here and answer
    // ENOSYS in the second filter, so the C library falls back to the checked clone.
    rules.extend(rule_map(&[libc::SYS_clone3]));
    let allow = SeccompFilter::new(rules, SeccompAction::Errno(libc::EPERM as u32), SeccompAction::Allow, arch()?)
        .map_err(seccomp_error)?;
    let no_clone3 = SeccompFilter::new(
        rule_map(&[libc::SYS_clone3]),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch()?,
    )
    .map_err(seccomp_error)?;
    let learner = SeccompFilter::new(
        rule_map(UNIT_ONLY),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch()?,
    )
    .map_err(seccomp_error)?;
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
        for nr in super::UNIT_ONLY {
            assert!(!super::ALLOWED.contains(nr), "syscall {nr} is in the learner's allowlist");
        }
    }
}

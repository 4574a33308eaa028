/* The one piece of the sandbox that must run inside the pre-warmed interpreter's own process:
 * forking it into a unit without a second copy of the interpreter.
 *
 * A unit's PID 1 (the unit init) is a small process of its own (see unit.rs); the program's
 * process is a copy of the interpreter, and its parent must be the unit init, inside its PID
 * namespace (or os.getppid() would return 0 there). A process cannot pick its parent, so the
 * program's process is forked by an intermediate inside the unit's namespace that exits at once:
 * it is then re-parented to the namespace's init. It then joins the unit's cgroups and locks
 * itself down, all before it runs any Python: setting up in C is fewer pages written (each a copy-on-write fault) than
 * the same steps in Python.
 *
 * The intermediate is made with vfork: it borrows the interpreter's memory instead of copying it, so it costs
 * no page-table copy, no copy-on-write faults and no teardown, where a forked intermediate
 * (or an init in Python) costs all three. While it runs, the caller is suspended; it only
 * makes syscalls, writes its result into the caller's frame, and exits.
 *
 * Built by build.rs into a shared object that the sandbox init writes into the sandbox's root,
 * where the zygote loads it with ctypes.PyDLL (the GIL stays held, as in os.fork).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEARNER 1000 /* the unprivileged uid and gid of every run */

/* What the program's process becomes before it runs any more Python: the learner's limits and filter. */
struct pyguide_lockdown {
    int keep_fd;          /* the process's socket to the unit maker: the one descriptor above 2 kept */
    long cpu_secs;        /* RLIMIT_CPU (soft; the hard limit is one second more) */
    long file_bytes;      /* RLIMIT_FSIZE */
    const struct sock_fprog *filter; /* the learner's seccomp filter */
};

/* Unprivileged for good, before returning to Python: a new session, no descriptors but the
 * standard ones and `keep_fd`, rlimits, uid and gid 1000 (which leaves no capabilities: the
 * unit maker emptied the bounding set), no_new_privs and the learner's seccomp filter on top
 * of the unit filters inherited from the unit maker; then /work as the working folder.
 * Returns 0, or -1 with errno set. */
static int lock_down(const struct pyguide_lockdown *l) {
    const struct {
        int resource;
        rlim_t soft, hard;
    } limits[] = {
        {RLIMIT_CPU, (rlim_t)l->cpu_secs, (rlim_t)l->cpu_secs + 1},
        {RLIMIT_FSIZE, (rlim_t)l->file_bytes, (rlim_t)l->file_bytes},
        {RLIMIT_CORE, 0, 0},
        {RLIMIT_NOFILE, 256, 256},
    };
    if (setsid() < 0)
        return -1;
    if (l->keep_fd > 3 && syscall(SYS_close_range, 3, l->keep_fd - 1, 0) != 0)
        return -1;
    if (syscall(SYS_close_range, l->keep_fd + 1, ~0U, 0) != 0)
        return -1;
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct rlimit r = {limits[i].soft, limits[i].hard};
        if (setrlimit(limits[i].resource, &r) != 0)
            return -1;
    }
    if (setgroups(0, NULL) != 0 || setresgid(LEARNER, LEARNER, LEARNER) != 0 ||
        setresuid(LEARNER, LEARNER, LEARNER) != 0)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, l->filter, 0, 0) != 0)
        return -1;
    return chdir("/work");
}

/* glibc 2.34+ (and musl 1.2.3+): fork without the at-fork handlers, which must not run in a
 * vfork child. It sets the child's thread id in its thread control block, as fork does. */
extern pid_t _Fork(void) __attribute__((weak));

/* Forks the caller into the unit whose init has the pidfd `unit`: the caller must already have
 * set its children's PID namespace to the unit's (setns(unit, CLONE_NEWPID)). The new process
 * starts in the unit's mount namespace, joins the cgroups given by `cgroups` (v1 `tasks` or
 * v2 `cgroup.procs` descriptors, open for writing) before it returns, and is the child of the
 * unit's init.
 *
 * The new process is locked down (see lock_down) before it returns: Python code in it only
 * ever runs as the learner.
 *
 * Returns 0 in the new process; in the caller, the new process's pid as the unit sees it, or
 * a negative errno. Call it between PyOS_BeforeFork and PyOS_AfterFork_Child/_Parent, with the
 * GIL held, and with SIGCHLD not ignored: the caller reaps the intermediate here. */
long pyguide_fork_into(int unit, const int *cgroups, int n_cgroups, const struct pyguide_lockdown *lockdown) {
    volatile long result = -ECHILD; /* the intermediate's answer, written into this frame for the caller */
    if (_Fork == NULL)
        return -ENOSYS;
    pid_t intermediate = vfork();
    if (intermediate < 0)
        return -errno;
    if (intermediate > 0) {
        /* The intermediate has exited (vfork returns in the caller only then): reap it. */
        int status;
        while (waitpid(intermediate, &status, __WALL) < 0 && errno == EINTR) {
        }
        return result;
    }
    long r = 0;
    if (syscall(SYS_setns, unit, CLONE_NEWNS) != 0)
        r = -errno;
    if (r == 0) {
        pid_t program = _Fork();
        if (program == 0) {
            /* The program's process joins the unit's cgroups itself, before anything else: joining can wait
             * long on a busy machine (the kernel's cgroup lock), and the caller, suspended
             * while the intermediate runs, must not. Writing 0 moves the writer alone, and on v1 `tasks`
             * the kernel then skips its global lock on forks and exits. Without its
             * cgroups it must not run at all. */
            for (int i = 0; i < n_cgroups; i++)
                if (write(cgroups[i], "0", 1) != 1)
                    _exit(126);
            /* Return to Python only once the intermediate is gone and the unit's init is the parent
             * (it exits right away; this loop rarely turns). */
            while (getppid() != 1)
                sched_yield();
            if (lock_down(lockdown) != 0)
                _exit(126);
            return 0;
        }
        r = program < 0 ? -errno : program;
    }
    result = r;
    _exit(0);
}


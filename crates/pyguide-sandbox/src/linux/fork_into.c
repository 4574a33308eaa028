/* The one piece of the sandbox that must run inside the pre-warmed interpreter's own process:
 * forking it into a unit without a second copy of the interpreter.
 *
 * A unit's PID 1 (G) is a small process of its own (see unit.rs); the learner's process H is a
 * copy of the interpreter, and its parent must be G, inside H's PID namespace (or
 * os.getppid() would return 0 there). A process cannot pick its parent, so H is forked by an
 * intermediate X inside the unit's namespace that exits at once: H is then re-parented to the
 * namespace's init, G. H then joins the unit's cgroups.
 *
 * X is made with vfork: it borrows the interpreter's memory instead of copying it, so it costs
 * no page-table copy, no copy-on-write faults and no teardown, where a forked intermediate
 * (or a Python G) costs all three. While X runs, the caller is suspended; X only makes
 * syscalls, writes its result into the caller's frame, and exits.
 *
 * Built by build.rs into a shared object that the sandbox init writes into the sandbox's root,
 * where the zygote loads it with ctypes.PyDLL (the GIL stays held, as in os.fork).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc 2.34+ (and musl 1.2.3+): fork without the at-fork handlers, which must not run in a
 * vfork child. It sets the child's thread id in its thread control block, as fork does. */
extern pid_t _Fork(void) __attribute__((weak));

/* Forks the caller into the unit whose init has the pidfd `unit`: the caller must already have
 * set its children's PID namespace to the unit's (setns(unit, CLONE_NEWPID)). The new process
 * starts in the unit's mount namespace, joins the cgroups given by `cgroups` (v1 `tasks` or
 * v2 `cgroup.procs` descriptors, open for writing) before it returns, and is the child of the
 * unit's init.
 *
 * Returns 0 in the new process; in the caller, the new process's pid as the unit sees it, or
 * a negative errno. Call it between PyOS_BeforeFork and PyOS_AfterFork_Child/_Parent, with the
 * GIL held. */
long pyguide_fork_into(int unit, const int *cgroups, int n_cgroups) {
    volatile long result = -ECHILD; /* X's answer, written into this frame for the caller */
    if (_Fork == NULL)
        return -ENOSYS;
    pid_t x = vfork();
    if (x < 0)
        return -errno;
    if (x == 0) {
        long r = 0;
        if (syscall(SYS_setns, unit, CLONE_NEWNS) != 0)
            r = -errno;
        if (r == 0) {
            pid_t h = _Fork();
            if (h == 0) {
                /* H joins the unit's cgroups itself, before anything else: joining can wait
                 * long on a busy machine (the kernel's cgroup lock), and the caller, suspended
                 * while X runs, must not. Writing 0 moves the writer alone, and on v1 `tasks`
                 * the kernel then skips its global lock on forks and exits. Without its
                 * cgroups H must not run at all. */
                for (int i = 0; i < n_cgroups; i++)
                    if (write(cgroups[i], "0", 1) != 1)
                        _exit(126);
                /* Return to Python only once X is gone and the unit's init is the parent
                 * (X exits right away; this loop rarely turns). */
                while (getppid() != 1)
                    sched_yield();
                return 0;
            }
            r = h < 0 ? -errno : h;
        }
        result = r;
        _exit(0);
    }
    return result;
}

# outcome: success
# stdout: threads kept waiting through 20 forks
# A benign program that forks (a double fork with setsid, as a daemon does) while it has
# threads. A child's exit sends SIGCHLD; while the main thread blocks it (glibc blocks every
# signal while it creates a thread; here the program blocks it outright, so that every round
# hits), the kernel gives it to a thread asleep in a timed wait. SIGCHLD needs no handler, so
# the kernel resumes that wait with restart_syscall. The sandbox once refused restart_syscall:
# the wait failed with EPERM, and glibc aborted the whole program with "The futex facility
# returned an unexpected error code".
import os, signal, threading

ROUNDS = 20


def double_fork():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os._exit(0)
        os._exit(0)
    return pid


for _ in range(ROUNDS):
    done = threading.Event()
    ready = threading.Barrier(11)

    def wait():
        ready.wait()
        done.wait(timeout=30)  # a futex wait with a timeout

    threads = [threading.Thread(target=wait) for _ in range(10)]
    for t in threads:
        t.start()
    ready.wait()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    os.waitpid(double_fork(), 0)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    done.set()
    for t in threads:
        t.join()
print("threads kept waiting through %d forks" % ROUNDS)

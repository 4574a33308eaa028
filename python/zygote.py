# PyGuide's pre-warmed interpreter: runs inside the sandbox and keeps sandboxes ready to run.
#
# Started by `pyguide __sandbox-init` as root of a fresh user namespace, in a read-only minimal
# root, with fd 0 a SOCK_SEQPACKET control socket to the server. It keeps a few warm "units"
# ready. Making a unit (off the request path):
#   Z (this process, PID 1 of a PID namespace of the sandbox's own) asks M, its child that only
#   makes units (so that Z's loop never waits for a fork), for a unit. M makes a new PID
#   namespace and forks G, its PID 1, returns to its own namespace and hands Z the unit's
#   sockets. G joins the unit's cgroup, makes
#   a new mount namespace with a fresh tmpfs on /work, /tmp and /dev/shm, and forks H,
#   which drops to an unprivileged user with no capabilities, sets no_new_privs, rlimits and
#   the learner's seccomp filter (on top of the unit filters M installed for all units), and
#   says "ready".
# Each unit is made inside a cgroup of its own: the server supplies spare cgroups (their open
# `tasks` files on v1, `cgroup.procs` on v2) ahead of time, and G joins one before anything
# else, so the cgroup migration is off the request path too.
# A run (the request path) is then only message passing: the server sends {"op": "run", "run": N}
# and, as SCM_RIGHTS, stdin (read end), stdout, stderr, status (write ends), payload (read end);
# then, separately, a new spare cgroup for the unit that replaces this one. Z hands the status
# pipe to G and H and the rest to H, and answers {"run": N, "cgroup": id} so the server knows
# which cgroup to watch and remove. H takes stdin/stdout/stderr, writes main.py and the extra
# files into /work and runs main.py as `python -u main.py` would. When the program ends, H
# closes its output and writes its exit status as one line on the status pipe: the server has
# the result without waiting for the process teardown. G writes how H ended (a signal, say) on
# the status pipe when H could not, and exits, which makes the kernel kill whatever H left
# behind in the namespace. The server reads the first line only.
BASELINE_MODULES = set(__import__("sys").modules)

import array
import ctypes
import fcntl
import gc
import json
import os
import resource
import select
import signal
import socket
import sys

LEARNER = 1000
WORK = "/work"
MAIN = WORK + "/main.py"
STATUS_FD = -1  # H's end of the run's status pipe
H_PID = -1  # only H reports its end (a child the program forks ends on its own)

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


CONFIG = json.loads(sys.argv[1])
UNIT_FILTERS = [bytes.fromhex(h) for h in CONFIG["unit_filters"]]
LEARNER_FILTER = bytes.fromhex(CONFIG["learner_filter"])
WARM_UNITS = int(CONFIG["warm_units"])  # units kept ready or in the making
# Made here, once: a ctypes buffer of a new size is a new ctypes type, costly in every unit.
LEARNER_FILTER_BUF = ctypes.create_string_buffer(LEARNER_FILTER, len(LEARNER_FILTER))
FD_SPACE = socket.CMSG_SPACE(16 * array.array("i").itemsize)


def install_seccomp(buf):
    """Adds the filter in `buf` (a ctypes buffer of `struct sock_filter`) to this process."""
    prog = SockFprog(len(buf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0), "seccomp")


def check(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))


def prctl(option, arg2=0):
    check(libc.prctl(option, arg2, 0, 0, 0), "prctl(%d)" % option)


def die_with_parent():
    """Killed when the parent dies; and if it already has, exit now."""
    parent = os.getppid()
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def mount_tmpfs(target, options):
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    check(libc.mount(b"tmpfs", target.encode(), b"tmpfs", flags, options.encode()), "mount " + target)


def recv_fds(sock):
    """One message and its descriptors; (b"", []) when the peer is gone."""
    msg, ancdata, _, _ = sock.recvmsg(1 << 16, FD_SPACE)
    fds = array.array("i")
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
    return msg, list(fds)


def above_stdio(fds):
    """Copies of `fds` numbered above 2 (close-on-exec), the originals closed. New or received
    descriptors may take a free number among 0-2 (H's fd 0 is closed), which must not be
    overwritten by, or mistaken for, the standard streams."""
    lifted = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3) for fd in fds]
    for fd in fds:
        os.close(fd)
    return lifted


def send_fds(sock, msg, fds):
    sock.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


# ---------------------------------------------------------------- making a unit (off the request path)

def close_all_but(keep):
    """Closes every descriptor above 2 except `keep`."""
    low = 3
    for fd in sorted(set(keep)):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 1 << 16)


SYS_PIDFD_OPEN = 434
# This process's own PID namespace, to come back to after making each unit's.
SELF_PIDFD = libc.syscall(SYS_PIDFD_OPEN, os.getpid(), 0)


def make_unit(cgroup_fds):
    """Forks G, PID 1 of a new PID namespace, inside the cgroup given by `cgroup_fds`;
    returns (socket to G, socket to H)."""
    g_ours, g_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    h_ours, h_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    check(libc.unshare(CLONE_NEWPID), "unshare(pid)")
    try:
        pid = os.fork()
    except OSError:
        pid = -1
    if pid != 0:  # back to this process's own namespace for its next children
        check(libc.setns(SELF_PIDFD, CLONE_NEWPID), "setns(pid)")
    if pid < 0:
        raise OSError("fork failed")
    if pid == 0:
        try:
            for fd in cgroup_fds:
                os.write(fd, b"0")
            close_all_but([g_theirs.fileno(), h_theirs.fileno()])
            os.close(0)
            unit_g(g_theirs, h_theirs)
        finally:
            os._exit(1)
    g_theirs.close()
    h_theirs.close()
    return g_ours, h_ours


def unit_g(g_sock, h_sock):
    """PID 1 of the unit: its mounts, then forks H, reaps everything, reports how H ended."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        die_with_parent()
        check(libc.unshare(CLONE_NEWNS), "unshare(mount)")
        size, inodes = int(CONFIG["tmpfs_bytes"]), int(CONFIG["tmpfs_inodes"])
        common = "uid=%d,gid=%d,nr_inodes=%d" % (LEARNER, LEARNER, inodes)
        mount_tmpfs(WORK, "size=%d,mode=0700,%s" % (size, common))
        mount_tmpfs("/tmp", "size=%d,mode=1777,%s" % (size, common))
        mount_tmpfs("/dev/shm", "size=%d,mode=1777,%s" % (int(CONFIG["shm_bytes"]), common))
        pid = os.fork()
        if pid == 0:
            g_sock.close()
            unit_h(h_sock)
        h_sock.close()
        _, fds = recv_fds(g_sock)
        status = fds[0] if fds else None
        st = None
        while True:
            try:
                done, st = os.waitpid(-1, 0)
            except ChildProcessError:
                st = None
                break
            if done == pid:
                break
        if status is not None:
            if st is None:
                report = {"error": "lost the program's process"}
            elif os.WIFSIGNALED(st):
                report = {"signal": os.WTERMSIG(st)}
            else:
                report = {"exit": os.WEXITSTATUS(st)}
            os.write(status, json.dumps(report).encode() + b"\n")
    finally:
        os._exit(0)


def lock_down():
    """Unprivileged for good: rlimits, uid 1000 (which leaves no capabilities: M emptied the
    bounding set), no_new_privs, the learner's seccomp filter."""
    for res, value in (
        (resource.RLIMIT_CPU, (int(CONFIG["cpu_secs"]), int(CONFIG["cpu_secs"]) + 1)),
        (resource.RLIMIT_FSIZE, (int(CONFIG["file_bytes"]),) * 2),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_NOFILE, (256, 256)),
    ):
        resource.setrlimit(res, value)
    os.setgroups([])
    os.setresgid(LEARNER, LEARNER, LEARNER)
    os.setresuid(LEARNER, LEARNER, LEARNER)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    # The unit filters (inherited from M) allow what building the unit needed; this one
    # takes that away, leaving the learner's allowlist.
    install_seccomp(LEARNER_FILTER_BUF)


def unit_h(h_sock):
    """The learner's process: locked down while idle, then runs one program."""
    try:
        os.setsid()
        die_with_parent()
        os.closerange(3, h_sock.fileno())
        os.closerange(h_sock.fileno() + 1, 1 << 16)
        lock_down()
        os.chdir(WORK)
        prepare_run()
        h_sock.send(b"ready")
        try:
            msg, fds = recv_fds(h_sock)
        except OSError:
            msg = b""
        if not msg:
            os._exit(0)  # the unit was never used
        h_sock.close()
        stdin, stdout, stderr, status, payload = above_stdio(fds)[:5]
        global STATUS_FD, H_PID
        STATUS_FD, H_PID = status, os.getpid()
        for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, target)
            os.close(fd)
        chunks = []
        while True:
            chunk = os.read(payload, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(payload)
        request = json.loads(b"".join(chunks))
        for name, text in [("main.py", request["code"])] + sorted(request.get("files", {}).items()):
            with open(name, "w", encoding="utf-8") as f:
                f.write(text)
        tool = request.get("tool")
        if tool:  # a PyGuide tool (the inspector) runs main.py instead; it lives outside /work
            path = "/tmp/" + tool["name"]
            with open(path, "w", encoding="utf-8") as f:
                f.write(tool["source"])
            for name, text in sorted(tool.get("files", {}).items()):
                with open("/tmp/" + name, "w", encoding="utf-8") as f:
                    f.write(text)
            entry = (tool["source"], path, [path, MAIN])
        else:
            entry = (request["code"], MAIN, ["main.py"])
    except BaseException as e:  # the sandbox could not be set up: never run the code then
        try:
            os.write(2, ("PyGuide sandbox error: %r\n" % (e,)).encode())
        finally:
            os._exit(125)
    try:
        run_main(*entry)
    finally:
        os._exit(125)  # run_main ends with os._exit; reaching here means the runner broke


# ---------------------------------------------------------------- running main.py

def prepare_interpreter():
    """Z, once: the state every run starts from that does not depend on the program, made
    before any unit is forked so that no unit pays for it. The learner's environment; the
    standard streams as a run sees them (on descriptors 0-2, which each run's process points at
    its own pipes); the AST node types, which the first compile() of an interpreter builds;
    and only the modules Python itself loads at start-up in sys.modules (this process keeps its
    own through its globals)."""
    import io

    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": WORK, "LANG": "C.UTF-8",
                       "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp", "TZ": "UTC", "USER": "learner", "LOGNAME": "learner"})
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.open(0, "rb", closefd=False), encoding="utf-8")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        io.open(1, "wb", buffering=0, closefd=False), encoding="utf-8", write_through=True)
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.open(2, "wb", buffering=0, closefd=False), encoding="utf-8", errors="backslashreplace",
        write_through=True)
    compile("pass", "<zygote>", "exec")
    forget_modules()


def prepare_run():
    """Done while the unit is idle: one rehearsal of a run's path, with stand-in pipes as the
    standard streams until the run's arrive. The rehearsal makes the memory pages a run writes
    this process's own copies now: those copy-on-write faults cost about 0.4 ms when a run took
    them on the request path (measured: 0.76 ms from the run's arrival to its end without the
    rehearsal, 0.40 ms with it)."""
    r, w = above_stdio(os.pipe())
    os.dup2(r, 0)
    os.dup2(w, 1)
    os.dup2(w, 2)
    os.close(r)
    os.close(w)
    rehearsal = json.loads(json.dumps({"code": "print('ready')\n", "files": {"w.py": "x = 1\n"}, "tool": None}))
    for name, text in rehearsal["files"].items():
        with open(name, "w", encoding="utf-8") as f:
            f.write(text)
        os.unlink(name)
    main = type(sys)("__main__")
    main.__builtins__ = __builtins__
    exec(compile(rehearsal["code"], MAIN, "exec", dont_inherit=True), main.__dict__)
    forget_modules()


def forget_modules():
    """A fresh interpreter's view: only the modules Python itself loads at start-up."""
    for name in list(sys.modules):
        if name not in BASELINE_MODULES:
            del sys.modules[name]


def run_main(source, filename, argv):
    forget_modules()
    sys.path_importer_cache.pop("", None)
    sys.path[0] = WORK
    sys.argv[:] = argv
    main = type(sys)("__main__")
    main.__file__ = filename
    main.__cached__ = None
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    gc.unfreeze()
    code = 0
    try:
        compiled = compile(source, filename, "exec", dont_inherit=True)
        exec(compiled, main.__dict__)
    except SystemExit as e:
        code = exit_code(e)
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        code = 1
    finish(code)


def exit_code(e):
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    try:
        print(e.code, file=sys.stderr)
    except Exception:
        pass
    return 1


def finish(code):
    """What the interpreter does at exit: wait for threads, run atexit, flush."""
    try:
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
    except SystemExit as e:
        code = exit_code(e)
    except BaseException:
        pass
    try:
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    # The run is over: output closed, then the status, so the server answers now rather than
    # after this process's teardown (G reports a death by a signal instead).
    if os.getpid() == H_PID:
        try:
            os.close(1)
            os.close(2)
            os.write(STATUS_FD, b'{"exit": %d}\n' % code)
        except BaseException:
            pass
    os._exit(code)


# ---------------------------------------------------------------- the zygote's loop

def unit_maker(sock):
    """M: makes units on request, so that Z's loop never waits for a fork. Each request is a
    spare cgroup's descriptors; each answer hands Z the new unit's two sockets."""
    try:
        die_with_parent()
        # Capabilities no process of a unit can ever gain again (the bounding set is
        # inherited; each run's process then loses the rest when it becomes the learner).
        for cap in range(64):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                break
        # Installed once here and inherited by every unit: each run's process then only adds
        # the learner's short filter, instead of having the kernel analyse the long one per run.
        for raw in UNIT_FILTERS:
            install_seccomp(ctypes.create_string_buffer(raw, len(raw)))
        while True:
            msg, fds = recv_fds(sock)
            if not msg:
                os._exit(0)  # Z is gone
            try:
                g, h = make_unit(fds)
            except OSError:
                g = h = None
            for fd in fds:
                os.close(fd)
            if g is None:
                sock.send(msg)  # no unit: Z gives the cgroup back
                continue
            send_fds(sock, msg, [g.fileno(), h.fileno()])
            g.close()
            h.close()
    finally:
        os._exit(1)


def serve():
    ctl = socket.socket(fileno=0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps M and the units' G processes
    prepare_interpreter()
    gc.collect()
    gc.freeze()
    maker, maker_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.fork() == 0:
        # M must not hold the server's socket; /dev/null takes its place as fd 0.
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        ctl.detach()
        maker.close()
        unit_maker(maker_theirs)
    maker_theirs.close()
    poller = select.poll()
    poller.register(ctl.fileno(), select.POLLIN)
    poller.register(maker.fileno(), select.POLLIN)
    making = set()  # cgroup ids M is making units in
    warming = {}  # fd of H's socket -> (socket to G, socket to H, cgroup id)
    ready = []
    pending = []  # runs waiting for a unit: (run id, fds)
    spares = []  # cgroups for future units: (id, fds)

    def warm():
        cg_id, cg_fds = spares.pop(0)
        send_fds(maker, json.dumps({"id": cg_id}).encode(), cg_fds)
        for fd in cg_fds:
            os.close(fd)
        making.add(cg_id)

    def made(msg, fds):
        cg_id = json.loads(msg)["id"]
        making.discard(cg_id)
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            ctl.send(json.dumps({"lost_cgroup": cg_id}).encode())
            return
        g = socket.socket(fileno=fds[0])
        h = socket.socket(fileno=fds[1])
        warming[h.fileno()] = (g, h, cg_id)
        poller.register(h.fileno(), select.POLLIN)

    def dispatch(unit, run, fds):
        g, h, cg_id = unit
        try:
            send_fds(g, b"status", fds[3:4])
            send_fds(h, b"run", fds[:5])
            answer = {"run": run, "cgroup": cg_id}
        except OSError as e:
            answer = {"run": run, "cgroup": cg_id, "error": "a sandbox unit was lost: %s" % e}
        g.close()
        h.close()
        for fd in fds[:5]:
            os.close(fd)
        ctl.send(json.dumps(answer).encode())

    ctl.send(b"ready")
    while True:
        try:
            events = poller.poll()
        except InterruptedError:
            continue
        for fd, _ in events:
            if fd == maker.fileno():
                msg, fds = recv_fds(maker)
                if not msg:
                    os._exit(1)  # M is gone: the server starts a new sandbox
                made(msg, fds)
            elif fd == ctl.fileno():
                msg, fds = recv_fds(ctl)
                if not msg:
                    os._exit(0)  # the server is gone
                req = json.loads(msg)
                if req["op"] == "cgroup":  # a spare cgroup for a future unit
                    spares.append((req["id"], fds))
                else:  # a run and its descriptors
                    pending.append((req["run"], fds[:5]))
            elif fd in warming:
                unit = warming.pop(fd)
                poller.unregister(fd)
                try:
                    ok = unit[1].recv(16) == b"ready"
                except OSError:
                    ok = False
                if ok:
                    ready.append(unit)
                else:
                    unit[0].close()
                    unit[1].close()
                    ctl.send(json.dumps({"lost_cgroup": unit[2]}).encode())
        while pending and ready:
            run, fds = pending.pop(0)
            dispatch(ready.pop(0), run, fds)
        while spares and len(ready) + len(warming) + len(making) < WARM_UNITS + len(pending):
            warm()


serve()

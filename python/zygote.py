# PyGuide's pre-warmed interpreter: runs inside the sandbox and keeps sandboxes ready to run.
#
# Started by `pyguide __sandbox-init` as root of a fresh user namespace, in a read-only minimal
# root, with fd 0 a SOCK_SEQPACKET control socket to the server and fd 3 a socket to R, the
# init's small process that makes unit inits (see unit.rs). It makes the sandboxes ("units")
# that the server hands runs to.
# Making a unit (off the request path):
#   Z (this process, PID 1 of a PID namespace of the sandbox's own) asks M, its child that only
#   makes units (so that Z's loop never waits for a fork), for a unit in each spare cgroup the
#   server sends. M keeps a few unit inits ready, made ahead by R: each, G, is PID 1 of a new
#   PID namespace with a new mount namespace and a fresh tmpfs on /work, /tmp and /dev/shm. M
#   forks H into an init's namespaces through the native helper fork_into.c (a vfork'd
#   intermediate forks H and exits, so that H's parent is G and the interpreter is copied once,
#   not twice); still in C, before it runs any Python, H joins the unit's cgroups, drops to an
#   unprivileged user with no capabilities, sets no_new_privs, rlimits and the learner's seccomp
#   filter (on top of the unit filters M installed for all units). H then rehearses a run and
#   says "ready". M tells G H's pid and hands Z the unit's sockets; once H is ready, Z hands
#   them to the server ({"unit": cgroup id}) and forgets the unit.
# Each unit runs inside a cgroup of its own: the server supplies spare cgroups (their open
# `tasks` files on v1, `cgroup.procs` on v2) ahead of time, and H joins one before anything
# else, so the cgroup migration is off the request path too.
# A run (the request path) is then only message passing, between the server and the unit
# alone: the server sends G "status" with the run's status pipe (write end), and H "run" with,
# as SCM_RIGHTS, stdin (read end), stdout, stderr, status (write ends), payload (read end).
# H takes stdin/stdout/stderr, writes main.py and the extra files into /work and runs main.py
# as `python -u main.py` would. When the program ends, H closes its output and writes its exit
# status as one line on the status pipe: the server has the result without waiting for the
# process teardown. G writes how H ended (a signal, say) on the status pipe when H could not,
# and exits, which makes the kernel kill whatever H left behind in the namespace. The server
# reads the first line only.
BASELINE_MODULES = set(__import__("sys").modules)

import array
import ctypes
import fcntl
import gc
import json
import os
import select
import signal
import socket
import sys

WORK = "/work"
MAIN = WORK + "/main.py"
STATUS_FD = -1  # H's end of the run's status pipe
H_PID = -1  # only H reports its end (a child the program forks ends on its own)

CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


CONFIG = json.loads(sys.argv[1])
UNIT_FILTERS = [bytes.fromhex(h) for h in CONFIG["unit_filters"]]
LEARNER_FILTER = bytes.fromhex(CONFIG["learner_filter"])
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

SYS_PIDFD_OPEN = 434
# This process's own PID namespace, to come back to after making each unit's.
SELF_PIDFD = libc.syscall(SYS_PIDFD_OPEN, os.getpid(), 0)
# R, the sandbox init's process that makes each unit's init G (a small process, not a copy of
# this interpreter).
UNIT_INIT = socket.socket(fileno=int(CONFIG["unit_init_fd"]))
# The native helper that forks this interpreter into a unit (fork_into.c). PyDLL keeps the GIL
# held during the call, as os.fork does.
FORK_INTO = ctypes.PyDLL(CONFIG["fork_into"]).pyguide_fork_into


class Lockdown(ctypes.Structure):
    """fork_into.c's struct pyguide_lockdown: what H becomes before it runs Python again."""
    _fields_ = [("keep_fd", ctypes.c_int), ("cpu_secs", ctypes.c_long), ("file_bytes", ctypes.c_long),
                ("filter", ctypes.c_void_p)]


LEARNER_PROG = SockFprog(len(LEARNER_FILTER) // 8, ctypes.cast(LEARNER_FILTER_BUF, ctypes.c_void_p))
FORK_INTO.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_int, ctypes.POINTER(Lockdown)]
FORK_INTO.restype = ctypes.c_long
BEFORE_FORK = ctypes.pythonapi.PyOS_BeforeFork
AFTER_FORK_PARENT = ctypes.pythonapi.PyOS_AfterFork_Parent
AFTER_FORK_CHILD = ctypes.pythonapi.PyOS_AfterFork_Child
for _f in (BEFORE_FORK, AFTER_FORK_PARENT, AFTER_FORK_CHILD):
    _f.argtypes, _f.restype = [], None


INITS_READY = 4  # unit inits M keeps mounted and waiting, so that making a unit waits for none


def make_unit(init, cgroup_fds):
    """Forks H into `init` (a mounted unit init: its socket and pidfd) and the cgroups given by
    `cgroup_fds`; returns (socket to G, socket to H)."""
    g, pidfd = init
    h_ours, h_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        pid = fork_into(pidfd, cgroup_fds, h_theirs)
        g.send(b"%d" % pid)
    except OSError:
        g.close()
        h_ours.close()
        raise
    finally:
        os.close(pidfd)
        h_theirs.close()
    return g, h_ours


def fork_into(unit, cgroup_fds, h_sock):
    """Forks H into the unit whose init has the pidfd `unit`: its PID and mount namespaces and
    its cgroups, as the child of G (see fork_into.c). Returns H's pid as the unit sees it."""
    cgroups = (ctypes.c_int * len(cgroup_fds))(*cgroup_fds)
    lockdown = Lockdown(h_sock.fileno(), int(CONFIG["cpu_secs"]), int(CONFIG["file_bytes"]),
                        ctypes.addressof(LEARNER_PROG))
    check(libc.setns(unit, CLONE_NEWPID), "setns(pid)")
    try:
        BEFORE_FORK()
        pid = FORK_INTO(unit, cgroups, len(cgroup_fds), ctypes.byref(lockdown))
        if pid == 0:
            try:
                AFTER_FORK_CHILD()
                unit_h(h_sock)
            finally:
                os._exit(1)
        AFTER_FORK_PARENT()
    finally:  # back to this process's own namespace for its next children
        check(libc.setns(SELF_PIDFD, CLONE_NEWPID), "setns(pid)")
    if pid < 0:
        raise OSError(-pid, "forking into a unit: " + os.strerror(-pid))
    return pid


def unit_h(h_sock):
    """The learner's process, locked down by fork_into.c (in /work, with no descriptors but
    the standard ones and `h_sock`): rehearses while idle, then runs one program."""
    try:
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
        # Whatever registered an exit function imported atexit first (importing it here
        # would cost a first import in this process on every run's path).
        atexit = sys.modules.get("atexit")
        if atexit is not None:
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
        # X, the intermediate that forks each H, is reaped by fork_into.c; H inherits this.
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # Capabilities no process of a unit can ever gain again (the bounding set is
        # inherited; each run's process then loses the rest when it becomes the learner).
        for cap in range(64):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                break
        # Installed once here and inherited by every unit: each run's process then only adds
        # the learner's short filter, instead of having the kernel analyse the long one per run.
        for raw in UNIT_FILTERS:
            install_seccomp(ctypes.create_string_buffer(raw, len(raw)))
        # Unit inits are made ahead: R makes each, then it mounts the unit's folders, each step
        # a wait for a process's turn on a busy machine. A unit is then only a fork away.
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        poller.register(UNIT_INIT.fileno(), select.POLLIN)
        asked = []  # sockets to the inits R is making (R answers in order)
        mounting = {}  # fd of the socket to an init -> (socket, pidfd) while it mounts
        inits = []  # mounted inits: (socket, pidfd)
        requests = []  # Z's requests for a unit: (message, cgroup descriptors)
        while True:
            while len(asked) + len(mounting) + len(inits) < INITS_READY:
                g, g_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                send_fds(UNIT_INIT, b"unit", [g_theirs.fileno()])
                g_theirs.close()
                asked.append(g)
            while requests and inits:
                msg, fds = requests.pop(0)
                try:
                    g, h = make_unit(inits.pop(0), fds)
                except OSError as e:  # Z gives the cgroup back (inits die when the sandbox stops)
                    g = h = None
                    error = "could not make a unit: %s" % e
                for fd in fds:
                    os.close(fd)
                if g is None:
                    sock.send(json.dumps({"id": json.loads(msg)["id"], "error": error}).encode())
                    continue
                send_fds(sock, msg, [g.fileno(), h.fileno()])
                g.close()
                h.close()
            try:
                events = poller.poll()
            except InterruptedError:
                continue
            for fd, _ in events:
                if fd == sock.fileno():
                    msg, fds = recv_fds(sock)
                    if not msg:
                        os._exit(0)  # Z is gone
                    requests.append((msg, fds))
                elif fd == UNIT_INIT.fileno():
                    msg, fds = recv_fds(UNIT_INIT)
                    if not msg:
                        os._exit(1)  # R is gone, and with it the sandbox
                    g = asked.pop(0)
                    if msg != b"ok" or len(fds) != 1:
                        for extra in fds:
                            os.close(extra)
                        g.close()
                        continue
                    mounting[g.fileno()] = (g, fds[0])
                    poller.register(g.fileno(), select.POLLIN)
                elif fd in mounting:
                    g, pidfd = mounting.pop(fd)
                    poller.unregister(fd)
                    answer = g.recv(256)
                    if answer == b"mounted":
                        inits.append((g, pidfd))
                        continue
                    g.close()
                    os.close(pidfd)
                    if answer:  # the init's own words (a mount it could not make); Z tells the server
                        sock.send(json.dumps({"init_error": answer.decode("utf-8", "replace")}).encode())
    finally:
        os._exit(1)


def serve():
    ctl = socket.socket(fileno=0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps M (and M's intermediates)
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
    UNIT_INIT.close()  # M's alone
    poller = select.poll()
    poller.register(ctl.fileno(), select.POLLIN)
    poller.register(maker.fileno(), select.POLLIN)
    warming = {}  # fd of H's socket -> (socket to G, socket to H, cgroup id)

    def lost(cg_id, error):
        ctl.send(json.dumps({"lost_cgroup": cg_id, "error": error}).encode())

    def made(msg, fds):
        answer = json.loads(msg)
        if "init_error" in answer:
            ctl.send(json.dumps({"unit_error": answer["init_error"]}).encode())
            return
        cg_id = answer["id"]
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            lost(cg_id, answer.get("error", "the unit maker answered without a unit"))
            return
        g = socket.socket(fileno=fds[0])
        h = socket.socket(fileno=fds[1])
        warming[h.fileno()] = (g, h, cg_id)
        poller.register(h.fileno(), select.POLLIN)

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
                # A spare cgroup: M makes a unit in it at once.
                send_fds(maker, msg, fds)
                for fd in fds:
                    os.close(fd)
            elif fd in warming:
                g, h, cg_id = warming.pop(fd)
                poller.unregister(fd)
                try:
                    ok = h.recv(16) == b"ready"
                except OSError:
                    ok = False
                if ok:
                    # The server hands runs to ready units itself: G gets the run's status
                    # pipe, H the rest.
                    send_fds(ctl, json.dumps({"unit": cg_id}).encode(), [g.fileno(), h.fileno()])
                else:
                    lost(cg_id, "the unit's process ended while it was being set up")
                g.close()
                h.close()

serve()

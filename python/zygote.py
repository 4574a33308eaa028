# PyGuide's pre-warmed interpreter: runs inside the sandbox and keeps units ready to run.
# (The process tree is drawn in crates/pyguide-sandbox/src/linux/mod.rs; the messages are
# protocol.py's, which comes first in the same program.)
#
# Started by `pyguide __sandbox-init` as root of a fresh user namespace, in a read-only minimal
# root, with fd 0 a SOCK_SEQPACKET control socket to the server and fd 3 a socket to the init
# maker, the sandbox init's small process that makes unit inits (see unit.rs).
# Making a unit (off the request path):
#   The interpreter (this process, PID 1 of a PID namespace of the sandbox's own) asks the
#   unit maker, its child that only makes units (so that the interpreter's loop never waits for
#   a fork), for a unit in each spare cgroup the server sends. The unit maker keeps a few unit
#   inits ready, made ahead by the init maker: each is PID 1 of a new PID namespace with a new
#   mount namespace and a fresh tmpfs on /work, /tmp and /dev/shm. The unit maker forks the
#   program's process into an init's namespaces through the native helper fork_into.c (a
#   vfork'd intermediate forks the program's process and exits, so that its parent is the unit
#   init and the interpreter is copied once, not twice); still in C, before it runs any Python,
#   the program's process joins the unit's cgroups, drops to an unprivileged user with no
#   capabilities, sets no_new_privs, rlimits and the learner's seccomp filter (on top of the
#   unit filters the unit maker installed for all units). It then rehearses a run and says
#   program_ready. The unit maker tells the init the program's pid and hands the interpreter
#   the unit's sockets; once the program's process is ready, the interpreter hands them to the
#   server (unit_ready) and forgets the unit.
# Each unit runs inside a cgroup of its own: the server supplies spare cgroups (their open
# `tasks` files on v1, `cgroup.procs` on v2) ahead of time, and the program's process joins one
# before anything else, so the cgroup migration is off the request path too.
# A run (the request path) is then only message passing, between the server and the unit
# alone: the server sends the unit init status_pipe with the run's status pipe (write end), and
# the program's process start with, as SCM_RIGHTS, stdin (read end), stdout, stderr, status
# (write ends), the payload (read end), on which the program message follows, and the picture
# channel (a socket; pictures.py, loaded here once as the module _pyguide_pictures, sends on
# it). The program's process writes main.py and the extra files into /work and runs main.py as
# `python main.py` would. When the program ends, it closes its output and writes its exit
# status as one line (exited) on the status pipe: the server has the result without waiting
# for the process teardown. The unit init writes how the program's process ended (a signal,
# say) when it could not, and exits, which makes the kernel kill whatever was left behind in
# the namespace. The server reads the first line only, of a bounded length.
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
STATUS_FD = -1  # the program's process's end of the run's status pipe
PROGRAM_PID = -1  # only the program's process reports its end (a child it forks ends on its own)
EXPLAINER = None  # explain.py, loaded once by the interpreter (never in sys.modules)
SOURCES = {}  # the learner's files by name, for the explainer
EXPLANATION = None  # what the exception that ended the program means, sent with the exit status
PICTURES = None  # the module _pyguide_pictures (pictures.py), in every run's sys.modules

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
    descriptors may take a free number among 0-2 (the program process's fd 0 is closed), which must not be
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
# The init maker, the sandbox init's process that makes each unit's init (a small process, not
# a copy of this interpreter).
UNIT_INIT = socket.socket(fileno=int(CONFIG["unit_init_fd"]))
# The native helper that forks this interpreter into a unit (fork_into.c). PyDLL keeps the GIL
# held during the call, as os.fork does.
FORK_INTO = ctypes.PyDLL(CONFIG["fork_into"]).pyguide_fork_into


class Lockdown(ctypes.Structure):
    """fork_into.c's struct pyguide_lockdown: what the program's process becomes before it runs
    Python again."""
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


INITS_READY = 4  # unit inits the unit maker keeps mounted and waiting, so that making a unit waits for none


def make_unit(init, cgroup_fds):
    """Forks the program's process into `init` (a mounted unit init: its socket and pidfd) and
    the cgroups given by `cgroup_fds`; returns (socket to the init, socket to the process)."""
    init_sock, pidfd = init
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        pid = fork_into(pidfd, cgroup_fds, theirs)
        init_sock.send(program_pid(pid))
    except OSError:
        init_sock.close()
        ours.close()
        raise
    finally:
        os.close(pidfd)
        theirs.close()
    return init_sock, ours


def fork_into(unit, cgroup_fds, program_sock):
    """Forks the program's process into the unit whose init has the pidfd `unit`: its PID and
    mount namespaces and its cgroups, as the child of the unit init (see fork_into.c). Returns
    the process's pid as the unit sees it."""
    cgroups = (ctypes.c_int * len(cgroup_fds))(*cgroup_fds)
    lockdown = Lockdown(program_sock.fileno(), int(CONFIG["cpu_secs"]), int(CONFIG["file_bytes"]),
                        ctypes.addressof(LEARNER_PROG))
    check(libc.setns(unit, CLONE_NEWPID), "setns(pid)")
    try:
        BEFORE_FORK()
        pid = FORK_INTO(unit, cgroups, len(cgroup_fds), ctypes.byref(lockdown))
        if pid == 0:
            try:
                AFTER_FORK_CHILD()
                program_process(program_sock)
            finally:
                os._exit(1)
        AFTER_FORK_PARENT()
    finally:  # back to this process's own namespace for its next children
        check(libc.setns(SELF_PIDFD, CLONE_NEWPID), "setns(pid)")
    if pid < 0:
        raise OSError(-pid, "forking into a unit: " + os.strerror(-pid))
    return pid


def program_process(sock):
    """The learner's process, locked down by fork_into.c (in /work, with no descriptors but
    the standard ones and `sock`): rehearses while idle, then runs one program."""
    try:
        prepare_run()
        sock.send(program_ready())
        try:
            msg, fds = recv_fds(sock)
        except OSError:
            msg = b""
        if not msg:
            os._exit(0)  # the unit was never used
        sock.close()
        if decode(msg)["type"] != "start" or len(fds) != 6:
            raise ProtocolError("expected start with 6 descriptors")
        stdin, stdout, stderr, status, payload, pictures = above_stdio(fds)
        global STATUS_FD, PROGRAM_PID
        STATUS_FD, PROGRAM_PID = status, os.getpid()
        PICTURES._configure(pictures, CONFIG["max_pictures"])
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
        request = decode(b"".join(chunks))
        if request["type"] != "program":
            raise ProtocolError("expected the program")
        for name, text in [("main.py", request["code"])] + sorted(request["files"].items()):
            with open(name, "w", encoding="utf-8") as f:
                f.write(text)
        global SOURCES
        SOURCES = dict(request["files"], **{"main.py": request["code"]})
        tool = request["tool"]
        if tool:  # a PyGuide tool (the inspector) runs main.py instead; it lives outside /work
            path = "/tmp/" + tool["name"]
            with open(path, "w", encoding="utf-8") as f:
                f.write(tool["source"])
            for name, text in sorted(tool["files"].items()):
                with open("/tmp/" + name, "w", encoding="utf-8") as f:
                    f.write(text)
            code, module, modules = tool_code(tool, path)
            entry = (code, path, [path, MAIN], module, modules)
        else:
            entry = (request["code"], MAIN, ["main.py"])
    except BaseException as e:  # the sandbox could not be set up: never run the code then
        try:
            os.write(2, ("PyGuide sandbox error: %r\n" % (e,)).encode())
            os.write(STATUS_FD, setup_failed(repr(e)))
        finally:
            os._exit(125)
    try:
        run_main(*entry)
    finally:
        os._exit(125)  # run_main ends with os._exit; reaching here means the runner broke


# ---------------------------------------------------------------- running main.py

def prepare_interpreter():
    """The interpreter, once: the state every run starts from that does not depend on the program, made
    before any unit is forked so that no unit pays for it. The learner's environment; the
    standard streams as a run sees them (on descriptors 0-2, which each run's process points at
    its own pipes); the AST node types, which the first compile() of an interpreter builds;
    and only the modules Python itself loads at start-up in sys.modules (this process keeps its
    own through its globals)."""
    import io

    os.environ.clear()
    os.environ.update(CONFIG["env"])
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.open(0, "rb", closefd=False), encoding="utf-8")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        io.open(1, "wb", buffering=0, closefd=False), encoding="utf-8", write_through=True)
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.open(2, "wb", buffering=0, closefd=False), encoding="utf-8", errors="backslashreplace",
        write_through=True)
    compile("pass", "<zygote>", "exec")
    load_pictures(CONFIG["pictures"])  # before the packages: it is matplotlib's backend
    preload(CONFIG.get("preload"))
    # PyGuide's tools, prepared once here (compiled, and most of their start run, see
    # prepare_tool): the inspector is large, and all that cost every inspect its own share of
    # CPU. A run uses them only for the very same source.
    tools_dir = CONFIG["tools_dir"]
    for name in sorted(os.listdir(tools_dir)):
        with open(os.path.join(tools_dir, name), encoding="utf-8") as f:
            source = f.read()
        TOOL_CODE[name] = (source,) + prepare_tool(source, "/tmp/" + name)
    global EXPLAINER
    if CONFIG["explainer"]:  # null when the server turned explanations off
        EXPLAINER = load_explainer(CONFIG["explainer"])
    forget_modules()


def load_explainer(path):
    """explain.py as a module object of this process's own, not in sys.modules: loaded before
    any program runs, so a program can neither see it nor replace the built-ins it calls."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    module = type(sys)("pyguide_explain")
    module.__file__ = path
    exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)
    return module


def load_pictures(path):
    """pictures.py as the module _pyguide_pictures, kept in every run's sys.modules (a program
    imports it by name, and matplotlib loads it as its backend)."""
    global PICTURES
    name = "_pyguide_pictures"
    with open(path, encoding="utf-8") as f:
        source = f.read()
    module = type(sys)(name)
    module.__file__ = path
    module.__spec__ = type(sys.__spec__)(name, None, origin=path)
    exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)
    sys.modules[name] = module
    BASELINE_MODULES.add(name)
    PICTURES = module


def explain(exc, sources):
    """Keeps the explanation of `exc`, the exception that ended the program (or None should the
    explainer fail: the learner still has the traceback)."""
    global EXPLANATION
    if EXPLAINER is None:
        return
    try:
        EXPLANATION = EXPLAINER.explain(exc, sources)
    except BaseException:
        EXPLANATION = None


def explain_for_tool(exc, sources):
    """What a tool (the exercise checker) calls when the learner's code it ran failed."""
    explain(exc, sources)


def prepare_tool(source, path):
    """A tool made ready to run, as (code, module, modules): most of what the tool does before
    it runs main.py is done here, once, instead of in every run. A tool whose source ends with
    an `if __name__ == "__main__":` block and does nothing before it but define things (and
    import modules) has the rest run here, in its own module, and `code` is only that block;
    `modules` are what its imports brought into a fresh interpreter's sys.modules, which a run
    of the tool gets back (for the inspector they were a fifth of an inspect's CPU time, and
    its definitions another 2 ms). The tool imported them before running main.py anyway, so a
    program under the tool sees the same modules; a plain run never gets them. Only the
    standard library is searched: a learner's file named like one of them (tokenize.py) must
    not stand in for it. Another tool is only compiled (`module` None, no `modules`)."""
    import _ast

    tree = compile(source, path, "exec", _ast.PyCF_ONLY_AST, dont_inherit=True)
    body = tree.body
    if not body or not is_main_check(body[-1]):
        return compile(source, path, "exec", dont_inherit=True), None, {}
    forget_modules()
    module = type(sys)("__main__")
    module.__file__ = path
    module.__cached__ = None
    module.__builtins__ = __builtins__
    saved = sys.path[:]
    sys.path[:] = [p for p in saved if p and os.path.isabs(p)]
    try:
        exec(compile(_ast.Module(body=body[:-1], type_ignores=[]), path, "exec", dont_inherit=True),
             module.__dict__)
    finally:
        sys.path[:] = saved
    modules = {name: m for name, m in sys.modules.items() if name not in BASELINE_MODULES}
    entry = compile(_ast.Module(body=body[-1:], type_ignores=[]), path, "exec", dont_inherit=True)
    return entry, module, modules


def is_main_check(node):
    """Whether `node` is `if __name__ == "__main__":`."""
    test = getattr(node, "test", None)
    return (type(node).__name__ == "If" and type(test).__name__ == "Compare"
            and getattr(test.left, "id", None) == "__name__" and len(test.ops) == 1
            and type(test.ops[0]).__name__ == "Eq"
            and getattr(test.comparators[0], "value", None) == "__main__")


def preload(names):
    """The packages interpreter imports the curated packages here, once, so that no run pays
    for it (pandas alone takes hundreds of milliseconds); what they load joins the modules a
    run starts with, as in an interpreter that has imported them. The standard one has none."""
    if not names:
        return
    before = set(sys.modules)
    import importlib

    # matplotlib insists that its configuration folder (MPLCONFIGDIR, read-only here) be
    # writable, though it only reads the font cache built there at install.
    config_dir = os.path.realpath(os.environ.get("MPLCONFIGDIR", "/nonexistent"))
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if mode == os.W_OK and os.path.realpath(path) == config_dir:
            return True
        return real_access(path, mode, *args, **kwargs)

    os.access = access
    try:
        for name in names:
            importlib.import_module(name)
        # What their first use loads lazily, loaded here once (see packages.rs).
        exec(compile(CONFIG.get("warm_up", ""), "<warm-up>", "exec"), {"__name__": "__warm_up__"})
    finally:
        os.access = real_access
    loaded = set(sys.modules) - before
    # A module kept needs its parents kept: a fresh `importlib` would lack the `metadata`
    # attribute that `import importlib.metadata` set on the one imported here.
    for name in list(loaded):
        parts = name.split(".")
        loaded.update(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in sys.modules)
    BASELINE_MODULES.update(loaded)


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
    rehearsal = decode(encode("program", code="print('ready')\n", files={"w.py": "x = 1\n"}, tool=None))
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


# A tool's file name -> (its source, then what prepare_tool made of it: code, module, modules).
TOOL_CODE = {}


def tool_code(tool, path):
    """What runs for the tool: (code, module, modules) as prepare_tool made them when it is the
    source the interpreter prepared; else its source, and no module or modules."""
    known = TOOL_CODE.get(tool["name"])
    if known is not None and known[0] == tool["source"] and path == "/tmp/" + tool["name"]:
        return known[1:]
    return tool["source"], None, {}


def run_main(source, filename, argv, module=None, modules=None):
    """Runs `source` (text, or code already compiled for `filename`) as __main__: in `module`
    when a tool's was prepared, with `modules` (a tool's, imported already) in sys.modules."""
    forget_modules()
    if modules:
        sys.modules.update(modules)
    sys.path_importer_cache.pop("", None)
    sys.path[0] = WORK
    sys.argv[:] = argv
    # What a fresh `python3 main.py` sees, not the interpreter's own command line (which holds
    # this program and its configuration).
    sys.orig_argv = ["python3"] + argv
    main = module
    if main is None:
        main = type(sys)("__main__")
        main.__file__ = filename
        main.__cached__ = None
        main.__builtins__ = __builtins__
    if filename != MAIN:  # a tool: it explains the learner's code it runs itself
        main.pyguide_explain = explain_for_tool
    sys.modules["__main__"] = main
    gc.unfreeze()
    code = 0
    try:
        compiled = source if isinstance(source, type(run_main.__code__)) else compile(
            source, filename, "exec", dont_inherit=True)
        exec(compiled, main.__dict__)
    except SystemExit as e:
        code = exit_code(e)
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next
        e = e.with_traceback(tb)
        if filename == MAIN:
            # Before the traceback is printed: printing it may run the learner's own __str__.
            explain(e, SOURCES)
        sys.excepthook(type(e), e, tb)
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
    # after this process's teardown (its unit init reports a death by a signal instead).
    if os.getpid() == PROGRAM_PID:
        try:
            os.close(1)
            os.close(2)
            os.write(STATUS_FD, exited(code, EXPLANATION, CONFIG["max_explanation_bytes"]))
        except BaseException:
            pass
    os._exit(code)


# ---------------------------------------------------------------- the zygote's loop

def unit_maker(sock):
    """The unit maker: makes units on request, so that the interpreter's loop never waits for a
    fork. Each request is a spare message with the cgroup's descriptors; each answer is
    unit_ready with the new unit's two sockets, or unit_lost."""
    try:
        die_with_parent()
        # The intermediate that forks each program's process is reaped by fork_into.c; the
        # program's process inherits this.
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
        make_units(sock)
    finally:
        os._exit(1)


def make_units(sock):
    """The unit maker's loop. Unit inits are made ahead: the init maker makes each, then the
    init mounts the unit's folders, each step a wait for a process's turn on a busy machine. A
    unit is then only a fork away."""
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    poller.register(UNIT_INIT.fileno(), select.POLLIN)
    asked = []  # sockets to the inits the init maker is making (it answers in order)
    mounting = {}  # fd of the socket to an init -> (socket, pidfd) while it mounts
    inits = []  # mounted inits: (socket, pidfd)
    requests = []  # the interpreter's requests for a unit: (cgroup id, cgroup descriptors)
    while True:
        while len(asked) + len(mounting) + len(inits) < INITS_READY:
            init_sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            send_fds(UNIT_INIT, make_init(), [theirs.fileno()])
            theirs.close()
            asked.append(init_sock)
        while requests and inits:
            cgroup, fds = requests.pop(0)
            try:
                init_sock, program_sock = make_unit(inits.pop(0), fds)
                send_fds(sock, unit_ready(cgroup), [init_sock.fileno(), program_sock.fileno()])
                init_sock.close()
                program_sock.close()
            except OSError as e:  # the server removes the cgroup (inits die when the sandbox stops)
                sock.send(unit_lost(cgroup, "could not make a unit: %s" % e))
            finally:
                for fd in fds:
                    os.close(fd)
        try:
            events = poller.poll()
        except InterruptedError:
            continue
        for fd, _ in events:
            if fd == sock.fileno():
                msg, fds = recv_fds(sock)
                if not msg:
                    os._exit(0)  # the interpreter is gone
                requests.append((decode(msg)["cgroup"], fds))
            elif fd == UNIT_INIT.fileno():
                msg, fds = recv_fds(UNIT_INIT)
                if not msg:
                    os._exit(1)  # the init maker is gone, and with it the sandbox
                init_sock = asked.pop(0)
                answer = decode(msg)
                if answer["type"] != "init_made" or len(fds) != 1:
                    for extra in fds:
                        os.close(extra)
                    init_sock.close()
                    if answer["type"] == "init_failed":
                        sock.send(unit_error(answer["error"]))
                    continue
                mounting[init_sock.fileno()] = (init_sock, fds[0])
                poller.register(init_sock.fileno(), select.POLLIN)
            elif fd in mounting:
                init_sock, pidfd = mounting.pop(fd)
                poller.unregister(fd)
                answer = init_sock.recv(4096)
                if answer and decode(answer)["type"] == "init_mounted":
                    inits.append((init_sock, pidfd))
                    continue
                init_sock.close()
                os.close(pidfd)
                if answer:  # the init's own words (a mount it could not make), for the server
                    sock.send(unit_error(decode(answer).get("error", "a unit init failed")))


def serve():
    """The interpreter's loop: spare cgroups from the server go to the unit maker; units it
    made go to the server once their program's process is ready."""
    ctl = socket.socket(fileno=0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the unit maker
    prepare_interpreter()
    gc.collect()
    gc.freeze()
    maker, maker_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.fork() == 0:
        # The unit maker must not hold the server's socket; /dev/null takes its place as fd 0.
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        ctl.detach()
        maker.close()
        unit_maker(maker_theirs)
    maker_theirs.close()
    UNIT_INIT.close()  # the unit maker's alone
    poller = select.poll()
    poller.register(ctl.fileno(), select.POLLIN)
    poller.register(maker.fileno(), select.POLLIN)
    warming = {}  # fd of the program's socket -> (socket to the init, to the program, cgroup id)

    def made(msg, fds):
        answer = decode(msg)
        if answer["type"] != "unit_ready" or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            ctl.send(msg)  # unit_lost or unit_error: the server's to handle
            return
        init_sock = socket.socket(fileno=fds[0])
        program_sock = socket.socket(fileno=fds[1])
        warming[program_sock.fileno()] = (init_sock, program_sock, answer["cgroup"])
        poller.register(program_sock.fileno(), select.POLLIN)

    ctl.send(interpreter_ready())
    while True:
        try:
            events = poller.poll()
        except InterruptedError:
            continue
        for fd, _ in events:
            if fd == maker.fileno():
                msg, fds = recv_fds(maker)
                if not msg:
                    os._exit(1)  # the unit maker is gone: the server starts a new sandbox
                made(msg, fds)
            elif fd == ctl.fileno():
                msg, fds = recv_fds(ctl)
                if not msg:
                    os._exit(0)  # the server is gone
                if decode(msg)["type"] == "spare":  # the unit maker makes a unit in it at once
                    send_fds(maker, msg, fds)
                for fd in fds:
                    os.close(fd)
            elif fd in warming:
                init_sock, program_sock, cgroup = warming.pop(fd)
                poller.unregister(fd)
                try:
                    answer = program_sock.recv(4096)
                    ok = bool(answer) and decode(answer)["type"] == "program_ready"
                except (OSError, ProtocolError):
                    ok = False
                if ok:
                    # The server hands runs to ready units itself: the init gets the run's
                    # status pipe, the program's process the rest.
                    send_fds(ctl, unit_ready(cgroup), [init_sock.fileno(), program_sock.fileno()])
                else:
                    ctl.send(unit_lost(cgroup, "the unit's process ended while it was being set up"))
                init_sock.close()
                program_sock.close()

serve()

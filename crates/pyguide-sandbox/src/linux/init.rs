//! `pyguide __sandbox-init PLAN`: builds the sandbox and becomes its pre-warmed interpreter.
//!
//! Runs as a fresh single-threaded process (so ordinary Rust is safe here, unlike between fork
//! and exec). As the server's user it: makes new mount, network, UTS and IPC namespaces;
//! builds a minimal root on a tmpfs with the interpreter, its standard library and shared
//! libraries bound read-only, plus /dev/null, /dev/zero, /dev/urandom; pivots into it; then
//! makes a new user namespace mapping 65536 unprivileged host ids, and executes CPython with the
//! zygote program. The network namespace is empty (loopback down) and shared by every run.
//! Next to the interpreter, in its PID namespace, it forks the unit init maker ([`super::unit`]).

use super::fdpass::{recv_fds, send_fds};
use super::protocol::{Message, SetupStep};
use super::rootfs::Plan;
use super::unit::UNIT_INIT_FD;
use std::ffi::{CString, OsStr};
use std::fs::{self, File};
use std::io;
use std::os::fd::{BorrowedFd, FromRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Component, Path, PathBuf};

/// The first argument that selects this entry point in the `pyguide` binary.
pub const INIT_ARG: &str = "__sandbox-init";

const NEW_ROOT: &str = "/tmp";

/// Where the sandbox's root holds the interpreter's native helper (`fork_into.c`).
pub const FORK_INTO_SO: &str = "/pyguide/fork_into.so";
/// Where the sandbox's root holds PyGuide's tools (the inspector, the exercise checker).
pub const TOOLS_DIR: &str = "/pyguide/tools";
/// Where it holds the error explainer (`python/explain.py`), which the interpreter loads once.
pub const EXPLAINER: &str = "/pyguide/explain.py";
/// Where it holds [`crate::RUN_MODULES`], first on every run's `PYTHONPATH`.
pub const RUN_MODULES_DIR: &str = "/pyguide/modules";
/// Where the sandbox's root holds the picture module (`python/pictures.py`).
pub const PICTURES: &str = "/pyguide/pictures.py";
const FORK_INTO: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/fork_into.so"));

fn cstr(p: impl AsRef<OsStr>) -> io::Result<CString> {
    CString::new(p.as_ref().as_bytes()).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))
}

fn check(rc: libc::c_int, what: &str) -> io::Result<()> {
    if rc < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("{what}: {e}")));
    }
    Ok(())
}

fn mount(
    src: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> io::Result<()> {
    let src_c = src.map(cstr).transpose()?;
    let target_c = cstr(target)?;
    let fstype_c = fstype.map(cstr).transpose()?;
    let data_c = data.map(cstr).transpose()?;
    let ptr = |c: &Option<CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    // SAFETY: every pointer is a valid NUL-terminated string or null.
    let rc = unsafe {
        libc::mount(ptr(&src_c), target_c.as_ptr(), ptr(&fstype_c), flags, ptr(&data_c) as *const libc::c_void)
    };
    check(rc, &format!("mount {} on {}", src.map(|s| s.display().to_string()).unwrap_or_default(), target.display()))
}

fn inside(root: &Path, host: &Path) -> PathBuf {
    root.join(host.strip_prefix("/").unwrap_or(host))
}

fn mkdir_all(p: &Path) -> io::Result<()> {
    fs::create_dir_all(p).map_err(|e| io::Error::new(e.kind(), format!("mkdir {}: {e}", p.display())))
}

/// Makes sure `host` resolves inside the new root as on the host: each symlink along the
/// way is recreated, each folder made.
fn ensure_path(root: &Path, host: &Path, depth: usize) -> io::Result<()> {
    if depth > 16 {
        return Ok(());
    }
    let mut cur = PathBuf::from("/");
    let comps: Vec<Component> = host.components().collect();
    for (i, c) in comps.iter().enumerate() {
        if matches!(c, Component::RootDir) {
            continue;
        }
        let next = cur.join(c);
        let meta = match fs::symlink_metadata(&next) {
            Ok(m) => m,
            Err(_) => return Ok(()),
        };
        let dst = inside(root, &next);
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&next)?;
            if fs::symlink_metadata(&dst).is_err() {
                if let Some(parent) = dst.parent() {
                    mkdir_all(parent)?;
                }
                symlink(&target, &dst)?;
            }
            let resolved = if target.is_absolute() { target } else { cur.join(target) };
            let rest: PathBuf = comps[i + 1..].iter().collect();
            return ensure_path(root, &resolved.join(rest), depth + 1);
        }
        if meta.is_dir() && i + 1 < comps.len() {
            let _ = fs::create_dir(&dst);
        }
        cur = next;
    }
    Ok(())
}

/// Binds `host` read-only at its canonical path inside the root, and recreates the symlinks
/// that lead to it.
fn bind_ro(root: &Path, host: &Path, extra_flags: libc::c_ulong) -> io::Result<()> {
    let real = fs::canonicalize(host).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", host.display())))?;
    let dst = inside(root, &real);
    if real.is_dir() {
        mkdir_all(&dst)?;
    } else {
        if let Some(parent) = dst.parent() {
            mkdir_all(parent)?;
        }
        if fs::symlink_metadata(&dst).is_err() {
            File::create(&dst)?;
        }
    }
    mount(Some(&real), &dst, None, libc::MS_BIND | libc::MS_REC, None)?;
    mount(None, &dst, None, libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | extra_flags, None)?;
    if real != host {
        ensure_path(root, host, 0)?;
    }
    Ok(())
}

/// Copies the host file `host` into the root at its canonical path, and recreates the symlinks
/// that lead to it.
fn copy_in(root: &Path, host: &Path) -> io::Result<()> {
    let real = fs::canonicalize(host).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", host.display())))?;
    let dst = inside(root, &real);
    if let Some(parent) = dst.parent() {
        mkdir_all(parent)?;
    }
    fs::copy(&real, &dst).map_err(|e| io::Error::new(e.kind(), format!("copy {}: {e}", real.display())))?;
    if real != host {
        ensure_path(root, host, 0)?;
    }
    Ok(())
}

/// Why the sandbox could not be built: the step, and the error.
struct Failure {
    step: SetupStep,
    error: String,
}

trait AtStep<T> {
    fn at(self, step: SetupStep) -> Result<T, Failure>;
}

impl<T, E: std::fmt::Display> AtStep<T> for Result<T, E> {
    fn at(self, step: SetupStep) -> Result<T, Failure> {
        self.map_err(|e| Failure { step, error: e.to_string() })
    }
}

fn build(plan: &Plan) -> Result<(), Failure> {
    // SAFETY: plain syscalls on constants.
    check(
        unsafe { libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC) },
        "unshare(mount, network, uts, ipc)",
    )
    .at(SetupStep::Namespaces)?;
    build_root(plan).at(SetupStep::Root)?;
    become_root_of_user_namespace()
}

/// The minimal root, read-only, pivoted into.
fn build_root(plan: &Plan) -> io::Result<()> {
    mount(None, Path::new("/"), None, libc::MS_REC | libc::MS_PRIVATE, None)?;
    let root = Path::new(NEW_ROOT);
    // Opened before the new root's tmpfs covers /tmp: the install may lie under it.
    let packages = plan.packages.as_ref().map(File::open).transpose()?;
    // Device nodes live in this tmpfs (made below), so it is not `nodev`; it is read-only
    // before any program runs, and programs cannot make nodes.
    mount(None, root, Some("tmpfs"), libc::MS_NOSUID, Some("size=256m,nr_inodes=4096,mode=0755")).or_else(|_| {
        mount(Some(Path::new("tmpfs")), root, Some("tmpfs"), libc::MS_NOSUID, Some("size=256m,mode=0755"))
    })?;

    add_host_paths(root, plan, packages.as_ref())?;
    mkdir_all(&root.join("dev/shm"))?;
    fill_root(root, plan)
}

/// Binds the host's paths read-only, and hides third-party site-packages. Folders are bound;
/// single files (the interpreter, shared libraries) are copied in, which keeps the sandbox's
/// mount table short: every unit copies it.
fn add_host_paths(root: &Path, plan: &Plan, packages: Option<&File>) -> io::Result<()> {
    for p in &plan.binds {
        if p.is_dir() {
            bind_ro(root, p, libc::MS_NODEV)?;
        } else {
            copy_in(root, p)?;
        }
    }
    if let Some(folder) = packages {
        use std::os::fd::AsRawFd;
        let dst = inside(root, Path::new(crate::packages::SANDBOX_DIR));
        mkdir_all(&dst)?;
        let host = PathBuf::from(format!("/proc/self/fd/{}", folder.as_raw_fd()));
        mount(Some(&host), &dst, None, libc::MS_BIND | libc::MS_REC, None)?;
        let ro = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV;
        mount(None, &dst, None, ro, None)?;
    }
    for h in &plan.hide {
        let dst = inside(root, &fs::canonicalize(h)?);
        mount(
            None,
            &dst,
            Some("tmpfs"),
            libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            Some("size=4k,nr_inodes=8"),
        )
        .or_else(|_| {
            mount(
                Some(Path::new("tmpfs")),
                &dst,
                Some("tmpfs"),
                libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
                Some("size=4k"),
            )
        })?;
    }
    Ok(())
}

/// Fills the new root: the host's paths, its devices and the sandbox's own files, then
/// pivots into it and makes it read-only.
fn fill_root(root: &Path, plan: &Plan) -> io::Result<()> {
    for d in &plan.devices {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let rdev = fs::metadata(d)?.rdev();
        let dst = inside(root, d);
        let c = cstr(&dst)?;
        // SAFETY: a valid path; the node is a copy of a harmless host character device.
        check(unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, rdev) }, &format!("mknod {}", dst.display()))?;
        fs::set_permissions(&dst, fs::Permissions::from_mode(0o666))?;
    }
    for d in ["work", "tmp", "etc", "proc"] {
        mkdir_all(&root.join(d))?;
    }
    fs::write(root.join("etc/passwd"), "root:x:0:0:root:/:/bin/false\nlearner:x:1000:1000:learner:/work:/bin/false\n")?;
    fs::write(root.join("etc/group"), "root:x:0:\nlearner:x:1000:\n")?;
    fs::write(root.join("etc/hostname"), "pyguide\n")?;
    let helper = inside(root, Path::new(FORK_INTO_SO));
    if let Some(parent) = helper.parent() {
        mkdir_all(parent)?;
    }
    fs::write(&helper, FORK_INTO)?;
    let tools = inside(root, Path::new(TOOLS_DIR));
    mkdir_all(&tools)?;
    for (name, source) in crate::TOOLS {
        fs::write(tools.join(name), source)?;
    }
    fs::write(inside(root, Path::new(EXPLAINER)), crate::EXPLAIN_PY)?;
    let modules = inside(root, Path::new(RUN_MODULES_DIR));
    mkdir_all(&modules)?;
    for (name, source) in crate::RUN_MODULES {
        fs::write(modules.join(name), source)?;
    }
    fs::write(inside(root, Path::new(PICTURES)), crate::PICTURES_PY)?;

    // pivot_root: the old root goes away entirely.
    let old = root.join(".old");
    mkdir_all(&old)?;
    std::env::set_current_dir(root)?;
    // SAFETY: valid NUL-terminated paths.
    check(unsafe { libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".old".as_ptr()) } as i32, "pivot_root")?;
    std::env::set_current_dir("/")?;
    // SAFETY: as above.
    check(unsafe { libc::umount2(c"/.old".as_ptr(), libc::MNT_DETACH) }, "umount old root")?;
    fs::remove_dir("/.old")?;
    mount(
        None,
        Path::new("/"),
        None,
        libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID, // not nodev: /dev lives here
        None,
    )?;
    // SAFETY: valid buffer and length.
    check(unsafe { libc::sethostname(c"pyguide".as_ptr(), 7) }, "sethostname")
}

/// A new user namespace whose ids the server maps, and root in it (uid 0 inside,
/// unprivileged outside).
fn become_root_of_user_namespace() -> Result<(), Failure> {
    // SAFETY: plain syscall.
    check(unsafe { libc::unshare(libc::CLONE_NEWUSER) }, "unshare(user)").at(SetupStep::UserNamespace)?;
    // Only a process outside the new namespace may map a range of ids into it: the server
    // writes our uid_map and gid_map, then answers.
    send_fds(control(), &Message::MapIds.encode(), &[], false).at(SetupStep::IdMap)?;
    let (answer, _) = recv_fds(control()).at(SetupStep::IdMap)?;
    match Message::decode(&answer).at(SetupStep::IdMap)? {
        Message::IdsMapped => {}
        Message::MapFailed { error } => return Err(Failure { step: SetupStep::IdMap, error }),
        other => return Err(Failure { step: SetupStep::IdMap, error: format!("unexpected answer {other:?}") }),
    }
    // SAFETY: plain syscalls.
    check(unsafe { libc::setresgid(0, 0, 0) }, "setresgid").at(SetupStep::UserNamespace)?;
    check(unsafe { libc::setresuid(0, 0, 0) }, "setresuid").at(SetupStep::UserNamespace)
}

/// Tells the server why the sandbox could not be built, and ends this process.
fn fail_at(step: SetupStep, error: String) -> ! {
    let _ = send_fds(control(), &Message::StartFailed { step, error }.encode(), &[], false);
    std::process::exit(1)
}

fn fail(error: String) -> ! {
    fail_at(SetupStep::Start, error)
}

/// The entry point of `pyguide __sandbox-init PLAN_JSON`; never returns. Errors go to fd 0
/// (the control socket) as [`Message::StartFailed`] and end the process.
pub fn init_main() -> ! {
    let Some(json) = std::env::args().nth(2) else { fail_at(SetupStep::Plan, "no plan given".into()) };
    let plan: Plan = match serde_json::from_str(&json) {
        Ok(p) => p,
        Err(e) => fail_at(SetupStep::Plan, format!("bad plan: {e}")),
    };
    if let Err(f) = build(&plan) {
        fail_at(f.step, f.error);
    }
    // The interpreter becomes PID 1 of a PID namespace owned by the sandbox's user namespace, so
    // it may make a PID namespace per unit and return to its own after each (setns).
    // SAFETY: plain syscalls; this process is single-threaded.
    if unsafe { libc::unshare(libc::CLONE_NEWPID) } != 0 {
        fail_at(SetupStep::Namespaces, format!("unshare(pid): {}", io::Error::last_os_error()));
    }
    // The interpreter reaches the init maker over a socket at fd 3.
    let mut pair = [0; 2];
    // SAFETY: `pair` has room for two descriptors.
    if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0, pair.as_mut_ptr()) } != 0
    {
        fail(format!("socketpair: {}", io::Error::last_os_error()));
    }
    let [interpreter_end, maker_end] = pair;
    // SAFETY: single-threaded, so fork is safe; the child only execs (or exits).
    let child = unsafe { libc::fork() };
    if child < 0 {
        fail(format!("fork: {}", io::Error::last_os_error()));
    }
    if child > 0 {
        start_init_maker_and_wait(child, interpreter_end, maker_end, &plan);
    }
    exec_interpreter(interpreter_end, maker_end, &plan)
}

/// In the sandbox init: forks the init maker next to the interpreter `interpreter`, then waits
/// for the interpreter and ends with it (the server's handle is this process).
fn start_init_maker_and_wait(interpreter: libc::pid_t, interpreter_end: RawFd, maker_end: RawFd, plan: &Plan) -> ! {
    // SAFETY: single-threaded, as above. The init maker runs in the interpreter's PID namespace.
    let maker = unsafe { libc::fork() };
    if maker == 0 {
        // SAFETY: plain syscalls: the init maker dies with this process, and does not hold the
        // server's control socket (fd 0).
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
            libc::dup2(null, 0);
            libc::close(null);
            libc::close(interpreter_end);
        }
        // SAFETY: the descriptor is the init maker's end of the pair, owned by nothing else here.
        let sock = unsafe { std::os::fd::OwnedFd::from_raw_fd(maker_end) };
        super::unit::unit_init_maker(sock, &plan.mounts);
    }
    if maker < 0 {
        fail(format!("fork: {}", io::Error::last_os_error()));
    }
    // SAFETY: closing this process's copies.
    unsafe {
        libc::close(interpreter_end);
        libc::close(maker_end);
    }
    // The init maker is reaped here too: the interpreter, PID 1 of its namespace, cannot finish
    // exiting until the init maker (killed then by the kernel) is reaped.
    loop {
        let mut status = 0;
        // SAFETY: valid pointer.
        let done = unsafe { libc::waitpid(-1, &mut status, 0) };
        if done == interpreter {
            std::process::exit(if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { 1 });
        }
        if done < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            std::process::exit(1);
        }
    }
}

/// In the interpreter's process: keeps its end of the socket to the init maker at fd 3 and
/// executes CPython with the zygote.
fn exec_interpreter(interpreter_end: RawFd, maker_end: RawFd, plan: &Plan) -> ! {
    // SAFETY: plain syscalls on this process's descriptors.
    unsafe {
        libc::close(maker_end);
        if interpreter_end == UNIT_INIT_FD {
            libc::fcntl(interpreter_end, libc::F_SETFD, 0);
        } else {
            libc::dup2(interpreter_end, UNIT_INIT_FD);
            libc::close(interpreter_end);
        }
        // The interpreter dies with the sandbox init.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
    }
    let python = cstr(&plan.python).unwrap_or_else(|e| fail(e.to_string()));
    // argv[0] is the interpreter's own path, so that `sys.executable` names it and a program
    // can start another Python.
    let args = plan.args.iter().map(|a| CString::new(a.as_bytes()));
    let argv: Vec<CString> = std::iter::once(Ok(python.clone()))
        .chain(args)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|_| fail("NUL in an argument".into()));
    let envp: Vec<CString> = plan
        .env
        .iter()
        .map(|(k, v)| CString::new(format!("{k}={v}")))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|_| fail("NUL in an environment variable".into()));
    let mut argv_p: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut envp_p: Vec<*const libc::c_char> = envp.iter().map(|e| e.as_ptr()).collect();
    envp_p.push(std::ptr::null());
    // SAFETY: NUL-terminated arrays of valid C strings that outlive the call.
    unsafe { libc::execve(python.as_ptr(), argv_p.as_ptr(), envp_p.as_ptr()) };
    fail(format!("cannot execute {}: {}", plan.python.display(), io::Error::last_os_error()))
}

/// The control socket to the server, fd 0 of this process.
fn control() -> BorrowedFd<'static> {
    // SAFETY: the server started this process with the socket as fd 0, which stays open until
    // the process executes the interpreter (which takes it over).
    unsafe { BorrowedFd::borrow_raw(0) }
}

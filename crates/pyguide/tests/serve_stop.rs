//! `pyguide serve` stops cleanly: on SIGTERM or SIGINT it exits 0 and leaves no cgroup behind
//! (its warm units each hold one while it runs).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Folders named `pyguide-<pid>` (the server's parent cgroups) under the cgroup mounts.
fn server_cgroups(pid: u32) -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, tag: &str, found: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if e.file_name().to_string_lossy() == tag {
                found.push(path);
            } else if depth > 0 {
                walk(&path, depth - 1, tag, found);
            }
        }
    }
    let mut found = Vec::new();
    walk(Path::new("/sys/fs/cgroup"), 5, &format!("pyguide-{pid}"), &mut found);
    found
}

fn run_cgroups(parents: &[PathBuf]) -> usize {
    parents
        .iter()
        .flat_map(|p| std::fs::read_dir(p).into_iter().flatten().flatten())
        .filter(|e| e.path().is_dir())
        .count()
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

fn start(data: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_pyguide"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        // The project's one install of the curated packages (installed there on first use),
        // not a download into each temporary data folder.
        .env("PYGUIDE_PACKAGES_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/packages"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !healthy(port) {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

fn stop_with(signal: libc::c_int) {
    let data = tempfile::tempdir().unwrap();
    let (mut child, _) = start(data.path());
    let pid = child.id();
    let parents = server_cgroups(pid);
    assert!(!parents.is_empty() && run_cgroups(&parents) > 0, "a running server holds cgroups: {parents:?}");
    // SAFETY: a plain signal to our own child.
    unsafe { libc::kill(pid as i32, signal) };
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not stop within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "the server exited with {status}");
    let left = server_cgroups(pid);
    assert!(left.is_empty(), "cgroups left after the server stopped: {left:?}");
}

#[test]
fn sigterm_leaves_no_cgroup() {
    stop_with(libc::SIGTERM);
}

#[test]
fn sigint_leaves_no_cgroup() {
    stop_with(libc::SIGINT);
}

//! The hostile-program suite, through the real sandbox: every program in `tests/hostile/` tries a
//! way out. Each asserts its outcome and what it prints (never `ESCAPED`); after each, the host
//! is checked: the run's cgroup is gone, no learner process is left but the warm ones, the host's
//! mounts, /etc/passwd and /tmp are unchanged, and nothing connected to the server's port.
//! Two scenarios follow: concurrent runs that look for each other, and an interactive run that
//! waits for input past the wall limit.
//!
//! `harness = false`: this binary is also the sandbox's init (`__sandbox-init`), as `pyguide`
//! is in production.

use pyguide_sandbox::linux::{init_main, SandboxRunner, ID_BASE, INIT_ARG};
use pyguide_sandbox::packages::{packages, Action};
use pyguide_sandbox::{
    discover_python, Admission, Event, Interpreter, Limits, RunHandle, RunRequest, Runner, RunnerConfig, StartOptions,
};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const LEARNER_UID: u32 = ID_BASE + 1000;

struct Header {
    outcomes: Vec<String>,
    stdout: Vec<String>,
    stderr: Vec<String>,
    exit_null: bool,
}

fn header(src: &str) -> Header {
    let mut h = Header { outcomes: Vec::new(), stdout: Vec::new(), stderr: Vec::new(), exit_null: false };
    for line in src.lines().take_while(|l| l.starts_with('#')) {
        if let Some(v) = line.strip_prefix("# outcome:") {
            h.outcomes = v.trim().split('|').map(str::to_string).collect();
        } else if let Some(v) = line.strip_prefix("# stdout-json:") {
            h.stdout.push(serde_json::from_str(v.trim()).expect("stdout-json is a JSON string"));
        } else if let Some(v) = line.strip_prefix("# stdout:") {
            h.stdout.push(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("# stderr:") {
            h.stderr.push(v.trim().to_string());
        } else if line.trim() == "# exit_code: null" {
            h.exit_null = true;
        }
    }
    h
}

/// (pid, parent pid, uid) of every live process on the host.
fn processes() -> Vec<(u32, u32, u32)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
        let field = |name: &str| -> Option<u32> {
            status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.split_whitespace().next()?.parse().ok())
        };
        let zombie = status.lines().any(|l| l.starts_with("State:") && l.contains('Z'));
        if let (Some(ppid), Some(uid), false) = (field("PPid:"), field("Uid:"), zombie) {
            out.push((pid, ppid, uid));
        }
    }
    out
}

/// Learner processes under our interpreter (the warm units), and learner processes that no
/// sandbox owns any more (orphans adopted by the host's init: a run that got out).
fn learner_processes(zygote: u32) -> (usize, usize) {
    let all = processes();
    let parent = |pid: u32| all.iter().find(|p| p.0 == pid).map(|p| p.1);
    let under_zygote = |mut pid: u32| {
        for _ in 0..64 {
            match parent(pid) {
                Some(p) if p == zygote => return true,
                Some(p) if p > 1 => pid = p,
                _ => return false,
            }
        }
        false
    };
    let learners: Vec<&(u32, u32, u32)> = all.iter().filter(|p| p.2 == LEARNER_UID).collect();
    (learners.iter().filter(|p| under_zygote(p.0)).count(), learners.iter().filter(|p| p.1 == 1).count())
}

fn run_dirs(parents: &[PathBuf]) -> Vec<PathBuf> {
    parents
        .iter()
        .flat_map(|p| std::fs::read_dir(p).into_iter().flatten().flatten().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("run-")))
        .collect()
}

struct Host {
    mounts: usize,
    passwd: String,
}

impl Host {
    fn now() -> Host {
        Host {
            mounts: std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default().lines().count(),
            passwd: std::fs::read_to_string("/etc/passwd").unwrap_or_default(),
        }
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    // A secret in the server's environment that no run may see.
    std::env::set_var("PYGUIDE_HOSTILE_SECRET", "hunter2");
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let failures = rt.block_on(suite(filter));
    std::process::exit(if failures == 0 { 0 } else { 1 });
}

async fn suite(filter: Option<String>) -> usize {
    let python = discover_python(None).expect("python3");
    let exe = std::env::current_exe().expect("own path");
    // A sandbox whose units cannot run (a memory limit too small for the interpreter) refuses
    // to start and says why; it leaves no cgroup behind (one would clash with the next
    // sandbox's, started below, and the leftovers check after each program would see it).
    let (mut passed, mut failed) = (0, 0);
    if filter.as_deref().is_none_or(|f| "unusable".contains(f)) {
        let mut tiny = RunnerConfig::new(python.clone());
        tiny.limits = Limits { memory_bytes: 64 << 10, ..Limits::default() };
        match SandboxRunner::new(tiny, &exe) {
            Err(e @ pyguide_sandbox::SandboxError::UnitFailed(_)) => {
                passed += 1;
                println!("ok   unusable: a sandbox whose units cannot run refuses to start ({e})");
            }
            other => {
                failed += 1;
                println!("FAIL unusable: expected a refusal naming the unit's failure, got {:?}", other.err());
            }
        }
    }
    // With the curated packages when they are installed (scripts/test installs them): every
    // program then also runs in the interpreter that has them imported.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let installed = packages(&python.executable, &data.join("packages"), Action::Status).ok().flatten();
    let mut interpreters = vec![Interpreter::Standard];
    if installed.is_some() {
        interpreters.push(Interpreter::Packages);
    } else {
        println!("note: the packages are not installed in data/, so the packages interpreter is not tested");
    }
    let mut config = RunnerConfig::new(python);
    config.packages = installed;
    config.limits = Limits { wall: Duration::from_secs(3), cpu_secs: 2, ..Limits::default() };
    let sandbox = Arc::new(SandboxRunner::new(config, &exe).expect("the sandbox starts (run as root)"));
    let parents = sandbox.cgroup_parents();
    let runner: Arc<dyn Runner> = sandbox.clone();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("project");
    let host_before = Host::now();
    let _ = std::fs::remove_file("/tmp/pyguide-hostile-marker");

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).expect("hostile dir").flatten().map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "py"));
    files.sort();
    for (interpreter, file) in interpreters.iter().flat_map(|i| files.iter().map(move |f| (*i, f))) {
        let mut name = file.file_stem().unwrap().to_string_lossy().into_owned();
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let src = std::fs::read_to_string(file)
            .expect("read program")
            .replace("{PORT}", &port.to_string())
            .replace("{PROJECT}", &project.to_string_lossy());
        let h = header(&src);
        if interpreter == Interpreter::Packages {
            name.push_str(" [packages]");
        }
        let opts = StartOptions { admission: Admission::Wait, interpreter, ..Default::default() };
        let r = runner.start(RunRequest::new(src), opts).expect("start").finish().await.expect("run");
        sandbox.quiesce().await; // the run's cleanup follows its answer
        let outcome = serde_json::to_value(r.outcome).unwrap().as_str().unwrap().to_string();
        let mut problems = Vec::new();
        if !h.outcomes.contains(&outcome) {
            problems.push(format!("outcome {outcome}, expected {}", h.outcomes.join("|")));
        }
        for want in &h.stdout {
            if !r.stdout.contains(want.as_str()) {
                problems.push(format!("stdout lacks {want:?}"));
            }
        }
        for want in &h.stderr {
            if !r.stderr.contains(want.as_str()) {
                problems.push(format!("stderr lacks {want:?}"));
            }
        }
        if h.exit_null && r.exit_code.is_some() {
            problems.push(format!("exit code {:?}, expected none (a signal)", r.exit_code));
        }
        if r.stdout.contains("ESCAPED") || r.stderr.contains("ESCAPED") {
            problems.push("the program got out".into());
        }
        if r.stderr.contains("PyGuide sandbox error") {
            problems.push("the sandbox failed to set up".into());
        }
        let spares = sandbox.spare_cgroup_dirs();
        let leftover: Vec<PathBuf> = run_dirs(&parents).into_iter().filter(|d| !spares.contains(d)).collect();
        if !leftover.is_empty() {
            problems.push(format!("cgroups left: {leftover:?}"));
        }
        let (warm, orphans) = learner_processes(sandbox.zygote_pid());
        if warm > sandbox.warm_units() || orphans > 0 {
            problems.push(format!(
                "{warm} learner processes under the sandbox (at most {} warm ones), {orphans} orphaned",
                sandbox.warm_units()
            ));
        }
        let host = Host::now();
        if host.mounts != host_before.mounts {
            problems.push(format!("host mounts changed: {} → {}", host_before.mounts, host.mounts));
        }
        if host.passwd != host_before.passwd {
            problems.push("/etc/passwd changed".into());
        }
        if Path::new("/tmp/pyguide-hostile-marker").exists() || Path::new("/tmp/daemon-was-here").exists() {
            problems.push("a file appeared in the host's /tmp".into());
        }
        if listener.accept().is_ok() {
            problems.push("something connected to the server's port".into());
        }
        if problems.is_empty() {
            passed += 1;
            println!("ok   {name} ({outcome}, {:.0} ms)", r.duration_ms);
        } else {
            failed += 1;
            println!("FAIL {name}: {}", problems.join("; "));
            println!("     stdout: {:?}", r.stdout.chars().take(300).collect::<String>());
            println!("     stderr: {:?}", r.stderr.chars().take(300).collect::<String>());
        }
    }
    let wanted = |name: &str| filter.is_none() || filter.as_deref() == Some(name);
    let mut scenario = |result: Result<(), String>, what: &str| match result {
        Ok(()) => {
            passed += 1;
            println!("ok   {what}");
        }
        Err(e) => {
            failed += 1;
            println!("FAIL {what}: {e}");
        }
    };
    if wanted("concurrent") {
        scenario(concurrent_runs(&runner).await, "concurrent runs cannot see or touch each other");
    }
    if wanted("input_wait") {
        scenario(input_wait(&runner).await, "waiting for input stops the wall clock; sleeping does not");
    }
    if wanted("fresh_state") {
        scenario(fresh_state(&runner).await, "each run starts afresh: random reseeded, no module changes kept");
    }
    if wanted("cgroups") {
        scenario(
            every_hierarchy(&runner, &sandbox).await,
            "a run's processes are in its own cgroup in every hierarchy",
        );
    }
    if wanted("cpu_per_run") {
        scenario(cpu_per_run(&runner).await, "CPU is counted over the run's processes together");
    }
    if wanted("shutdown") {
        sandbox.quiesce().await;
        scenario(shutdown(&runner, &sandbox).await, "stopping the sandbox leaves no cgroup and no process");
    }
    println!("{passed} passed, {failed} failed");
    failed
}

/// An interactive run whose main thread waits for input (its wall clock stands still) while it
/// restarts children that spin and ignore SIGXCPU, each under its own per-process CPU limit:
/// the run is ended as a timeout once its processes together have used the CPU limit.
async fn cpu_per_run(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let code = r#"
import os, signal, threading
def spin():
    while True:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGXCPU, signal.SIG_IGN)
            while True:
                pass
        os.waitpid(pid, 0)
for _ in range(2):
    threading.Thread(target=spin, daemon=True).start()
print("ready", flush=True)
input()
print("ESCAPED: the run was never stopped")
"#;
    let run = start_ready(runner, code, "the spinning run").await?;
    // The test's limit is 2 s of CPU; on two cores the run has used it within about a second.
    // Without a per-run count it would go on until its input wait (5 minutes) runs out.
    let r = tokio::time::timeout(Duration::from_secs(20), run.finish())
        .await
        .map_err(|_| "the run was still going after 20 s".to_string())?
        .map_err(|e| e.to_string())?;
    if r.outcome != pyguide_sandbox::Outcome::Timeout {
        return Err(format!("outcome {:?}, expected timeout: {:?}", r.outcome, r.stderr));
    }
    Ok(())
}

/// Stopping the sandbox (the server's way out) ends every unit and run and removes every
/// cgroup it made, a run in flight included.
async fn shutdown(runner: &Arc<dyn Runner>, sandbox: &SandboxRunner) -> Result<(), String> {
    let run = start_ready(runner, "print('ready', flush=True)\ninput()\n", "the waiting run").await?;
    let parents = sandbox.cgroup_parents();
    let sandbox_init = sandbox.zygote_pid();
    if run_dirs(&parents).is_empty() {
        return Err("no run cgroups before stopping".into());
    }
    let stopping = runner.clone();
    tokio::task::spawn_blocking(move || stopping.shutdown()).await.map_err(|e| e.to_string())?;
    let r = tokio::time::timeout(Duration::from_secs(10), run.finish())
        .await
        .map_err(|_| "the run in flight did not end".to_string())?;
    if let Ok(r) = &r {
        if r.outcome == pyguide_sandbox::Outcome::Success {
            return Err("the run in flight finished as if nothing happened".into());
        }
    }
    let left = run_dirs(&parents);
    if !left.is_empty() {
        return Err(format!("cgroups left after stopping: {left:?}"));
    }
    let (units, _) = learner_processes(sandbox_init);
    if units > 0 {
        return Err(format!("{units} learner processes left after stopping"));
    }
    Ok(())
}

/// Starts an interactive, streamed run and waits until it prints "ready"; `what` names the run
/// in the error if it ends first.
async fn start_ready(runner: &Arc<dyn Runner>, code: &str, what: &str) -> Result<RunHandle, String> {
    let mut run = runner
        .start(
            RunRequest::new(code),
            StartOptions { stream: true, interactive: true, admission: Admission::Wait, ..Default::default() },
        )
        .map_err(|e| e.to_string())?;
    loop {
        match run.events.recv().await {
            Some(Event::Stdout(s)) if s.contains("ready") => return Ok(run),
            Some(_) => continue,
            None => return Err(format!("{what} ended before it was ready")),
        }
    }
}

/// Each process of a run, the ones it forks included, is in the run's own cgroup in every
/// hierarchy (memory, pids and cpu on v1): a unit joins each one separately, through a file
/// that moves only the thread writing to it.
async fn every_hierarchy(runner: &Arc<dyn Runner>, sandbox: &SandboxRunner) -> Result<(), String> {
    let code = "import os, sys\nif os.fork() == 0:\n    sys.stdin.read()\n    os._exit(0)\nprint('ready', flush=True)\nsys.stdin.read()\nos.wait()\n";
    // Earlier runs are answered before their processes are gone: wait until they are cleaned up.
    sandbox.quiesce().await;
    let mut run = start_ready(runner, code, "the run").await?;
    let spares = sandbox.spare_cgroup_dirs();
    let mut found = Vec::new();
    for parent in sandbox.cgroup_parents() {
        let mut in_runs = Vec::new();
        for dir in std::fs::read_dir(&parent).map_err(|e| e.to_string())?.flatten().map(|e| e.path()) {
            if !dir.is_dir() || spares.contains(&dir) {
                continue;
            }
            let mut pids: Vec<i32> = std::fs::read_to_string(dir.join("cgroup.procs"))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect();
            pids.sort();
            if !pids.is_empty() {
                in_runs.push(pids);
            }
        }
        found.push((parent, in_runs));
    }
    drop(run.stdin.take());
    let r = run.finish().await.map_err(|e| e.to_string())?;
    if r.outcome != pyguide_sandbox::Outcome::Success {
        return Err(format!("the run failed: {:?} {:?}", r.outcome, r.stderr));
    }
    let first = found.first().and_then(|(_, runs)| runs.first().cloned()).unwrap_or_default();
    for (parent, runs) in &found {
        // The program and the child it forked.
        if runs.len() != 1 || runs[0].len() < 2 || runs[0] != first {
            return Err(format!("processes in run cgroups under {}: {runs:?} (expected {first:?})", parent.display()));
        }
    }
    Ok(())
}

/// An interactive run whose learner answers after the whole wall limit still succeeds (its
/// clock stands still while it waits for input); one that sleeps instead is stopped on time.
async fn input_wait(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let wall = Duration::from_secs(3);
    let start = |code: &str| {
        runner
            .start(
                RunRequest::new(code),
                StartOptions { stream: true, interactive: true, admission: Admission::Wait, ..Default::default() },
            )
            .map_err(|e| e.to_string())
    };
    let mut a =
        start_ready(runner, "print('ready', flush=True)\nprint('got', input())", "the run asking for input").await?;
    let mut wanted = a.input_wanted.take().ok_or("an interactive run reports whether it waits")?;
    tokio::time::timeout(Duration::from_secs(5), wanted.wait_for(|w| *w))
        .await
        .map_err(|_| "a run blocked in input() was not reported as waiting".to_string())?
        .map_err(|e| e.to_string())?;
    // The learner takes longer than the whole wall limit to type.
    tokio::time::sleep(wall + Duration::from_secs(1)).await;
    a.stdin.as_ref().ok_or("no stdin")?.send(b"42\n".to_vec()).map_err(|e| e.to_string())?;
    let r = a.finish().await.map_err(|e| e.to_string())?;
    if r.outcome != pyguide_sandbox::Outcome::Success || !r.stdout.contains("got 42") {
        return Err(format!("answering late: {:?} {:?} {:?}", r.outcome, r.stdout, r.stderr));
    }
    // One that waits in input() while a thread of it computes is not waiting (the server would
    // give its run slot away while it burns CPU).
    let spin = "import threading\nthreading.Thread(target=lambda: [0 for _ in iter(int, 1)], daemon=True).start()\n\
                print('ready', flush=True)\ninput()";
    let mut spinner = start_ready(runner, spin, "input() beside a spinning thread").await?;
    let mut wanted = spinner.input_wanted.take().ok_or("an interactive run reports whether it waits")?;
    let ever = tokio::spawn(async move {
        while wanted.changed().await.is_ok() {
            if *wanted.borrow() {
                return true;
            }
        }
        false
    });
    let r = spinner.finish().await.map_err(|e| e.to_string())?;
    if ever.await.map_err(|e| e.to_string())? {
        return Err(format!("input() beside a spinning thread counted as waiting for input ({:?})", r.outcome));
    }
    let sleeper = start("import time\ntime.sleep(30)")?;
    let r = sleeper.finish().await.map_err(|e| e.to_string())?;
    if r.outcome != pyguide_sandbox::Outcome::Timeout || r.duration_ms > (wall.as_millis() + 1500) as f64 {
        return Err(format!("a sleeping interactive run: {:?} after {} ms", r.outcome, r.duration_ms));
    }
    Ok(())
}

/// Runs come from one warm interpreter, yet none sees another's state: `random` gives each run
/// other numbers, and what a program changes in a module (one the zygote had loaded at start-up,
/// and one it had not) is gone for the next run.
async fn fresh_state(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let code = "import random, string, json\n\
                print(random.random(), random.getrandbits(64))\n\
                print(getattr(string, 'mark', 'clean'), getattr(json, 'mark', 'clean'))\n\
                string.mark = json.mark = 'dirty'\n";
    let mut draws = std::collections::HashSet::new();
    for _ in 0..5 {
        let r = runner.run(RunRequest::new(code), Admission::Wait).await.map_err(|e| e.to_string())?;
        let mut lines = r.stdout.lines();
        let draw = lines.next().unwrap_or_default().to_string();
        if lines.next() != Some("clean clean") || r.outcome != pyguide_sandbox::Outcome::Success {
            return Err(format!("a run saw an earlier run's changes: {:?} {:?}", r.stdout, r.stderr));
        }
        draws.insert(draw);
    }
    if draws.len() != 5 {
        return Err(format!("random gave the same numbers to different runs: {draws:?}"));
    }
    Ok(())
}

/// Run A holds files and processes and waits on stdin; run B, meanwhile, looks for them.
async fn concurrent_runs(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let a_code = r#"
import os, subprocess, sys, time
for d in ("/work", "/tmp", "/dev/shm"):
    open(d + "/secret-of-a", "w").write("a")
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
print("ready", flush=True)
sys.stdin.read()
intact = all(open(d + "/secret-of-a").read() == "a" for d in ("/work", "/tmp", "/dev/shm"))
alive = os.waitpid(child, os.WNOHANG) == (0, 0)
print("intact" if intact else "ESCAPED: files changed", "alive" if alive else "ESCAPED: child killed")
"#;
    let b_code = r#"
import os, signal
found = [os.path.join(r, f) for r, _, fs in os.walk("/") for f in fs if "secret-of-a" in f]
visible = []
for pid in range(1, 4096):
    try:
        os.kill(pid, 0)
        visible.append(pid)
    except ProcessLookupError:
        pass
    except PermissionError:
        visible.append(pid)
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
others = [pid for pid in visible if pid != os.getpid()]
print("found", found, "others", others, "self", os.getpid() in visible)
"#;
    let mut a = start_ready(runner, a_code, "run A").await?;
    let b = runner.run(RunRequest::new(b_code), Admission::Wait).await.map_err(|e| e.to_string())?;
    if !b.stdout.contains("found []") {
        return Err(format!("run B saw run A's files: {}", b.stdout));
    }
    if !b.stdout.contains("others [1] self True") {
        return Err(format!("run B saw processes besides its own init (1) and itself: {}", b.stdout));
    }
    drop(a.stdin.take()); // EOF: run A finishes
    let a = a.finish().await.map_err(|e| e.to_string())?;
    if !a.stdout.contains("intact alive") || a.stdout.contains("ESCAPED") {
        return Err(format!("run A was disturbed: {:?} {:?}", a.stdout, a.stderr));
    }
    Ok(())
}

//! Sandbox benchmark: hello-world through `POST /api/run` on a real server (loopback, keep-alive
//! connections) at concurrency 1, 2 and 8, against a baseline that spawns the same interpreter
//! per run with its fastest plain start (`python3 -I -S -c ...`), measured in the same process;
//! then the benign p99 while 4 bombs run at once, against the idle p99.
//!
//! `cargo bench -p pyguide --bench sandbox` (as root: the sandbox maps unprivileged ids).
//! This binary is also the sandbox's init, as `pyguide` is in production.

use pyguide_sandbox::linux::{init_main, SandboxRunner, INIT_ARG};
use pyguide_sandbox::{discover_python, Runner, RunnerConfig};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::{serve_one_client, Client};

const HELLO: &str = "print('hello, world')";

struct Stats {
    p50: f64,
    p99: f64,
    max: f64,
    per_sec: f64,
    busy: usize,
}

fn stats(mut ms: Vec<f64>, wall: Duration, busy: usize) -> Stats {
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    Stats { p50: q(0.5), p99: q(0.99), max: q(1.0), per_sec: ms.len() as f64 / wall.as_secs_f64(), busy }
}

/// `total` hello-worlds through the API from `conc` connections, each waiting `gap` between
/// its runs (zero: back to back).
async fn api_load(addr: SocketAddr, conc: usize, total: usize, gap: Duration) -> Stats {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..conc {
        let n = total / conc + usize::from(i < total % conc);
        tasks.push(tokio::spawn(async move {
            let mut c = Client::connect(addr).await;
            let (mut ms, mut busy) = (Vec::new(), 0);
            while ms.len() < n {
                let t = Instant::now();
                let (status, body) = c.run(HELLO).await;
                if status == 503 {
                    busy += 1;
                    continue;
                }
                assert!(status == 200 && body.contains("hello, world"), "{status} {body}");
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                if !gap.is_zero() {
                    tokio::time::sleep(gap).await;
                }
            }
            (ms, busy)
        }));
    }
    let (mut all, mut busy) = (Vec::new(), 0);
    for t in tasks {
        let (ms, b) = t.await.expect("task");
        all.extend(ms);
        busy += b;
    }
    stats(all, started.elapsed(), busy)
}

/// The baseline: a fresh interpreter per run (`gap` as for [`api_load`]).
async fn spawn_load(python: &std::path::Path, conc: usize, total: usize, gap: Duration) -> Stats {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..conc {
        let n = total / conc + usize::from(i < total % conc);
        let python = python.to_path_buf();
        tasks.push(tokio::spawn(async move {
            let mut ms = Vec::new();
            for _ in 0..n {
                let t = Instant::now();
                let out = tokio::process::Command::new(&python)
                    .args(["-I", "-S", "-c", HELLO])
                    .output()
                    .await
                    .expect("spawn");
                assert!(out.stdout.starts_with(b"hello, world"));
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                if !gap.is_zero() {
                    tokio::time::sleep(gap).await;
                }
            }
            ms
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    stats(all, started.elapsed(), 0)
}

/// The number in the environment variable `name`, or `default`.
fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Busy CPU time of the whole machine so far (user, system), in milliseconds.
fn cpu_ms() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<f64> =
        stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let tick = 1000.0 / 100.0; // USER_HZ
    let user = (v.first().unwrap_or(&0.0) + v.get(1).unwrap_or(&0.0)) * tick;
    let system = (v.get(2).unwrap_or(&0.0) + v.get(5).unwrap_or(&0.0) + v.get(6).unwrap_or(&0.0)) * tick;
    (user, system)
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let total: usize = env_number("PYGUIDE_BENCH_RUNS", 400) as usize;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let python = discover_python(None).expect("python3");
        let exe = std::env::current_exe().expect("own path");
        let runner: Arc<dyn Runner> = Arc::new(
            SandboxRunner::new(RunnerConfig::new(python.clone()), &exe).expect("the sandbox starts (run as root)"),
        );
        let addr = serve_one_client(runner).await;

        println!("CPython {} at {}; {total} runs per measurement", python.version, python.executable.display());
        if std::env::var_os("PYGUIDE_BENCH_SANDBOX_ONLY").is_some() {
            // For a profiler: only sandboxed runs, PYGUIDE_BENCH_CONC at once (2 unless set),
            // each client's runs PYGUIDE_BENCH_GAP_MS apart (back to back unless set).
            let conc = env_number("PYGUIDE_BENCH_CONC", 2) as usize;
            let gap = Duration::from_millis(env_number("PYGUIDE_BENCH_GAP_MS", 0));
            let _ = api_load(addr, conc, 40, gap).await;
            let c0 = cpu_ms();
            let api = api_load(addr, conc, total, gap).await;
            let c1 = cpu_ms();
            println!(
                "sandbox c={conc}: p50 {:.2} ms, {:.0} runs/s, machine CPU per run {:.2} user + {:.2} system ms",
                api.p50,
                api.per_sec,
                (c1.0 - c0.0) / total as f64,
                (c1.1 - c0.1) / total as f64
            );
            return;
        }
        let _ = api_load(addr, 2, 40, Duration::ZERO).await; // warm-up
        let _ = spawn_load(&python.executable, 2, 20, Duration::ZERO).await;
        println!("{:<34} {:>9} {:>9} {:>9} {:>6}", "", "p50 ms", "p99 ms", "runs/s", "503s");
        let mut idle_p99 = 0.0;
        let levels: &[usize] = if std::env::var_os("PYGUIDE_BENCH_BOMBS_ONLY").is_some() { &[1] } else { &[1, 2, 8] };
        for &conc in levels {
            let c0 = cpu_ms();
            let base = spawn_load(&python.executable, conc, total, Duration::ZERO).await;
            let c1 = cpu_ms();
            let api = api_load(addr, conc, total, Duration::ZERO).await;
            let c2 = cpu_ms();
            let per = |a: (f64, f64), b: (f64, f64)| ((b.0 - a.0) / total as f64, (b.1 - a.1) / total as f64);
            let (bu, bs) = per(c0, c1);
            let (au, asys) = per(c1, c2);
            println!("  machine CPU per run: baseline {bu:.2} user + {bs:.2} system ms; sandbox {au:.2} user + {asys:.2} system ms");
            if conc == 1 {
                idle_p99 = api.p99;
            }
            println!(
                "{:<34} {:>9.2} {:>9.2} {:>9.0} {:>6}",
                format!("baseline python3 -I -S, c={conc}"),
                base.p50,
                base.p99,
                base.per_sec,
                "-"
            );
            println!(
                "{:<34} {:>9.2} {:>9.2} {:>9.0} {:>6}",
                format!("POST /api/run sandbox, c={conc}"),
                api.p50,
                api.p99,
                api.per_sec,
                api.busy
            );
            println!(
                "{:<34} {:>9.1}x {:>8.1}x {:>8.1}x",
                "  sandbox vs baseline",
                base.p50 / api.p50,
                base.p99 / api.p99,
                api.per_sec / base.per_sec
            );
        }

        // One learner at a time: runs 25 ms apart (a unit is warm again between them), the way
        // a learner's clicks arrive, unlike the back-to-back loops above that keep the machine
        // busy making units.
        let gap = Duration::from_millis(25);
        let paced = (total / 2).max(20);
        let base = spawn_load(&python.executable, 1, paced, gap).await;
        let api = api_load(addr, 1, paced, gap).await;
        println!("{:<34} {:>9.2} {:>9.2}", "baseline, c=1, runs 25 ms apart", base.p50, base.p99);
        println!("{:<34} {:>9.2} {:>9.2}", "sandbox, c=1, runs 25 ms apart", api.p50, api.p99);
        println!("{:<34} {:>9.1}x {:>8.1}x", "  sandbox vs baseline", base.p50 / api.p50, base.p99 / api.p99);

        // Four bombs running at once (each until its limits end it, then again), while a
        // benign client measures: a CPU spin, a fork bomb that keeps forking, a program that
        // holds 200 MiB and spins, and a thread bomb of spinning threads.
        const SPIN: &str = "while True:\n    pass";
        const FORK_BOMB: &str = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass";
        const HOLDER: &str = "hold = bytearray(200 << 20)\nwhile True:\n    pass";
        const THREADS: &str = "import threading\ndef spin():\n    while True:\n        pass\nfor _ in range(60):\n    try:\n        threading.Thread(target=spin, daemon=True).start()\n    except RuntimeError:\n        break\nspin()";
        for (label, bombs) in [
            ("4 bombs (spin, fork, memory, threads)", [SPIN, FORK_BOMB, HOLDER, THREADS]),
            ("4 bombs without the fork bomb", [SPIN, SPIN, HOLDER, THREADS]),
        ] {
            let stop = Arc::new(AtomicBool::new(false));
            let mut bomb_tasks = Vec::new();
            for bomb in bombs {
                let stop = stop.clone();
                bomb_tasks.push(tokio::spawn(async move {
                    let mut c = Client::connect(addr).await;
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let _ = c.run(bomb).await;
                        n += 1;
                    }
                    n
                }));
            }
            let loaded = api_load(addr, 1, total / 2, Duration::ZERO).await;
            stop.store(true, Ordering::Relaxed);
            let mut bomb_runs = 0;
            for t in bomb_tasks {
                bomb_runs += t.await.unwrap_or(0);
            }
            println!(
                "{:<34} {:>9.2} {:>9.2} {:>9.0} {:>6}",
                format!("benign c=1, {label}"),
                loaded.p50,
                loaded.p99,
                loaded.per_sec,
                loaded.busy
            );
            println!(
                "  benign p99 with bombs / idle p99: {:.2}x ({bomb_runs} bomb runs ended meanwhile; slowest benign run {:.1} ms)",
                loaded.p99 / idle_p99,
                loaded.max
            );
        }
    });
}

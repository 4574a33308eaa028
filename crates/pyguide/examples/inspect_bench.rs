//! "Under the hood" benchmark: the inspector (tokens, AST, bytecode and the full trace) on a
//! 50-line program through the sandboxed runner, as `POST /api/inspect` runs it, against a
//! baseline measured in the same process: the same program run plainly through the same runner
//! (`POST /api/run`). Median and p90 of N interleaved runs. With `--baseline PATH`, another
//! inspector (main's, say) is measured in the same runs, so the document size and the inspect
//! time are compared in one process; the targets are a document <= 150 KB and an inspect
//! median <= 60 ms through the sandbox. The plain runner (no sandbox) is measured too, to show
//! what the sandbox adds.
//!
//! `git show main:python/inspector.py > /tmp/inspector-main.py`, then
//! `cargo run --release -p pyguide --example inspect_bench -- 30 --baseline /tmp/inspector-main.py`
//! (as root: the sandbox maps unprivileged ids). This binary is also the sandbox's init, as
//! `pyguide` is in production.

#[cfg(target_os = "linux")]
fn main() {
    use pyguide_sandbox::linux::{init_main, SandboxRunner, INIT_ARG};
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(30);
    // The inspector to compare with, e.g. main's: `git show main:python/inspector.py > old.py`.
    let baseline = args.iter().position(|a| a == "--baseline").map(|i| {
        let path = args.get(i + 1).expect("--baseline takes the path of an inspector.py");
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    });
    let python = pyguide_sandbox::discover_python(None).expect("python3 is installed");
    let exe = std::env::current_exe().expect("own path");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let sandbox: std::sync::Arc<dyn pyguide_sandbox::Runner> = std::sync::Arc::new(
            SandboxRunner::new(pyguide_sandbox::RunnerConfig::new(python.clone()), &exe)
                .expect("the sandbox starts (run as root)"),
        );
        let plain: std::sync::Arc<dyn pyguide_sandbox::Runner> = std::sync::Arc::new(
            pyguide_sandbox::ProcessRunner::new(pyguide_sandbox::RunnerConfig::new(python.clone())),
        );
        println!(
            "inspect of a {}-line program, {n} runs each (interleaved), {}",
            PROGRAM.lines().count(),
            python.version
        );
        println!();
        println!("| runner | inspector | run (baseline) p50 | inspect p50 | inspect p90 | inspect / run | document |");
        println!("| --- | --- | --- | --- | --- | --- | --- |");
        let mut sandboxed = None;
        for (name, runner) in [("sandbox", &sandbox), ("plain process (no sandbox)", &plain)] {
            let m = measure(runner.as_ref(), n, baseline.as_deref()).await;
            let row = |who: &str, inspect: &Stats, bytes: usize| {
                println!(
                    "| {name} | {who} | {:.1} ms | {:.1} ms | {:.1} ms | {:.2}× | {:.0} KB |",
                    m.run.p50,
                    inspect.p50,
                    inspect.p90,
                    inspect.p50 / m.run.p50,
                    bytes as f64 / 1024.0
                );
            };
            row("this one", &m.inspect, m.bytes);
            if let Some((old, old_bytes)) = &m.baseline {
                row("baseline (--baseline)", old, *old_bytes);
            }
            if name == "sandbox" {
                sandboxed = Some(m);
            }
        }
        let m = sandboxed.expect("measured");
        let (doc, check_ms) = (&m.doc, m.check_ms);
        let t = &doc["timing_ms"];
        println!();
        println!(
            "document: {:.0} KB, {} tokens, {} code objects, {} steps (trace_truncated: {}); parsing it: \
             {check_ms:.2} ms",
            m.bytes as f64 / 1024.0,
            doc["tokens"].as_array().map_or(0, Vec::len),
            doc["bytecode"].as_array().map_or(0, Vec::len),
            doc["steps"],
            doc["trace_truncated"],
        );
        println!(
            "inside the inspector (last run): tokens {} ms, ast {} ms, bytecode {} ms, traced run {} ms, total {} ms",
            t["tokens"], t["ast"], t["bytecode"], t["run"], t["total"]
        );
        if m.baseline.is_some() {
            let t = &m.baseline_timing;
            println!(
                "inside the baseline inspector (last run): tokens {} ms, ast {} ms, bytecode {} ms, traced run {} ms, \
                 total {} ms",
                t["tokens"], t["ast"], t["bytecode"], t["run"], t["total"]
            );
        }
        // The caps: a program that never ends stops at 1000 steps, its trace within the byte budget.
        let mut times = Vec::new();
        let mut size = (0, serde_json::Value::Null);
        for _ in 0..n.div_ceil(3) {
            let t = std::time::Instant::now();
            let r = sandbox.inspect(pyguide_sandbox::RunRequest::new(ENDLESS), pyguide_sandbox::Admission::Wait).await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            let r = r.expect("inspect");
            let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("the document is JSON");
            size = (r.stdout.len(), doc);
        }
        let (bytes, doc) = size;
        println!(
            "a loop that never ends (growing list): {} steps, stopped_by {}, document {:.0} KB (trace budget {:.0} KB), \
             inspect p50 {:.1} ms",
            doc["steps"],
            doc["stopped_by"],
            bytes as f64 / 1024.0,
            doc["limits"]["max_trace_bytes"].as_f64().unwrap_or(0.0) / 1024.0,
            stats(times).p50
        );
        let kb = m.bytes as f64 / 1024.0;
        let verdict = |ok: bool| if ok { "within" } else { "OVER" };
        println!();
        println!(
            "targets (sandbox): document <= 150 KB: {kb:.0} KB, {}; inspect p50 <= 60 ms: {:.1} ms, {}",
            verdict(kb <= 150.0),
            m.inspect.p50,
            verdict(m.inspect.p50 <= 60.0)
        );
        if let Some((old, old_bytes)) = &m.baseline {
            println!(
                "against the baseline, same run: document {:.0} KB -> {kb:.0} KB ({:.1}x smaller), inspect p50 {:.1} ms -> \
                 {:.1} ms ({:.2}x)",
                *old_bytes as f64 / 1024.0,
                *old_bytes as f64 / m.bytes as f64,
                old.p50,
                m.inspect.p50,
                m.inspect.p50 / old.p50
            );
        }
    });
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the inspect benchmark measures the Linux sandbox");
}

/// A tutorial-sized program: functions, a class, recursion, a generator, a closure,
/// comprehensions, an exception and a reference cycle collected by gc.
#[cfg(target_os = "linux")]
const PROGRAM: &str = r#"import gc

class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))
        return self.balance

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def countdown(n):
    while n > 0:
        yield n
        n -= 1

def make_counter():
    count = 0
    def step():
        nonlocal count
        count += 1
        return count
    return step

acct = Account("Ada")
for amount in [10, 25, -5, 40]:
    try:
        acct.deposit(amount)
    except ValueError as err:
        print("refused:", err)

squares = {n: n * n for n in range(5)}
evens = [n for n in squares.values() if n % 2 == 0]
tick = make_counter()
ticks = [tick() for _ in range(3)]
node = {"name": "loop"}
node["self"] = node
del node
print(acct.balance, fib(6), list(countdown(3)))
print(evens, ticks, gc.collect() > 0)
print(acct.history[-1])
"#;

/// Never ends: the inspector stops it at its step cap.
#[cfg(target_os = "linux")]
const ENDLESS: &str = "items = []\nwhile True:\n    items.append(len(items))\n";

#[cfg(target_os = "linux")]
struct Stats {
    p50: f64,
    p90: f64,
}

#[cfg(target_os = "linux")]
fn stats(mut ms: Vec<f64>) -> Stats {
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    Stats { p50: q(0.5), p90: q(0.9) }
}

/// What [`measure`] found: the plain runs, the inspects, the baseline inspector's inspects and
/// document size (with `--baseline`), and the last document with its size and parse time.
#[cfg(target_os = "linux")]
struct Measured {
    run: Stats,
    inspect: Stats,
    baseline: Option<(Stats, usize)>,
    baseline_timing: serde_json::Value,
    doc: serde_json::Value,
    bytes: usize,
    check_ms: f64,
}

/// The baseline inspector runs as the program itself: `main.py` is a short launcher, the
/// inspector (in parts, each within a request's limit per file) and the traced program are files
/// beside it (a run gets no other way to run an inspector that is not built in). Its extra cost
/// over the built-in one is writing the files and compiling the inspector, which the sandbox's
/// interpreter does once for the built-in one.
#[cfg(target_os = "linux")]
fn baseline_request(inspector: &str) -> pyguide_sandbox::RunRequest {
    let mut parts: Vec<String> = Vec::new();
    for line in inspector.split_inclusive('\n') {
        match parts.last_mut() {
            Some(part) if part.len() + line.len() <= pyguide_sandbox::MAX_FILE_BYTES => part.push_str(line),
            _ => parts.push(line.to_string()),
        }
    }
    let names: Vec<String> = (0..parts.len()).map(|i| format!("inspector_{i}.py")).collect();
    let mut req = pyguide_sandbox::RunRequest::new(format!(
        "import sys\nsys.argv = ['inspector.py', 'prog.py']\nsource = ''.join(open(p).read() for p in {names:?})\n\
         exec(compile(source, 'inspector.py', 'exec'))\n"
    ));
    for (name, part) in names.into_iter().zip(parts) {
        req.files.insert(name, part);
    }
    req.files.insert("prog.py".into(), PROGRAM.into());
    req
}

/// `n` runs, `n` inspects and (with a baseline) `n` inspects by the baseline inspector,
/// interleaved after a warm-up.
#[cfg(target_os = "linux")]
async fn measure(runner: &dyn pyguide_sandbox::Runner, n: usize, baseline: Option<&str>) -> Measured {
    use pyguide_sandbox::{Admission, Outcome, RunRequest};
    use std::time::Instant;
    let req = || RunRequest::new(PROGRAM);
    for _ in 0..3 {
        runner.run(req(), Admission::Wait).await.expect("warm-up run");
        runner.inspect(req(), Admission::Wait).await.expect("warm-up inspect");
        if let Some(old) = baseline {
            runner.run(baseline_request(old), Admission::Wait).await.expect("warm-up baseline");
        }
    }
    let (mut runs, mut inspects, mut olds) = (Vec::new(), Vec::new(), Vec::new());
    let (mut last, mut old_bytes, mut old_timing) = (String::new(), 0, serde_json::Value::Null);
    for _ in 0..n {
        let t = Instant::now();
        let r = runner.run(req(), Admission::Wait).await.expect("run");
        runs.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.outcome, Outcome::Success, "{}", r.stderr);
        let t = Instant::now();
        let r = runner.inspect(req(), Admission::Wait).await.expect("inspect");
        inspects.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.outcome, Outcome::Success, "{}", r.stderr);
        last = r.stdout;
        if let Some(old) = baseline {
            let t = Instant::now();
            let r = runner.run(baseline_request(old), Admission::Wait).await.expect("baseline inspect");
            olds.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(r.outcome, Outcome::Success, "{}", r.stderr);
            let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("the baseline's document is JSON");
            assert_eq!(doc["outcome"], "success", "{}", doc["exception"]);
            old_bytes = r.stdout.len();
            old_timing = doc["timing_ms"].clone();
        }
    }
    // A full parse: an upper bound of the server's check (which skips building the values).
    let t = Instant::now();
    let doc: serde_json::Value = serde_json::from_str(&last).expect("the document is JSON");
    let check_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(doc["outcome"], "success", "{}", doc["exception"]);
    Measured {
        run: stats(runs),
        inspect: stats(inspects),
        baseline: baseline.map(|_| (stats(olds), old_bytes)),
        baseline_timing: old_timing,
        bytes: last.len(),
        doc,
        check_ms,
    }
}

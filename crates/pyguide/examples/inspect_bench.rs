//! "Under the hood" benchmark: the inspector (tokens, AST, bytecode and the full trace) on a
//! 50-line program through the sandboxed runner, as `POST /api/inspect` runs it, against a
//! baseline measured in the same process: the same program run plainly through the same runner
//! (`POST /api/run`). Median and p90 of N interleaved runs; the target is a median < 200 ms.
//! The plain runner (no sandbox) is measured too, to show what the sandbox adds.
//!
//! `cargo run --release -p pyguide --example inspect_bench [N]` (as root: the sandbox maps
//! unprivileged ids). This binary is also the sandbox's init, as `pyguide` is in production.

#[cfg(target_os = "linux")]
fn main() {
    use pyguide_sandbox::linux::{init_main, SandboxRunner, INIT_ARG};
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30);
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
        println!("| runner | run (baseline) p50 | p90 | inspect p50 | p90 | inspect / run |");
        println!("| --- | --- | --- | --- | --- | --- |");
        let mut sandboxed_inspect = 0.0;
        let mut last_doc = None;
        for (name, runner) in [("sandbox", &sandbox), ("plain process (no sandbox)", &plain)] {
            let (run, inspect, doc) = measure(runner.as_ref(), n).await;
            println!(
                "| {name} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.2}× |",
                run.p50,
                run.p90,
                inspect.p50,
                inspect.p90,
                inspect.p50 / run.p50
            );
            if name == "sandbox" {
                sandboxed_inspect = inspect.p50;
                last_doc = Some(doc);
            }
        }
        let (doc, bytes, check_ms) = last_doc.expect("measured");
        let t = &doc["timing_ms"];
        println!();
        println!(
            "document: {:.0} KB, {} tokens, {} code objects, {} steps (trace_truncated: {}); parsing it: \
             {check_ms:.2} ms",
            bytes as f64 / 1024.0,
            doc["tokens"].as_array().map_or(0, Vec::len),
            doc["bytecode"].as_array().map_or(0, Vec::len),
            doc["steps"],
            doc["trace_truncated"],
        );
        println!(
            "inside the inspector (last run): tokens {} ms, ast {} ms, bytecode {} ms, traced run {} ms, total {} ms",
            t["tokens"], t["ast"], t["bytecode"], t["run"], t["total"]
        );
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
        let verdict = if sandboxed_inspect < 200.0 { "within" } else { "OVER" };
        println!("target: sandboxed inspect median < 200 ms: {sandboxed_inspect:.1} ms, {verdict} the target");
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

/// `n` runs and `n` inspects, interleaved after a warm-up; the last document, its size and the
/// time to parse it.
#[cfg(target_os = "linux")]
async fn measure(runner: &dyn pyguide_sandbox::Runner, n: usize) -> (Stats, Stats, (serde_json::Value, usize, f64)) {
    use pyguide_sandbox::{Admission, Outcome, RunRequest};
    use std::time::Instant;
    let req = || RunRequest::new(PROGRAM);
    for _ in 0..3 {
        runner.run(req(), Admission::Wait).await.expect("warm-up run");
        runner.inspect(req(), Admission::Wait).await.expect("warm-up inspect");
    }
    let (mut runs, mut inspects) = (Vec::new(), Vec::new());
    let mut last = String::new();
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
    }
    // A full parse: an upper bound of the server's check (which skips building the values).
    let t = Instant::now();
    let doc: serde_json::Value = serde_json::from_str(&last).expect("the document is JSON");
    let check_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(doc["outcome"], "success", "{}", doc["exception"]);
    let bytes = last.len();
    (stats(runs), stats(inspects), (doc, bytes, check_ms))
}

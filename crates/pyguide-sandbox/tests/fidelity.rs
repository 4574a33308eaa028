//! The fidelity suite: is the sandbox still CPython? Modules of the interpreter's own `test`
//! package run through the real sandbox and directly (the same interpreter as a plain
//! subprocess, no limits), each with the same unittest driver; per module, the tests run, the
//! failing and erroring tests, the skips, the expected failures and the unexpected successes
//! must be the same both ways.
//!
//! The modules are picked to finish within the site's run limits (10 s wall, 5 s CPU, 256 MiB,
//! 64 processes: the sandbox's defaults apply): those in [`MODULES`] take well under a second
//! of CPU each, so that the suite stays quick and a busy machine does not push one past the
//! wall limit. The direct run is as the user running the suite (root), the sandbox's as the
//! learner; none of these modules tells the two apart.
//!
//! Debian's `python3` ships the `test` package's modules separately
//! (`libpython3.11-testsuite`); `scripts/test` installs it. Without them this suite stops at
//! once and says so.
//!
//! `harness = false`: this binary is also the sandbox's init (`__sandbox-init`), as `pyguide`
//! is in production. Run as root. `cargo test -p pyguide-sandbox --test fidelity [MODULE]`
//! runs the modules whose name contains MODULE.

use pyguide_sandbox::linux::{init_main, SandboxRunner, INIT_ARG};
use pyguide_sandbox::{discover_python, Admission, Outcome, PythonInfo, RunRequest, Runner, RunnerConfig};
use serde::Deserialize;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Modules that give the same result in the sandbox as outside it.
const MODULES: &[&str] = &[
    // the language
    "test_grammar",
    "test_scope",
    "test_class",
    "test_generators",
    "test_with",
    "test_raise",
    "test_baseexception",
    "test_keywordonlyarg",
    "test_super",
    "test_property",
    "test_types",
    "test_typing",
    // built-in types
    "test_list",
    "test_dict",
    "test_dictviews",
    "test_tuple",
    "test_int",
    "test_float",
    "test_bool",
    "test_sort",
    // the standard library
    "test_re",
    "test_functools",
    "test_collections",
    "test_enum",
    "test_dataclasses",
    "test_contextlib",
    "test_copy",
    "test_heapq",
    "test_bisect",
    "test_fractions",
    "test_operator",
    "test_string",
    "test_textwrap",
    "test_binascii",
    "test_csv",
    "test_pprint",
    "test_abc",
    // the slower ones, which start another Python for some tests (sys.executable) or set the
    // C.UTF-8 locale
    "test_json",
    "test_gc",
    "test_exceptions",
    "test_unicode",
    "test_coroutines",
    "test_struct",
    "test_format",
];

/// Modules that cannot match within the run limits, and why (not run).
const CANNOT_MATCH: &[(&str, &str)] = &[(
    "test_threading",
    "takes about 20 s of wall time outside the sandbox (mostly its tests' sleeps and timeouts), \
     twice the 10 s wall limit, so the sandbox stops it",
)];

/// Runs one module with unittest and prints one line: `FIDELITY ` and the result as JSON.
/// Resources and verbosity are as regrtest sets them by default (no `-u`, no `-v`): tests
/// that need the network, much CPU or a GUI are skipped both ways.
const DRIVER: &str = r#"
import io, json, sys, unittest
from test import support
support.use_resources = []
support.verbose = 0
try:
    suite = unittest.defaultTestLoader.loadTestsFromName("test.MODULE")
except Exception as e:
    print("FIDELITY " + json.dumps({"import_error": "%s: %s" % (type(e).__name__, e)}))
    sys.exit(0)
result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
print("FIDELITY " + json.dumps({
    "run": result.testsRun,
    "failures": sorted(test.id() for test, _ in result.failures),
    "errors": sorted(test.id() for test, _ in result.errors),
    "skipped": sorted(test.id() for test, _ in result.skipped),
    "expected_failures": len(result.expectedFailures),
    "unexpected_successes": len(result.unexpectedSuccesses),
}))
"#;

/// What a module's tests gave.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Summary {
    run: u64,
    failures: Vec<String>,
    errors: Vec<String>,
    skipped: Vec<String>,
    expected_failures: u64,
    unexpected_successes: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} run, {} failures, {} errors, {} skipped, {} expected failures, {} unexpected successes",
            self.run,
            self.failures.len(),
            self.errors.len(),
            self.skipped.len(),
            self.expected_failures,
            self.unexpected_successes
        )
    }
}

/// The driver's line, or why there is none.
fn summary(stdout: &str, stderr: &str, how: &str) -> Result<Summary, String> {
    let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("FIDELITY ")) else {
        let tail: String =
            stderr.lines().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(" | ");
        return Err(format!("no result ({how}): {tail}"));
    };
    #[derive(Deserialize)]
    struct ImportError {
        import_error: String,
    }
    if let Ok(e) = serde_json::from_str::<ImportError>(line) {
        return Err(format!("cannot import the module: {}", e.import_error));
    }
    serde_json::from_str(line).map_err(|e| format!("unreadable result {line:?}: {e}"))
}

fn driver(module: &str) -> String {
    DRIVER.replace("MODULE", module)
}

/// The driver run through the sandbox; the outcome says whether it was stopped at a limit.
async fn in_sandbox(runner: &Arc<dyn Runner>, module: &str) -> (Result<Summary, String>, Option<Outcome>) {
    let r = match runner.run(RunRequest::new(driver(module)), Admission::Wait).await {
        Ok(r) => r,
        Err(e) => return (Err(e.to_string()), None),
    };
    let how = match r.outcome {
        Outcome::Success => format!("exit 0 after {:.1} s", r.duration_ms / 1000.0),
        other => format!("{other:?} after {:.1} s, exit code {:?}", r.duration_ms / 1000.0, r.exit_code),
    };
    (summary(&r.stdout, &r.stderr, &how), Some(r.outcome))
}

/// Longest a direct run may take before it counts as hung.
const DIRECT_TIMEOUT: Duration = Duration::from_secs(120);

/// The same driver run as `python -E -s -u main.py` (the way the sandbox runs a program) in a
/// folder of its own, with the environment a run has in the sandbox.
async fn direct(python: &PythonInfo, module: &str) -> Result<Summary, String> {
    let dir = tempfile::Builder::new().prefix("pyguide-fidelity-").tempdir().map_err(|e| e.to_string())?;
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("main.py"), driver(module)).map_err(|e| e.to_string())?;
    let child = tokio::process::Command::new(&python.executable)
        .args(["-E", "-s", "-u", "main.py"])
        .current_dir(dir.path())
        .env_clear()
        .envs(pyguide_sandbox::LEARNER_ENV.iter().copied())
        .env("HOME", dir.path())
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", python.executable.display()))?;
    let out = tokio::time::timeout(DIRECT_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| format!("still running after {} s", DIRECT_TIMEOUT.as_secs()))?
        .map_err(|e| e.to_string())?;
    summary(&String::from_utf8_lossy(&out.stdout), &String::from_utf8_lossy(&out.stderr), &out.status.to_string())
}

/// The interpreter has the `test` package's modules, or the suite cannot run.
fn has_test_package(python: &PythonInfo) -> Result<(), String> {
    let out = std::process::Command::new(&python.executable)
        .args(["-E", "-s", "-c", "import test.test_list"])
        .output()
        .map_err(|e| format!("cannot start {}: {e}", python.executable.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let debian = python.executable.starts_with("/usr/bin");
    let minor = python.version.split('.').take(2).collect::<Vec<_>>().join(".");
    Err(format!(
        "the interpreter {} (Python {}) has no `test` package modules (import test.test_list failed: {}).\n  hint: {}",
        python.executable.display(),
        python.version,
        String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").trim(),
        if debian {
            format!("Debian ships them apart: apt-get install libpython{minor}-testsuite (scripts/test does)")
        } else {
            "set PYGUIDE_PYTHON to an interpreter that has its test package".to_string()
        }
    ))
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let failures = rt.block_on(suite(filter));
    std::process::exit(if failures == 0 { 0 } else { 1 });
}

/// How one module went, both ways, and how long each took.
struct Report {
    module: &'static str,
    sandbox: (Result<Summary, String>, Duration),
    direct: (Result<Summary, String>, Duration),
    /// The first sandbox run hit the wall limit while others ran, and this is a second one.
    ran_again_alone: bool,
}

impl Report {
    fn matches(&self) -> bool {
        matches!((&self.sandbox.0, &self.direct.0), (Ok(s), Ok(d)) if s == d)
    }

    fn print(&self) {
        let secs = |d: &Duration| format!("{:.1} s", d.as_secs_f64());
        let (sandbox, direct) = (&self.sandbox.0, &self.direct.0);
        let again = if self.ran_again_alone { " (run again alone after a timeout)" } else { "" };
        let times = format!("sandbox {}{again}, direct {}", secs(&self.sandbox.1), secs(&self.direct.1));
        match self.matches() {
            true => println!(
                "ok   {} ({}; {times})",
                self.module,
                sandbox.as_ref().map(|s| s.to_string()).unwrap_or_default()
            ),
            false => {
                let show = |x: &Result<Summary, String>| x.as_ref().map_or_else(|e| e.clone(), |s| s.to_string());
                println!("FAIL {} ({times})", self.module);
                println!("     sandbox: {}\n     direct:  {}", show(sandbox), show(direct));
                if let (Ok(s), Ok(d)) = (sandbox, direct) {
                    let lists = [("failing", &s.failures, &d.failures), ("erroring", &s.errors, &d.errors)];
                    for (what, a, b) in lists.into_iter().chain([("skipped", &s.skipped, &d.skipped)]) {
                        let only = |x: &Vec<String>, y: &Vec<String>| {
                            x.iter().filter(|t| !y.contains(t)).cloned().collect::<Vec<_>>()
                        };
                        for (side, tests) in [("in the sandbox only", only(a, b)), ("directly only", only(b, a))] {
                            if !tests.is_empty() {
                                println!("     {what} {side}: {tests:?}");
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let out = f.await;
    (out, start.elapsed())
}

async fn suite(filter: Option<String>) -> usize {
    let started = Instant::now();
    let mut listed: Vec<&str> = MODULES.to_vec();
    listed.extend(CANNOT_MATCH.iter().map(|(module, _)| *module));
    listed.sort_unstable();
    if let Some(twice) = listed.windows(2).find(|w| w[0] == w[1]) {
        eprintln!("fidelity: {} is in two lists", twice[0]);
        return 1;
    }
    let python = discover_python(None).unwrap_or_else(|e| {
        eprintln!("fidelity: no interpreter: {e}");
        std::process::exit(1)
    });
    if let Err(e) = has_test_package(&python) {
        eprintln!("fidelity: {e}");
        std::process::exit(1);
    }
    let exe = std::env::current_exe().expect("own path");
    let sandbox = SandboxRunner::new(RunnerConfig::new(python.clone()), &exe)
        .map_err(|e| e.to_string())
        .expect("the sandbox starts (run as root)");
    let runner: Arc<dyn Runner> = Arc::new(sandbox);
    // The modules are CPU-bound: more at once than there are cores only stretches each one's
    // wall clock towards the limit.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let parallel = runner.capacity().min(cores).max(1);
    let slots = Arc::new(Semaphore::new(parallel));
    let wanted = |m: &&&str| filter.as_ref().is_none_or(|f| m.contains(f.as_str()));
    // The slowest modules are listed last: started first, they do not finish last alone.
    let modules = MODULES.iter().rev().filter(wanted);
    let mut tasks = tokio::task::JoinSet::new();
    for &module in modules {
        let (runner, python, slots) = (runner.clone(), python.clone(), slots.clone());
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await.expect("semaphore");
            let ((sandbox, outcome), took) = timed(in_sandbox(&runner, module)).await;
            let direct = timed(direct(&python, module)).await;
            (Report { module, sandbox: (sandbox, took), direct, ran_again_alone: false }, outcome)
        });
    }
    let mut finished = Vec::new();
    while let Some(r) = tasks.join_next().await {
        finished.push(r.expect("a module's task"));
    }
    let mut reports = Vec::new();
    for (mut report, outcome) in finished {
        if outcome == Some(Outcome::Timeout) {
            // A busy machine (these modules run side by side, and other work may share the
            // cores) stretches a run's wall clock: a run that hit the limit runs once more
            // after the others, alone as far as this suite goes.
            let ((sandbox, _), took) = timed(in_sandbox(&runner, report.module)).await;
            report.sandbox = (sandbox, took);
            report.ran_again_alone = true;
        }
        reports.push(report);
    }
    if reports.is_empty() {
        println!("fidelity: no module matches {filter:?}");
        return 1;
    }
    reports.sort_by_key(|r| r.module);

    println!("fidelity: {} (Python {}), {parallel} modules at once", python.executable.display(), python.version);
    for r in &reports {
        r.print();
    }
    for (module, why) in CANNOT_MATCH {
        println!("skip {module}: {why}");
    }
    let differed = reports.iter().filter(|r| !r.matches()).count();
    println!(
        "{} matched, {differed} differed, {} not run; {:.0} s",
        reports.iter().filter(|r| r.matches()).count(),
        CANNOT_MATCH.len(),
        started.elapsed().as_secs_f64()
    );
    differed
}

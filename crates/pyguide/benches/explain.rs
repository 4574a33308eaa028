//! What explaining an error adds to a failing run, through the real sandbox: failing programs of
//! the explainer's corpus (`python/tests/errors/`) run with the explainer and without it
//! (`RunnerConfig::explain` off), in alternating blocks within the same process, one run at a
//! time. Each run is timed from `Runner::run` to its checked result. Prints each program's
//! medians, then the median over the programs of the added time and the ratio.
//!
//! `cargo bench -p pyguide --bench explain` (as root: the sandbox maps unprivileged ids).
//! `PYGUIDE_BENCH_RUNS` runs of each program per block (default 20), 8 blocks.
//! This binary is also the sandbox's init, as `pyguide` is in production.

use pyguide_sandbox::linux::{init_main, SandboxRunner, INIT_ARG};
use pyguide_sandbox::{discover_python, Admission, Outcome, RunRequest, Runner, RunnerConfig};
use std::collections::BTreeMap;
use std::time::Instant;

/// Corpus programs: a misspelled name, a missing key, a recursion without end (about a thousand
/// frames to walk), a syntax error, `str + int`, a None from `list.sort()`; and, as a control, a
/// program that ends well (the explainer never runs for it: any difference there is the
/// sandbox's, not the explanation's).
const CONTROL: &str = "hello";
const PROGRAMS: [&str; 7] = [
    CONTROL,
    "name_misspelled",
    "key_missing",
    "recursion_no_base",
    "syntax_unclosed_bracket",
    "type_str_plus_int",
    "none_from_sort",
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs each program `runs` times on a new sandbox (explainer on or off); the times in ms by
/// program.
async fn block(
    explain: bool,
    programs: &[(&str, String)],
    runs: usize,
    times: &mut BTreeMap<(&'static str, bool), Vec<f64>>,
) {
    let python = discover_python(None).expect("python3");
    let exe = std::env::current_exe().expect("own path");
    let mut config = RunnerConfig::new(python);
    config.explain = explain;
    let runner: std::sync::Arc<dyn Runner> =
        std::sync::Arc::new(SandboxRunner::new(config, &exe).expect("the sandbox starts (run as root)"));
    for (name, code) in programs {
        let req = RunRequest { code: code.clone(), stdin: None, files: BTreeMap::new() };
        let _ = runner.run(req.clone(), Admission::Wait).await; // warm-up
        for _ in 0..runs {
            let t = Instant::now();
            let r = runner.run(req.clone(), Admission::Wait).await.expect("a run");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let failing = *name != CONTROL;
            assert_eq!(r.outcome == Outcome::Error, failing, "{name} fails, the control does not");
            assert_eq!(r.explanation.is_some(), explain && failing, "{name}: explained only with the explainer");
            let key = PROGRAMS.iter().find(|p| *p == name).expect("a corpus program");
            times.entry((key, explain)).or_default().push(ms);
        }
    }
    tokio::task::spawn_blocking(move || runner.shutdown()).await.expect("shutdown");
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let runs: usize = std::env::var("PYGUIDE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python/tests/errors");
    let read = |p: &str| std::fs::read_to_string(root.join(format!("{p}.py"))).expect("a corpus program");
    let programs: Vec<(&str, String)> =
        PROGRAMS.iter().map(|p| (*p, if *p == CONTROL { "print('hello')\n".to_string() } else { read(p) })).collect();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut times = BTreeMap::new();
    rt.block_on(async {
        // Alternating blocks, so that a change in the machine's load meets both.
        for explain in [true, false, false, true, true, false, false, true] {
            block(explain, &programs, runs, &mut times).await;
        }
    });
    let python = discover_python(None).expect("python3");
    println!(
        "CPython {}; {} runs of each program with and without the explainer, one at a time",
        python.version,
        4 * runs
    );
    println!("{:<26} {:>12} {:>12} {:>9} {:>7}", "program", "without ms", "with ms", "added ms", "ratio");
    let (mut added, mut ratios) = (Vec::new(), Vec::new());
    for name in PROGRAMS {
        let without = median(times[&(name, false)].clone());
        let with = median(times[&(name, true)].clone());
        println!("{name:<26} {without:>12.2} {with:>12.2} {:>9.2} {:>7.3}", with - without, with / without);
        if name != CONTROL {
            added.push(with - without);
            ratios.push(with / without);
        }
    }
    println!("median over the failing programs: {:.2} ms added, ratio {:.3}", median(added), median(ratios));
}

//! Packages benchmark, all in one run on a real server (loopback, keep-alive): a program that
//! imports numpy, pandas and matplotlib and saves a plot, through `POST /api/run`
//!   - as written (it goes to the interpreter with the packages imported),
//!   - with its imports hidden from the router (`__import__("num" + "py")`), so it runs in a
//!     standard unit and pays for the imports itself,
//!
//! against spawning the same program with the same interpreter and packages
//! (`python3 main.py`, PYTHONPATH on the install); and a hello-world through the API against
//! `python3 -I -S -c`; and the plot as a learner shows it (`plt.show()`: a PNG picture in the
//! answer) against the same spawned baseline. All are interleaved, run by run. Then the memory of a warm unit of
//! each kind (its program's process: private pages, and its proportional share).
//!
//! `cargo bench -p pyguide --bench packages` (as root, with `pyguide packages` run first:
//! the install in the project's `data/` is used). `PYGUIDE_BENCH_RUNS` sets the runs of each
//! (40 unless set). This binary is also the sandbox's init, as `pyguide` is in production.

mod common;

use common::{serve_one_client, Client};
use pyguide_sandbox::linux::{init_main, SandboxRunner, ID_BASE, INIT_ARG};
use pyguide_sandbox::packages::{packages, Action};
use pyguide_sandbox::{discover_python, Runner, RunnerConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

const PLOT: &str = "import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
df = pd.DataFrame({'x': np.arange(20)})
df['y'] = df.x ** 2
fig, ax = plt.subplots()
ax.plot(df.x, df.y)
fig.savefig('plot.png')
print('plot', len(open('plot.png', 'rb').read()) > 1000)
";

/// The same program, its imports out of the router's sight. A standard unit's matplotlib cannot
/// use the read-only font cache where it is, so the program gives it a writable copy first, as
/// a fresh interpreter with a font cache of its own would have.
const PLOT_HIDDEN: &str = "import os, shutil
shutil.copytree(os.environ['MPLCONFIGDIR'], '/tmp/mpl')
os.environ['MPLCONFIGDIR'] = '/tmp/mpl'
np = __import__('num' + 'py')
pd = __import__('pan' + 'das')
plt = __import__('matplot' + 'lib.pyplot', fromlist=['pyplot'])
df = pd.DataFrame({'x': np.arange(20)})
df['y'] = df.x ** 2
fig, ax = plt.subplots()
ax.plot(df.x, df.y)
fig.savefig('plot.png')
print('plot', len(open('plot.png', 'rb').read()) > 1000)
";

/// The same plot as a learner shows it: `plt.show()` sends it to the page as a PNG picture.
const PLOT_SHOWN: &str = "import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
df = pd.DataFrame({'x': np.arange(20)})
df['y'] = df.x ** 2
fig, ax = plt.subplots()
ax.plot(df.x, df.y)
plt.show()
print('plot shown')
";

const HELLO: &str = "print('hello, world')";

fn quantile(ms: &[f64], p: f64) -> f64 {
    let mut v = ms.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// (private, proportional) KiB of each learner process under `init` (the warm units' program
/// processes), from `/proc/PID/smaps_rollup`.
fn unit_memory(init: u32) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
        let learner = status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(&(ID_BASE + 1000).to_string()));
        if !learner || !descends_from(pid, init) {
            continue;
        }
        let rollup = std::fs::read_to_string(e.path().join("smaps_rollup")).unwrap_or_default();
        let kib = |name: &str| -> u64 {
            rollup
                .lines()
                .filter(|l| l.starts_with(name))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum()
        };
        out.push((kib("Private_Clean:") + kib("Private_Dirty:"), kib("Pss:")));
    }
    out
}

fn descends_from(mut pid: u32, ancestor: u32) -> bool {
    for _ in 0..64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let Some(ppid) =
            status.lines().find_map(|l| l.strip_prefix("PPid:")).and_then(|v| v.trim().parse::<u32>().ok())
        else {
            return false;
        };
        if ppid == ancestor {
            return true;
        }
        if ppid <= 1 {
            return false;
        }
        pid = ppid;
    }
    false
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let runs: usize = std::env::var("PYGUIDE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let python = discover_python(None).expect("python3");
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let installed = packages(&python.executable, &data.join("packages"), Action::Status)
            .expect("the packages' status")
            .expect("the packages installed in data/ (run `cargo run -- packages`)");
        let site_dir = installed.site.clone();
        let mut config = RunnerConfig::new(python.clone());
        config.packages = Some(installed.clone());
        let exe = std::env::current_exe().expect("own path");
        let sandbox = Arc::new(SandboxRunner::new(config, &exe).expect("the sandbox starts (run as root)"));
        let runner: Arc<dyn Runner> = sandbox.clone();
        let addr = serve_one_client(runner).await;

        // The baseline's folder: main.py, and the same install importable.
        let work = tempfile::tempdir().expect("tempdir");
        std::fs::write(work.path().join("main.py"), PLOT).expect("main.py");
        let spawn_plot = || {
            let mut cmd = std::process::Command::new(&python.executable);
            cmd.arg("main.py").current_dir(work.path()).env_clear();
            cmd.envs(pyguide_sandbox::LEARNER_ENV.iter().copied()).env("HOME", work.path());
            cmd.envs(pyguide_sandbox::packages::env(&installed.dir));
            // matplotlib as a plain install draws it (the packages' environment names PyGuide's
            // picture backend, which only runs have).
            cmd.env("MPLBACKEND", "Agg");
            cmd
        };
        let mut client = Client::connect(addr).await;
        // One of each first: the font cache and the file system's caches are warm for all.
        let out = spawn_plot().output().expect("spawn");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "the baseline: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for code in [PLOT, PLOT_HIDDEN, HELLO, PLOT_SHOWN] {
            let (status, body) = client.run(code).await;
            assert!(
                status == 200 && body.contains("\"outcome\":\"success\"") && body.contains("\"stderr\":\"\""),
                "{body}"
            );
        }
        let (_, shown) = client.run(PLOT_SHOWN).await;
        assert!(shown.contains("\"mime\":\"image/png\""), "plt.show() gives a PNG picture: {shown}");
        let mut times: [Vec<f64>; 6] = Default::default();
        for _ in 0..runs {
            // Index into `times` (and `names` below): 3 and 4 are the spawned baselines.
            for (i, code) in [(0, PLOT), (1, PLOT_HIDDEN), (2, HELLO), (5, PLOT_SHOWN)] {
                let t = Instant::now();
                let (status, body) = client.run(code).await;
                times[i].push(t.elapsed().as_secs_f64() * 1000.0);
                assert!(status == 200 && body.contains("success"), "{status} {body}");
            }
            let t = Instant::now();
            let out = spawn_plot().output().expect("spawn");
            times[3].push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(out.stdout.starts_with(b"plot True"));
            let t = Instant::now();
            let out =
                std::process::Command::new(&python.executable).args(["-I", "-S", "-c", HELLO]).output().expect("spawn");
            times[4].push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(out.stdout.starts_with(b"hello"));
        }
        println!(
            "CPython {} at {}; packages in {}; {runs} runs of each, interleaved",
            python.version,
            python.executable.display(),
            site_dir.display()
        );
        println!("{:<64} {:>9} {:>9}", "", "p50 ms", "p90 ms");
        let names = [
            "plot (numpy+pandas+matplotlib), POST /api/run: packages unit",
            "the same, imports hidden: standard unit, imports paid",
            "hello-world, POST /api/run",
            "baseline: python3 main.py (the plot), same install",
            "baseline: python3 -I -S -c (hello-world)",
            "plot shown with plt.show(): a PNG picture in the answer",
        ];
        for (name, ms) in names.iter().zip(&times) {
            println!("{:<64} {:>9.2} {:>9.2}", name, quantile(ms, 0.5), quantile(ms, 0.9));
        }
        let p50 = |i: usize| quantile(&times[i], 0.5);
        println!("  plot: packages unit vs spawning python3          {:.1}x faster", p50(3) / p50(0));
        println!("  plot: packages unit vs standard unit (imports)   {:.1}x faster", p50(1) / p50(0));
        println!("  plot shown (PNG sent) vs spawning python3 (saved) {:.1}x faster", p50(3) / p50(5));
        println!("  hello-world: sandbox vs python3 -I -S            {:.1}x faster", p50(4) / p50(2));

        for (kind, init) in [("standard", Some(sandbox.zygote_pid())), ("packages", sandbox.packages_zygote_pid())] {
            let units = unit_memory(init.expect("a zygote"));
            if units.is_empty() {
                continue;
            }
            let n = units.len() as u64;
            let private = units.iter().map(|u| u.0).sum::<u64>() / n;
            let pss = units.iter().map(|u| u.1).sum::<u64>() / n;
            println!("memory of a warm {kind} unit ({n} units): {private} KiB private, {pss} KiB proportional share");
        }
        runner_shutdown(&sandbox);
    });
}

fn runner_shutdown(sandbox: &SandboxRunner) {
    Runner::shutdown(sandbox);
}

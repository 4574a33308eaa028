//! The curated packages through the real sandbox: each imports and works, with nothing on
//! stderr; runs that import them go to the interpreter that has them imported, others do not;
//! a dynamic import in a plain unit still works; a learner's change to numpy is not seen by the
//! next run; the install is read-only; an unknown package fails plainly; numpy's memory is
//! under the run's limit and BLAS adds no threads.
//!
//! The packages must be installed in the project's `data/` folder first (`scripts/test` does
//! it: `pyguide packages`). `harness = false`: this binary is also the sandbox's init.

mod support;

use pyguide_sandbox::linux::{init_main, SandboxRunner, INIT_ARG};
use pyguide_sandbox::{Admission, Outcome, RunRequest, RunResult, Runner};
use std::collections::BTreeMap;
use std::sync::Arc;

fn main() {
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let failures = rt.block_on(suite(filter));
    std::process::exit(if failures == 0 { 0 } else { 1 });
}

fn request(code: &str, files: &[(&str, &str)]) -> RunRequest {
    let mut r = RunRequest::new(code);
    r.files = files.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
    r
}

async fn run(runner: &Arc<dyn Runner>, code: &str, files: &[(&str, &str)]) -> Result<RunResult, String> {
    runner
        .start(request(code, files), Default::default())
        .map_err(|e| e.to_string())?
        .finish()
        .await
        .map_err(|e| e.to_string())
}

/// Runs `code` and checks that it succeeds with exactly `stdout` and an empty stderr.
async fn expect(runner: &Arc<dyn Runner>, code: &str, files: &[(&str, &str)], stdout: &str) -> Result<(), String> {
    let r = run(runner, code, files).await?;
    if r.outcome != Outcome::Success || r.stdout != stdout || !r.stderr.is_empty() {
        return Err(format!(
            "outcome {:?}\n  stdout {:?}\n  wanted {stdout:?}\n  stderr {:?}",
            r.outcome, r.stdout, r.stderr
        ));
    }
    Ok(())
}

const NUMPY: &str = "import numpy as np
a = np.arange(6).reshape(2, 3)
print(a * 10)
print(a.sum(axis=0), a.mean())
print(np.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]])).tolist())
";

const PANDAS: &str = "import pandas as pd
df = pd.read_csv('scores.csv')
print(df.groupby('team')['points'].sum().to_dict())
print(len(df), list(df.columns))
";

const CSV: &str = "team,points\nred,3\nblue,5\nred,4\n";

/// A plot saved as a PNG file and read back: its signature and its size.
const MATPLOTLIB: &str = "import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([1, 2, 3], [1, 4, 9])
ax.set_title('squares')
fig.savefig('plot.png')
data = open('plot.png', 'rb').read()
print(data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', len(data) > 5000)
import matplotlib
print(matplotlib.get_backend().lower())
";

const PYTEST: &str = "import pytest
code = pytest.main(['-q', '-p', 'no:cacheprovider', 'test_maths.py'])
print('exit code', int(code))
";

const TESTS: &str = "def test_adds():\n    assert 1 + 1 == 2\n\ndef test_fails():\n    assert 2 * 2 == 5\n";

async fn suite(filter: Option<String>) -> usize {
    let config = match support::config_with_packages() {
        Ok(config) => config,
        Err(why) => {
            println!("FAIL {why}");
            return 1;
        }
    };
    let exe = std::env::current_exe().expect("own path");
    let sandbox = Arc::new(SandboxRunner::new(config, &exe).expect("the sandbox starts (run as root)"));
    let runner: Arc<dyn Runner> = sandbox.clone();
    let r = &runner;
    let cases: Vec<(&str, Result<(), String>)> = vec![
        ("numpy", expect(r, NUMPY, &[], "[[ 0 10 20]\n [30 40 50]]\n[3 5 7] 2.5\n[[0.5, 0.0], [0.0, 0.25]]\n").await),
        ("pandas", expect(r, PANDAS, &[("scores.csv", CSV)], "{'blue': 5, 'red': 7}\n3 ['team', 'points']\n").await),
        ("matplotlib", expect(r, MATPLOTLIB, &[], "True True\nmodule://_pyguide_pictures\n").await),
        ("pytest", pytest(r).await),
        ("routing", routing(r).await),
        ("dynamic_import", dynamic_import(r).await),
        ("numpy_changes_stay_in_their_run", changes_stay(r).await),
        ("read_only", read_only(r).await),
        ("unknown_package", unknown_package(r).await),
        ("memory_and_threads", memory_and_threads(r).await),
    ];
    let cases = cases.into_iter().map(|(name, result)| (name.to_string(), result)).collect();
    let failed = support::report(cases, filter.as_deref());
    runner.shutdown();
    println!("{failed} failed");
    failed
}

/// pytest runs a learner's tests file and reports a failing test.
async fn pytest(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let r = run(runner, PYTEST, &[("test_maths.py", TESTS)]).await?;
    let wanted = ["1 failed, 1 passed", "assert (2 * 2) == 5", "exit code 1"];
    if r.outcome != Outcome::Success || wanted.iter().any(|w| !r.stdout.contains(w)) || !r.stderr.is_empty() {
        return Err(format!("outcome {:?}\n  stdout {:?}\n  stderr {:?}", r.outcome, r.stdout, r.stderr));
    }
    Ok(())
}

/// A run that imports a curated package finds them all imported already (the packages
/// interpreter); one that does not finds none (the standard one), as an extra file's import
/// counts too.
async fn routing(runner: &Arc<dyn Runner>) -> Result<(), String> {
    // (The names are spelt in pieces: a string that is a package's name sends a run to the
    // packages interpreter too.)
    let probe = "import sys\nprint(sorted(m for m in ('num' + 'py', 'pan' + 'das', 'matplot' + 'lib', 'py' + 'test') if m in sys.modules))\n";
    expect(runner, probe, &[], "[]\n").await?;
    let with = format!("import numpy\n{probe}");
    expect(runner, &with, &[], "['matplotlib', 'numpy', 'pandas', 'pytest']\n").await?;
    let helper = format!("import helper\n{probe}");
    expect(runner, &helper, &[("helper.py", "import pandas as pd\n")], "['matplotlib', 'numpy', 'pandas', 'pytest']\n")
        .await
}

/// An import the source does not show goes to a plain unit, and still works there (slower).
async fn dynamic_import(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let code = "import sys\nname = 'num' + 'py'\nprint(name in sys.modules)\nnp = __import__(name)\nprint(np.arange(3).sum())\n";
    expect(runner, code, &[], "False\n3\n").await
}

/// A run that changes numpy (a module-level name, a function) leaves the next run's numpy as
/// it was: each run is a fork of the interpreter.
async fn changes_stay(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let change = "import numpy\nnumpy.pi = 3\nnumpy.array = None\nnumpy.sum = lambda *a: 'changed'\nprint(numpy.pi, numpy.sum([1]))\n";
    expect(runner, change, &[], "3 changed\n").await?;
    let check = "import numpy\nprint(round(numpy.pi, 5), numpy.array([1, 2]).tolist(), numpy.sum([1, 2]))\n";
    expect(runner, check, &[], "3.14159 [1, 2] 3\n").await
}

/// The install is mounted read-only: no run can change what the next one imports.
async fn read_only(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let code = "import numpy, os
for path in (numpy.__file__, os.path.join(os.path.dirname(numpy.__file__), 'evil.py')):
    try:
        open(path, 'a').write('ESCAPED = 1')
        print('ESCAPED: wrote', path)
    except OSError as e:
        print('refused', e.errno in (13, 30))
";
    expect(runner, code, &[], "refused True\nrefused True\n").await
}

/// A package PyGuide does not offer fails with Python's own error.
async fn unknown_package(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let r = run(runner, "import requests\n", &[]).await?;
    if r.outcome != Outcome::Error || !r.stderr.contains("ModuleNotFoundError: No module named 'requests'") {
        return Err(format!("outcome {:?}, stderr {:?}", r.outcome, r.stderr));
    }
    Ok(())
}

/// numpy's memory counts against the run's limit, and its BLAS starts no threads (a unit is a
/// fork; BLAS threads are not fork-safe).
async fn memory_and_threads(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let threads = "import ctypes, glob, os, numpy as np
m = np.ones((300, 300))
blas = glob.glob(os.path.join(os.path.dirname(np.__file__), '..', 'numpy.libs', 'libscipy_openblas*'))[0]
print((m @ m)[0, 0], ctypes.CDLL(blas).scipy_openblas_get_num_threads64_())
";
    expect(runner, threads, &[], "300.0 1\n").await?;
    let hog = "import numpy as np\nx = np.ones(512 * 2**20 // 8)\nx[:] = 2\nprint('ESCAPED', x.sum())\n";
    let r = runner.run(RunRequest::new(hog), Admission::Wait).await.map_err(|e| e.to_string())?;
    if r.outcome != Outcome::MemoryLimit {
        return Err(format!("a 512 MiB array: outcome {:?}, stdout {:?}, stderr {:?}", r.outcome, r.stdout, r.stderr));
    }
    Ok(())
}

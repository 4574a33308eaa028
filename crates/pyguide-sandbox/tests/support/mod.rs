//! What the suites that need the curated packages share.

use pyguide_sandbox::packages::{packages, Action};
use pyguide_sandbox::{discover_python, RunnerConfig};
use std::path::Path;

/// A runner's settings with the packages installed in the project's `data/` folder (`scripts/test`
/// installs them there: `pyguide packages`), or the plain words to fail with when they are not.
pub fn config_with_packages() -> Result<RunnerConfig, String> {
    let python = discover_python(None).expect("python3");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    match packages(&python.executable, &data.join("packages"), Action::Status) {
        Ok(Some(installed)) => {
            let mut config = RunnerConfig::new(python);
            config.packages = Some(installed);
            Ok(config)
        }
        other => Err(format!(
            "the packages are not installed in {} ({other:?}): run `cargo run -- packages` (scripts/test does)",
            data.display()
        )),
    }
}

/// Prints each case's verdict (the cases whose name holds `filter`, when given) and returns how
/// many failed.
pub fn report(cases: Vec<(String, Result<(), String>)>, filter: Option<&str>) -> usize {
    let mut failed = 0;
    for (name, result) in cases {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        match result {
            Ok(()) => println!("ok   {name}"),
            Err(e) => {
                failed += 1;
                println!("FAIL {name}: {e}");
            }
        }
    }
    failed
}

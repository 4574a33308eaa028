//! `pyguide packages` through the binary: what it says when nothing is installed, when PyPI
//! cannot be reached, and the versions of an install.

use std::path::Path;
use std::process::{Command, Output};

fn pyguide(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pyguide"));
    cmd.args(args).env_remove("PYGUIDE_PACKAGES_DIR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn status_without_an_install_says_how_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let out = pyguide(&["packages", "--status", "--packages-dir", dir.path().to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("numpy, pandas, matplotlib, pytest") && said.contains("run `pyguide packages`"), "{said}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "--status writes nothing");
}

#[test]
fn pypi_out_of_reach_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    // A proxy on a port nothing listens on: every download is refused at once.
    let proxy = [("https_proxy", "http://127.0.0.1:9"), ("HTTPS_PROXY", "http://127.0.0.1:9")];
    let out = pyguide(&["packages", "--packages-dir", dir.path().to_str().unwrap()], &proxy);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("cannot download") && said.contains("from PyPI"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
}

/// The project's install (scripts/test makes it) lists the curated packages and their versions,
/// and every installed file matches its wheel's RECORD.
#[test]
fn an_install_lists_its_versions_and_verifies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/packages");
    let out = pyguide(&["packages", "--verify", "--packages-dir", root.to_str().unwrap()], &[]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    for line in ["numpy ", "pandas ", "matplotlib ", "pytest ", "files match their wheels' RECORD"] {
        assert!(said.contains(line), "{line:?} missing from:\n{said}");
    }
}

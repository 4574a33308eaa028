//! The curated packages (numpy, pandas, matplotlib, pytest and their dependencies): pinned with
//! their hashes in `packages/lock.json`, installed under the data folder by
//! `python/install_packages.py`, which the interpreter itself runs (a fresh Debian has neither
//! pip nor venv, and the standard library has everything an install needs: HTTPS, SHA-256,
//! zip). Every sandbox unit mounts the installed folder read-only.

use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The lock, shipped inside the binary.
pub const LOCK_JSON: &str = include_str!("../../../packages/lock.json");

/// The installer, shipped inside the binary.
const INSTALLER_PY: &str = include_str!("../../../python/install_packages.py");

/// The packages a learner may import, and which programs import them: one list, kept with the
/// content model, which also needs it (which tutorials need the packages).
pub use pyguide_content::{imports_curated, CURATED};

/// The modules the packages interpreter imports before it forks units: the curated packages, and
/// `matplotlib.pyplot`, which is what a plot imports.
pub const PRELOAD: [&str; 5] = ["numpy", "pandas", "matplotlib", "matplotlib.pyplot", "pytest"];

/// What the packages interpreter runs once after [`PRELOAD`], before it forks any unit: a small
/// table and a plot, so that what their first use loads lazily (matplotlib's Agg backend, its
/// fonts, pillow's PNG writer, pandas' formatting and groupby) is loaded once here rather
/// than in every run. It leaves no figure open.
pub const WARM_UP: &str = "\
import io
import numpy as np, pandas as pd, matplotlib.pyplot as plt
df = pd.DataFrame({'x': np.arange(4), 'y': np.linspace(0.0, 1.0, 4)})
str(df), str(df.groupby('x').sum()), str(df.describe())
fig, ax = plt.subplots()
ax.plot(df.x, df.y, label='y')
ax.bar(df.x, df.y)
ax.set_title('t'); ax.set_xlabel('x'); ax.legend()
fig.savefig(io.BytesIO(), format='png')
plt.close('all')
";

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Installed {
    pub name: String,
    pub version: String,
}

/// The curated packages, installed for one interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Packages {
    /// e.g. `cp311`.
    pub python: String,
    /// The install's folder (`site` and `mplconfig` are inside).
    pub dir: PathBuf,
    /// The folder on `sys.path`.
    pub site: PathBuf,
    /// matplotlib's configuration folder, with its font cache built at install.
    pub mplconfig: PathBuf,
    pub packages: Vec<Installed>,
}

/// Where the sandbox mounts the install (read-only), whatever its path on the host.
pub const SANDBOX_DIR: &str = "/opt/pyguide/packages";

/// What a run's environment gains from the install in `dir`: the packages are importable (also
/// by another Python the program starts), and matplotlib finds the font cache built at install.
pub fn env(dir: &Path) -> [(&'static str, String); 2] {
    [
        ("PYTHONPATH", dir.join("site").display().to_string()),
        ("MPLCONFIGDIR", dir.join("mplconfig").display().to_string()),
    ]
}

/// Why the packages are not there.
#[derive(Debug, thiserror::Error)]
pub enum PackagesError {
    /// PyPI could not be reached (no network, a proxy, DNS).
    #[error("{0}")]
    Unreachable(String),
    /// The lock has no wheels for this interpreter or machine.
    #[error("{0}")]
    Unsupported(String),
    /// A download did not match its hash, an installed file changed, or the installer failed.
    #[error("{0}")]
    Failed(String),
}

/// What to ask the installer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// What is installed, without the network.
    Status,
    /// Install what is missing (nothing, when the lock's install is there).
    Install,
    /// Install what is missing, then check every installed file against its wheel's RECORD.
    Verify,
    /// Remove the install and install it again.
    Reinstall,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Answer {
    Installed(Packages),
    Missing {
        #[allow(dead_code)]
        missing: serde::de::IgnoredAny,
    },
    Error {
        error: String,
    },
}

/// Runs the installer with `python` for `action` on `root`, the folder that holds the installs
/// (one per interpreter and lock; by default the data folder's `packages/`). Its progress lines
/// go to this process's stderr. `Ok(None)`: not installed (only for [`Action::Status`]).
pub fn packages(python: &Path, root: &Path, action: Action) -> Result<Option<Packages>, PackagesError> {
    if action == Action::Status && !root.is_dir() {
        return Ok(None);
    }
    // Absolute, without symlinks: the sandbox mounts the install at the same path.
    let root = match root.canonicalize() {
        Ok(r) => r,
        Err(_) => std::env::current_dir().map(|d| d.join(root)).unwrap_or_else(|_| root.to_path_buf()),
    };
    let mode = match action {
        Action::Status => "status",
        Action::Install => "install",
        Action::Verify => "verify",
        Action::Reinstall => "reinstall",
    };
    let failed =
        |e: std::io::Error| PackagesError::Failed(format!("cannot run the installer with {}: {e}", python.display()));
    let mut child = Command::new(python)
        .args(["-I", "-c", INSTALLER_PY])
        .arg(&root)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(failed)?;
    // The lock goes on stdin (the installer reads all of it before it answers).
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(LOCK_JSON.as_bytes()).map_err(failed)?;
    }
    let out = child.wait_with_output().map_err(failed)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let answer: Answer = serde_json::from_str(last).map_err(|_| {
        PackagesError::Failed(format!("the installer failed (exit status {}): {}", out.status, stdout.trim()))
    })?;
    match answer {
        Answer::Installed(p) => Ok(Some(p)),
        Answer::Missing { .. } => Ok(None),
        Answer::Error { error } => Err(match out.status.code() {
            Some(2) => PackagesError::Unreachable(error),
            Some(3) => PackagesError::Unsupported(error),
            _ => PackagesError::Failed(error),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_covers_the_curated_packages_for_each_interpreter() {
        #[derive(Deserialize)]
        struct Lock {
            curated: Vec<String>,
            interpreters: std::collections::BTreeMap<String, Vec<Wheel>>,
        }
        #[derive(Deserialize)]
        struct Wheel {
            name: String,
            url: String,
            sha256: String,
        }
        let lock: Lock = serde_json::from_str(LOCK_JSON).unwrap();
        assert_eq!(lock.curated, CURATED);
        assert!(lock.interpreters.contains_key("cp311"), "Debian 12's CPython");
        for (tag, wheels) in &lock.interpreters {
            for name in CURATED {
                assert!(wheels.iter().any(|w| w.name == name), "{tag} lacks {name}");
            }
            for w in wheels {
                assert!(w.url.starts_with("https://files.pythonhosted.org/") && w.url.ends_with(".whl"), "{}", w.url);
                assert_eq!(w.sha256.len(), 64, "{}", w.url);
            }
        }
    }
}

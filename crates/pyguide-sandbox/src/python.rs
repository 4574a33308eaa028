//! Finding the CPython that runs programs.

use crate::SandboxError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The interpreter, resolved to its real executable (not a version-manager shim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonInfo {
    pub executable: PathBuf,
    /// e.g. `3.11.7`
    pub version: String,
}

/// Finds CPython: `configured` if given, else `$PYGUIDE_PYTHON`, else `python3` on `PATH`.
/// The interpreter is asked for `sys.executable`, so a shim resolves to the real binary.
pub fn discover_python(configured: Option<&Path>) -> Result<PythonInfo, SandboxError> {
    find(configured)
}

fn find(configured: Option<&Path>) -> Result<PythonInfo, SandboxError> {
    let candidate: PathBuf = match configured {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os("PYGUIDE_PYTHON") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from("python3"),
        },
    };
    let out = Command::new(&candidate)
        .args(["-E", "-s", "-c", "import sys, platform; print(sys.executable); print(platform.python_version()); print(platform.python_implementation())"])
        .output()
        .map_err(|e| {
            SandboxError::PythonNotFound(format!(
                "cannot start Python {:?}: {e}\n  hint: install CPython 3 (python3 on PATH), or set PYGUIDE_PYTHON=/path/to/python3",
                candidate
            ))
        })?;
    if !out.status.success() {
        return Err(SandboxError::PythonNotFound(format!(
            "Python {:?} failed to start: {}\n  hint: set PYGUIDE_PYTHON=/path/to/python3",
            candidate,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let executable = PathBuf::from(lines.next().unwrap_or_default());
    let version = lines.next().unwrap_or_default().to_string();
    let implementation = lines.next().unwrap_or_default();
    if implementation != "CPython" {
        return Err(SandboxError::PythonNotFound(format!(
            "{candidate:?} is {implementation}, not CPython\n  hint: set PYGUIDE_PYTHON to a CPython 3 interpreter"
        )));
    }
    if !version.starts_with('3') || !executable.is_absolute() {
        return Err(SandboxError::PythonNotFound(format!("{candidate:?} is not a usable CPython 3 (version {version:?})\n  hint: set PYGUIDE_PYTHON=/path/to/python3")));
    }
    let executable = executable.canonicalize().unwrap_or(executable);
    Ok(PythonInfo { executable, version })
}

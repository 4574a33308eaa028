//! What the sandbox's root holds: the interpreter, its standard library and the shared
//! libraries they load — found by asking the interpreter and `ldd`, nothing else of the host.

use super::unit::UnitMounts;
use crate::SandboxError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Everything the sandbox init needs, computed by the server and handed to
/// `pyguide __sandbox-init` as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// Host paths (files or folders) bound read-only at the same path in the sandbox.
    pub binds: Vec<PathBuf>,
    /// Folders hidden under an empty read-only tmpfs: third-party site-packages, so runs see
    /// the standard library only (and start-up hooks of installed packages cost nothing).
    pub hide: Vec<PathBuf>,
    /// Device files bound into /dev.
    pub devices: Vec<PathBuf>,
    pub python: PathBuf,
    /// Arguments after the interpreter (the zygote program and its configuration).
    pub args: Vec<String>,
    /// The interpreter's environment.
    pub env: Vec<(String, String)>,
    /// First host uid/gid of the 65536 mapped into the sandbox's user namespace.
    pub id_base: u32,
    /// Sizes of each unit's tmpfs folders.
    pub mounts: UnitMounts,
    /// The curated packages' install on the host, bound read-only at
    /// [`crate::packages::SANDBOX_DIR`] (a fixed path: the host's may lie under `/work` or `/tmp`,
    /// which every unit covers with its own folders).
    pub packages: Option<PathBuf>,
}

const PROBE: &str = r#"
import json, os, site, sys, sysconfig
paths = sysconfig.get_paths()
hide = {paths.get(k) for k in ("purelib", "platlib")} | set(site.getsitepackages())
dirs = {paths.get(k) for k in ("stdlib", "platstdlib")}
dirs |= {p for p in sys.path if p.endswith("lib-dynload")}
print(json.dumps({"dirs": sorted(d for d in dirs if d and os.path.isdir(d)),
                  "hide": sorted(h for h in hide if h and os.path.isdir(h))}))
"#;

#[derive(Deserialize)]
struct Probe {
    dirs: Vec<PathBuf>,
    hide: Vec<PathBuf>,
}

/// What the root holds and what it hides.
pub struct RootPaths {
    pub binds: Vec<PathBuf>,
    pub hide: Vec<PathBuf>,
}

/// Host paths the interpreter needs: its executable, its standard library folders, the curated
/// packages' folder when they are installed, and the shared libraries of the executable and of
/// every extension module (the packages' included: libstdc++ and the like).
pub fn interpreter_paths(python: &Path, packages: Option<&Path>) -> Result<RootPaths, SandboxError> {
    find_paths(python, packages)
}

/// Every extension module and shared library under `dir`, at any depth.
fn shared_objects(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => shared_objects(&path, found),
            Ok(t) if t.is_file() && path.file_name().is_some_and(|n| n.to_string_lossy().contains(".so")) => {
                found.push(path)
            }
            _ => {}
        }
    }
}

fn find_paths(python: &Path, packages: Option<&Path>) -> Result<RootPaths, SandboxError> {
    let out = Command::new(python)
        .args(["-E", "-s", "-c", PROBE])
        .output()
        .map_err(|e| SandboxError::PythonNotFound(format!("cannot ask {} for its paths: {e}", python.display())))?;
    if !out.status.success() {
        return Err(SandboxError::PythonNotFound(format!(
            "{} failed: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let probe: Probe = serde_json::from_slice(&out.stdout)
        .map_err(|e| SandboxError::PythonNotFound(format!("unexpected interpreter answer: {e}")))?;
    let mut binds: BTreeSet<PathBuf> = BTreeSet::new();
    binds.insert(python.to_path_buf());
    let mut elf = vec![python.to_path_buf()];
    for dir in &probe.dirs {
        binds.insert(dir.clone());
        if let Ok(entries) = std::fs::read_dir(dir) {
            // Extension modules of the standard library only.
            elf.extend(entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "so")));
        }
    }
    if let Some(dir) = packages {
        shared_objects(dir, &mut elf);
    }
    let ldd = Command::new("ldd").args(&elf).output().map_err(|e| {
        SandboxError::PythonNotFound(format!(
            "cannot run ldd to find the interpreter's shared libraries: {e} (install Debian's libc-bin)"
        ))
    })?;
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
        let candidate = line.split("=>").nth(1).unwrap_or(line).trim();
        let path = candidate.split(" (").next().unwrap_or("").trim();
        // (The packages' own bundled libraries are inside their folder, which is bound apart.)
        if path.starts_with('/')
            && Path::new(path).exists()
            && !packages.is_some_and(|d| Path::new(path).starts_with(d))
        {
            binds.insert(PathBuf::from(path));
        }
    }
    // The C.UTF-8 locale's data: without it `locale.setlocale(LC_ALL, "")` fails under the
    // learner's LC_ALL=C.UTF-8.
    for extra in ["/etc/ld.so.cache", "/usr/share/zoneinfo", "/usr/lib/locale/C.utf8"] {
        if Path::new(extra).exists() {
            binds.insert(PathBuf::from(extra));
        }
    }
    // Folders already bound cover the files inside them.
    let all: Vec<PathBuf> = binds.iter().cloned().collect();
    let dirs: Vec<&PathBuf> = all.iter().filter(|p| p.is_dir()).collect();
    binds.retain(|p| !dirs.iter().any(|d| *d != p && p.starts_with(d)));
    let hide = probe.hide.into_iter().filter(|h| binds.iter().any(|b| h.starts_with(b))).collect();
    Ok(RootPaths { binds: binds.into_iter().collect(), hide })
}

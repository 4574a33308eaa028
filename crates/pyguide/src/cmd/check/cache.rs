//! The incremental check's cache: what each run gave last time, so `pyguide check` runs again
//! only what changed.
//!
//! An entry's key is a SHA-256 of everything that decides the run's result: the interpreter
//! (its resolved path and version), the runner's own version (this binary's version and the
//! Python helpers it embeds), and the run itself (code, stdin, extra files and, for an
//! exercise, its checks and expected output). What the page *expects* of an example is not in
//! the key: the printed output is kept and compared again, so editing an output block alone
//! runs nothing. Only runs that gave the right answer are kept (an example's output, an
//! exercise's solution passing, a starter or wrong solution failing); anything that failed
//! runs again next time, so its report is always complete.
//!
//! The cache is one JSON file, `check-cache.json`, in `--cache-dir` (default: `data/`, the data
//! folder `serve` uses). Entries not used by a check are dropped when it writes the file.

use pyguide_content::Exercise;
use pyguide_sandbox::PythonInfo;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const FILE: &str = "check-cache.json";

/// The runner's own version: a change to the binary's version or to the Python it runs
/// around the learner's code (the exercise checker, the ramp reader) invalidates every entry.
fn runner_version() -> String {
    let helpers = [include_str!("../../../../../python/exercise.py"), include_str!("../../../../../python/ramp.py")];
    let mut h = Sha256::new();
    for text in helpers {
        h.update(text.as_bytes());
        h.update([0]);
    }
    format!("pyguide {} helpers {}", env!("CARGO_PKG_VERSION"), hex(&h.finalize()[..8]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a run gave, as much as the check needs to judge it again without running it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// An example's printed output (stdout then stderr); empty for exercises.
    #[serde(default)]
    pub printed: String,
    pub duration_ms: f64,
    /// How many pictures an example showed (see [`shown`]).
    #[serde(default)]
    pub images: u32,
}

/// How many pictures a run showed: those it shows and those past the limit, counted.
pub fn shown(result: &pyguide_sandbox::RunResult) -> u32 {
    u32::try_from(result.pictures.len()).unwrap_or(u32::MAX).saturating_add(result.pictures_dropped)
}

#[derive(Serialize, Deserialize, Default)]
struct CacheFile {
    /// What the keys were made with, for people reading the file.
    runner: String,
    entries: BTreeMap<String, Entry>,
}

/// The cache of one check: the entries read at the start, and those this check used or made.
pub struct Cache {
    path: Option<PathBuf>,
    salt: String,
    /// Ignore what is stored (`--all`), but still write what this check finds.
    all: bool,
    old: HashMap<String, Entry>,
    new: Mutex<BTreeMap<String, Entry>>,
}

impl Cache {
    /// Opens the cache in `dir` (`None`: no cache at all, every run happens and nothing is kept).
    pub fn open(dir: Option<&Path>, python: &PythonInfo, all: bool) -> Cache {
        let salt = format!("{}\0{}\0{}", python.executable.display(), python.version, runner_version());
        let path = dir.map(|d| d.join(FILE));
        let old = path
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .map(|f| f.entries.into_iter().collect())
            .unwrap_or_default();
        Cache { path, salt, all, old, new: Mutex::new(BTreeMap::new()) }
    }

    /// The key of a run: the interpreter, the runner and every part of the run.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        hex(&h.finalize())
    }

    /// What the run with this key gave last time, if it is known (and `--all` was not given);
    /// the entry is kept for the next check.
    pub fn get(&self, key: &str) -> Option<Entry> {
        if self.all {
            return None;
        }
        let entry = self.old.get(key)?.clone();
        self.lock().insert(key.to_string(), entry.clone());
        Some(entry)
    }

    /// Remembers a run that gave the right answer.
    pub fn put(&self, key: String, entry: Entry) {
        self.lock().insert(key, entry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        // A panic while holding the lock cannot leave the map half-written: recover it.
        self.new.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many runs were answered from the cache.
    pub fn hits(&self) -> usize {
        if self.all {
            return 0;
        }
        self.lock().keys().filter(|k| self.old.contains_key(*k)).count()
    }

    /// Writes the entries this check used or made; the others are dropped.
    pub fn save(&self) -> anyhow::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create the cache folder {}: {e}", dir.display()))?;
        }
        let file = CacheFile { runner: runner_version(), entries: self.lock().clone() };
        let json = serde_json::to_vec(&file)?;
        // Written beside it, then renamed: a check stopped halfway never leaves a torn file.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, json).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        Ok(())
    }
}

/// The parts of an example's run, for [`Cache::key`].
pub fn example_parts<'a>(code: &'a str, stdin: Option<&'a str>, files: &'a BTreeMap<String, String>) -> Vec<&'a str> {
    let mut parts = vec!["example", code, stdin.unwrap_or("\u{0}no stdin")];
    for (name, text) in files {
        parts.push(name);
        parts.push(text);
    }
    parts
}

/// The parts of one answer to an exercise (`role`: solution, starter or wrong), for [`Cache::key`].
pub fn exercise_parts<'a>(ex: &'a Exercise, role: &'a str, code: &'a str) -> Vec<&'a str> {
    let mut parts = vec!["exercise", role, code, &ex.checks, ex.stdin.as_deref().unwrap_or("\u{0}no stdin")];
    parts.push(if ex.checks_visible { "visible" } else { "hidden" });
    parts.push(ex.expected_output.as_deref().unwrap_or("\u{0}no output"));
    for (name, text) in &ex.files {
        parts.push(name);
        parts.push(text);
    }
    parts
}

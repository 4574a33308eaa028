//! Every limit of a run, spelled out in one place.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Per-run limits. The defaults are the ones the site uses. Read from the `[limits]` table of
/// the config file (durations as "10s" or "5m").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock time before the whole run is killed.
    #[serde(with = "humantime_serde")]
    pub wall: Duration,
    /// Time an interactive run may spend waiting for the learner's input on top of `wall`:
    /// while the program is blocked reading its input, its wall clock stands still.
    #[serde(with = "humantime_serde")]
    pub input_wait: Duration,
    /// CPU seconds (all threads).
    pub cpu_secs: u64,
    /// Memory (address space for the plain runner; cgroup memory in the sandbox).
    pub memory_bytes: u64,
    /// Processes and threads.
    pub max_processes: u64,
    /// stdout and stderr together; the rest is cut and the run stopped.
    pub output_bytes: usize,
    /// Largest file the program may write.
    pub file_size_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            wall: Duration::from_secs(10),
            input_wait: Duration::from_secs(300),
            cpu_secs: 5,
            memory_bytes: 256 << 20,
            max_processes: 64,
            output_bytes: 1 << 20,
            file_size_bytes: 16 << 20,
        }
    }
}

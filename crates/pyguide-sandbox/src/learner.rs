//! What every learner's program sees of its environment, whichever runner runs it.

/// The environment variables of every run, besides `HOME` and `TMPDIR`, which each runner
/// points at the run's own folders.
pub const LEARNER_ENV: &[(&str, &str)] = &[
    ("PATH", "/usr/local/bin:/usr/bin:/bin"),
    ("LANG", "C.UTF-8"),
    ("LC_ALL", "C.UTF-8"),
    ("TZ", "UTC"),
    ("USER", "learner"),
    ("LOGNAME", "learner"),
];

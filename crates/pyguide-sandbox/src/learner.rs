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
    // One thread for numpy's BLAS: its threads are not fork-safe, and a run is a fork of an
    // interpreter that imported numpy.
    ("OPENBLAS_NUM_THREADS", "1"),
    ("OMP_NUM_THREADS", "1"),
    ("MKL_NUM_THREADS", "1"),
    // matplotlib draws with Agg into images, never to a screen: its backend is PyGuide's picture
    // module (`python/pictures.py`), whose show() sends each figure as a PNG.
    ("MPLBACKEND", "module://_pyguide_pictures"),
];

//! Margins: how long each run took against the run limits. A run that takes more than a
//! quarter of a limit on an idle machine is one a busy machine (CI, a laptop compiling) can push
//! over it, so the check flags it; the author should make it cheaper.

use pyguide_sandbox::Limits;

/// The share of a limit past which a run is flagged.
const MARGIN: f64 = 0.25;

/// One run's time, and what it was.
pub struct Timing {
    pub ms: f64,
    /// `file:line: example ID`, `file:line: exercise ID (solution)`, ...
    pub what: String,
    /// Answered from the cache: the time is the one measured when it last ran.
    pub cached: bool,
}

/// Prints the slowest runs against the limits and every run past a quarter of one; returns how
/// many were flagged.
///
/// The runner reports a run's wall time, not its CPU time. For a program that runs one thread
/// at a time, CPU time is at most the wall time, so wall time is held against both the CPU limit
/// and the (longer) wall limit; a program that keeps several cores busy is the author's to watch.
pub fn report(timings: &mut [Timing], limits: &Limits) -> usize {
    let cpu_ms = limits.cpu_secs as f64 * 1000.0;
    let wall_ms = limits.wall.as_secs_f64() * 1000.0;
    let tightest = cpu_ms.min(wall_ms);
    timings.sort_by(|a, b| b.ms.total_cmp(&a.ms));
    let share = |ms: f64| {
        format!(
            "{:.0}% of the {}s CPU limit, {:.0}% of the {}s wall limit",
            100.0 * ms / cpu_ms,
            limits.cpu_secs,
            100.0 * ms / wall_ms,
            limits.wall.as_secs()
        )
    };
    if let Some(slowest) = timings.first() {
        println!(
            "time against the limits: the slowest run took {:.0} ms ({}){}",
            slowest.ms,
            share(slowest.ms),
            if slowest.cached { ", when it last ran" } else { "" }
        );
    }
    let flagged: Vec<&Timing> = timings.iter().filter(|t| t.ms > MARGIN * tightest).collect();
    for t in &flagged {
        println!(
            "SLOW {}: {:.0} ms, {} (over a quarter: a busy machine can push it past the limit){}",
            t.what,
            t.ms,
            share(t.ms),
            if t.cached { "; measured when it last ran" } else { "" }
        );
    }
    if !flagged.is_empty() {
        println!(
            "  hint: make these runs cheaper (smaller inputs, fewer repetitions) so they keep a margin under load"
        );
    }
    flagged.len()
}

//! Plain words for how a run ended and for the limits, shown to learners under the output.

use pyguide_sandbox::{Limits, Outcome, RunResult, TimeLimit};

fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{} ms", ms.round() as u64)
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// The limits of a run, in one sentence fragment.
pub fn limits_text(l: &Limits) -> String {
    format!(
        "{} s of running time (time spent waiting for your input does not count), {} s of CPU, {} of memory, {} of output",
        l.wall.as_secs(),
        l.cpu_secs,
        bytes(l.memory_bytes),
        bytes(l.output_bytes as u64)
    )
}

/// The last line of the Output pane: the outcome, the exit code and the time, and for a limit,
/// which one and what it is.
pub fn outcome_message(r: &RunResult, l: &Limits) -> String {
    let time = duration(r.duration_ms);
    match r.outcome {
        Outcome::Success => format!("Finished · exit code 0 · {time}"),
        Outcome::Error => match r.exit_code {
            Some(code) => format!("Exited with an error · exit code {code} · {time}"),
            None => format!("The program crashed (ended by a signal, no exit code) · {time}"),
        },
        Outcome::Timeout => match r.time_limit {
            Some(TimeLimit::Cpu) => format!(
                "Stopped at the CPU limit: the program used {} of CPU time, over the limit of {} s. \
                 Look for a loop that never ends. · {time}",
                duration(r.cpu_ms.unwrap_or(l.cpu_secs as f64 * 1000.0)),
                l.cpu_secs
            ),
            _ => format!(
                "Stopped at the time limit: the program ran for {time}, over the limit of {} s of \
                 running time (time waiting for input does not count). Look for a loop that never \
                 ends. · {time}",
                l.wall.as_secs()
            ),
        },
        Outcome::MemoryLimit => format!(
            "Stopped: the program used more than the memory limit of {}. Look for a list or string \
             that keeps growing. · {time}",
            bytes(l.memory_bytes)
        ),
        Outcome::OutputLimit => format!(
            "Stopped: the program printed more than the output limit of {}; the rest was cut. Look \
             for a print in a loop that never ends. · {time}",
            bytes(l.output_bytes as u64)
        ),
        Outcome::Stopped => format!("Stopped by you · {time}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(outcome: Outcome, exit_code: Option<i32>, ms: f64) -> RunResult {
        RunResult {
            outcome,
            exit_code,
            stdout: String::new(),
            stderr: String::new(),
            duration_ms: ms,
            truncated: false,
            explanation: None,
            time_limit: None,
            cpu_ms: None,
            pictures: Vec::new(),
            pictures_dropped: 0,
        }
    }

    #[test]
    fn words_name_the_limit() {
        let l = Limits::default();
        assert_eq!(outcome_message(&result(Outcome::Success, Some(0), 21.4), &l), "Finished · exit code 0 · 21 ms");
        assert!(outcome_message(&result(Outcome::Error, Some(1), 1500.0), &l).contains("exit code 1 · 1.5 s"));
        let wall = RunResult { time_limit: Some(TimeLimit::Wall), ..result(Outcome::Timeout, None, 10_040.0) };
        let said = outcome_message(&wall, &l);
        assert!(said.starts_with("Stopped at the time limit: the program ran for 10.0 s"), "{said}");
        assert!(said.contains("limit of 10 s of running time"), "{said}");
        let cpu = RunResult {
            time_limit: Some(TimeLimit::Cpu),
            cpu_ms: Some(5_012.0),
            ..result(Outcome::Timeout, None, 5_300.0)
        };
        let said = outcome_message(&cpu, &l);
        assert!(
            said.starts_with("Stopped at the CPU limit: the program used 5.0 s of CPU time, over the limit of 5 s"),
            "{said}"
        );
        assert!(outcome_message(&result(Outcome::MemoryLimit, None, 5.0), &l).contains("256 MiB"));
        assert!(outcome_message(&result(Outcome::OutputLimit, None, 5.0), &l).contains("1 MiB"));
        assert!(outcome_message(&result(Outcome::Stopped, None, 5.0), &l).starts_with("Stopped by you"));
        assert!(limits_text(&l).contains("256 MiB of memory"));
    }
}

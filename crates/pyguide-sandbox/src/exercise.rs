//! Checking an exercise: the learner's code then the exercise's checks, run by
//! `python/exercise.py` in the sandbox like any program, and its report read back.

use crate::{Entry, RunResult};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The spec file's name beside the checker (`SPEC_FILE` in `python/exercise.py`).
pub const SPEC_FILE: &str = "pyguide_exercise.json";

/// Marks the checker's report line on stderr.
const MARK: char = '\x1e';

/// Why the learner's program failed before the checks could run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramFailure {
    /// `syntax_error`, `exception` or `exit`.
    pub kind: String,
    /// One line, e.g. "NameError: name 'x' is not defined (main.py, line 3)".
    pub message: String,
    pub line: Option<u32>,
}

/// The result of one check (one top-level `assert`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The assert's message, or "check N".
    pub name: String,
    pub passed: bool,
    /// For a failed `assert got == expected`: both values' reprs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
    /// The exception the check raised, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The check's source, only when the author made the checks visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl CheckResult {
    /// What went wrong with a failed check, when the checker knows more than "false": the
    /// exception it raised, or the expected and the actual value.
    pub fn detail(&self) -> Option<String> {
        match (&self.error, &self.expected, &self.got) {
            (Some(e), _, _) => Some(e.clone()),
            (None, Some(expected), Some(got)) => Some(format!("expected {expected}, got {got}")),
            _ => None,
        }
    }
}

/// What the checker reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub program: Option<ProgramFailure>,
    pub checks: Vec<CheckResult>,
}

/// A run of the checker: the entry to start and the nonce that authenticates its report.
pub struct CheckRun {
    pub entry: Entry,
    nonce: String,
}

impl CheckRun {
    /// Prepares a run of `checks` (the exercise's check blocks) after the learner's `main.py`.
    pub fn new(checks: &str, visible: bool) -> CheckRun {
        let nonce = nonce();
        let spec = serde_json::json!({ "nonce": nonce, "checks": checks, "visible": visible }).to_string();
        CheckRun { entry: Entry::Exercise(Arc::from(spec)), nonce }
    }

    /// Takes the checker's report out of the run's stderr (the learner sees the rest). `None`
    /// when the program ended before the checker could report (a timeout, a crash, `os._exit`).
    pub fn take_report(&self, result: &mut RunResult) -> Option<Report> {
        let prefix = format!("{MARK}{} ", self.nonce);
        let start = result.stderr.rfind(&prefix)?;
        let rest = &result.stderr[start + prefix.len()..];
        let end = rest.find('\n').unwrap_or(rest.len());
        let report = serde_json::from_str(&rest[..end]).ok()?;
        let after = start + prefix.len() + (end + 1).min(rest.len());
        result.stderr.replace_range(start..after, "");
        Some(report)
    }
}

/// 128 random bits in hex; a learner's program cannot guess them to forge a report by printing.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness source: a forged report would only fool the learner who forged it.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        bytes = t.as_nanos().to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    fn result(stderr: &str) -> RunResult {
        RunResult {
            outcome: Outcome::Success,
            exit_code: Some(0),
            stdout: String::new(),
            stderr: stderr.into(),
            duration_ms: 1.0,
            truncated: false,
            explanation: None,
            time_limit: None,
            cpu_ms: None,
            pictures: Vec::new(),
            pictures_dropped: 0,
        }
    }

    #[test]
    fn the_report_is_taken_out_of_stderr_and_forgeries_are_ignored() {
        let run = CheckRun::new("assert True", false);
        let forged = "\x1e0000 {\"program\": null, \"checks\": []}\n";
        let real = format!(
            "\x1e{} {{\"program\": null, \"checks\": [{{\"name\": \"a\", \"passed\": false, \"expected\": \"1\", \"got\": \"2\"}}]}}\n",
            run.nonce
        );
        let mut r = result(&format!("warning\n{forged}{real}"));
        let report = run.take_report(&mut r).expect("a report");
        assert_eq!(report.checks.len(), 1);
        assert_eq!(report.checks[0].got.as_deref(), Some("2"));
        assert_eq!(r.stderr, format!("warning\n{forged}"), "only the real report is removed");
        assert!(run.take_report(&mut result(forged)).is_none(), "a report without the nonce is not believed");
        assert!(run.take_report(&mut result("Traceback ...\n")).is_none());
    }
}

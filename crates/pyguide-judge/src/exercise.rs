//! Checking a learner's answer to an exercise: one sandboxed run of the learner's code and the
//! exercise's checks, turned into a verdict in plain words. The site (`POST /api/exercise`) and
//! `pyguide check` (which proves every solution passes and every starter fails) share it.

use crate::outcome_message;
use pyguide_content::{output_matches, Exercise};
use pyguide_sandbox::exercise::{CheckResult, CheckRun, ProgramFailure};
use pyguide_sandbox::{Admission, Limits, Outcome, RunRequest, RunResult, Runner, SandboxError, StartOptions};
use serde::Serialize;

/// The output check of an exercise with an ```` ```output ```` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputCheck {
    pub passed: bool,
    pub expected: String,
    pub got: String,
}

/// The verdict on one answer (the body of `POST /api/exercise`'s answer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Every check passed and the output (if checked) matched.
    pub passed: bool,
    /// One or two sentences for the learner.
    pub summary: String,
    /// The run, as `POST /api/run` reports it (the checker's report removed from stderr).
    #[serde(flatten)]
    pub run: RunResult,
    /// Set when the learner's program failed before the checks could run.
    pub program_error: Option<ProgramFailure>,
    pub checks: Vec<CheckResult>,
    pub output: Option<OutputCheck>,
}

/// Runs `code` as the answer to `exercise` and judges it.
pub async fn check_exercise(
    runner: &dyn Runner,
    exercise: &Exercise,
    code: String,
    admission: Admission,
    limits: &Limits,
) -> Result<Verdict, SandboxError> {
    let check = CheckRun::new(&exercise.checks, exercise.checks_visible);
    let req = RunRequest { code, stdin: exercise.stdin.clone(), files: exercise.files.clone() };
    let opts = StartOptions { admission, ..Default::default() };
    let mut run = runner.start_entry(req, check.entry.clone(), opts)?.finish().await?;
    let report = check.take_report(&mut run);
    Ok(judge(exercise, run, report, limits))
}

fn judge(
    exercise: &Exercise,
    run: RunResult,
    report: Option<pyguide_sandbox::exercise::Report>,
    limits: &Limits,
) -> Verdict {
    let Some(report) = report else {
        // The checker never reported: the run hit a limit, crashed or left with os._exit.
        let why = match run.outcome {
            Outcome::Success | Outcome::Error => match run.exit_code {
                Some(code) => format!("Your program ended (exit code {code}) before it could be checked."),
                None => "Your program crashed before it could be checked.".to_string(),
            },
            _ => format!("Not checked. {}", outcome_message(&run, limits)),
        };
        return Verdict::failed(why, run, None);
    };
    if let Some(p) = report.program {
        let summary = match p.kind.as_str() {
            "syntax_error" => match p.line {
                Some(line) => {
                    format!("Your code has a syntax error on line {line}, so nothing was checked: {}.", p.message)
                }
                None => format!("Your code has a syntax error, so nothing was checked: {}.", p.message),
            },
            "exit" => format!("Your code stopped early ({}), so nothing was checked.", p.message),
            _ => format!("Your code raised {} before the checks could run.", p.message),
        };
        return Verdict::failed(summary, run, Some(p));
    }
    let output = exercise.expected_output.as_ref().map(|expected| {
        let got = run.printed();
        OutputCheck { passed: output_matches(expected, &got), expected: expected.clone(), got }
    });
    // A run that hit a limit inside the checks (a learner's function that never returns) is
    // not a pass, whatever was reported before.
    let limit = !matches!(run.outcome, Outcome::Success | Outcome::Error);
    let failed: Vec<&CheckResult> = report.checks.iter().filter(|c| !c.passed).collect();
    let output_ok = output.as_ref().is_none_or(|o| o.passed);
    let passed = failed.is_empty() && output_ok && !limit;
    let total = report.checks.len();
    let summary = if limit {
        format!("Not checked. {}", outcome_message(&run, limits))
    } else if passed {
        match total {
            0 => "Well done: your program prints exactly what was asked.".to_string(),
            1 => "Well done: the check passed.".to_string(),
            n => format!("Well done: all {n} checks passed."),
        }
    } else {
        let mut parts = Vec::new();
        if let Some(first) = failed.first() {
            let count = if total == 1 {
                "The check failed".to_string()
            } else {
                format!("{} of {total} checks failed", failed.len())
            };
            let detail = first.detail().unwrap_or_else(|| "not true".into());
            parts.push(format!("{count}. First: {}: {detail}.", first.name));
        }
        if !output_ok {
            parts.push("The output is not what was asked: compare it with the expected output.".to_string());
        }
        parts.join(" ")
    };
    Verdict { passed, summary, run, program_error: None, checks: report.checks, output }
}

impl Verdict {
    /// A verdict reached before any check ran.
    fn failed(summary: String, run: RunResult, program_error: Option<ProgramFailure>) -> Verdict {
        Verdict { passed: false, summary, run, program_error, checks: Vec::new(), output: None }
    }
}

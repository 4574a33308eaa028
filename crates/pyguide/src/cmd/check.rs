//! `pyguide check`: run every example and compare what it prints with the page; prove every
//! exercise's solution passes its checks and its starter does not.

use super::RunnerArgs;
use crate::embedded;
use anyhow::Context;
use pyguide_content::{output_matches, Curriculum, Example, Exercise};
use pyguide_judge::exercise::{check_exercise, Verdict};
use pyguide_sandbox::{Admission, Limits, Outcome, RunRequest, RunResult, Runner};
use similar::TextDiff;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Check the tutorials in this folder instead of the embedded curriculum.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// Rewrite the expected output of every failing example with what it prints now.
    #[arg(long, requires = "content")]
    pub bless: bool,
    #[command(flatten)]
    pub runner: RunnerArgs,
}

struct Failure {
    file: PathBuf,
    example: Example,
    actual: String,
    result: RunResult,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let curriculum = embedded::curriculum(args.content.as_deref())?;
    let runner = args.runner.runner()?;
    let started = Instant::now();
    let root = args.content.clone().unwrap_or_else(|| PathBuf::from("content"));
    let mut tasks = tokio::task::JoinSet::new();
    for t in &curriculum.tutorials {
        for e in t.examples() {
            let req = RunRequest { code: e.code.clone(), stdin: e.stdin.clone(), files: e.files.clone() };
            let runner = runner.clone();
            let (file, example) = (root.join(&t.path), e.clone());
            tasks.spawn(async move {
                let result = runner.run(req, Admission::Wait).await;
                (file, example, result)
            });
        }
    }
    let exercise_tasks = spawn_exercises(&curriculum, &root, &runner);
    let total = tasks.len();
    let mut failures = Vec::new();
    let mut timings: Vec<(f64, String)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (file, example, result) = joined.context("a check task failed")?;
        let result = result.map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), example.line))?;
        timings.push((result.duration_ms, format!("{}:{}", file.display(), example.line)));
        let actual = result.printed();
        if !output_matches(&example.expected, &actual) {
            failures.push(Failure { file, example, actual, result });
        }
    }
    failures.sort_by(|a, b| (&a.file, a.example.line).cmp(&(&b.file, b.example.line)));
    let version = runner.python().version.clone();
    for f in &failures {
        report(f, &version);
    }
    if args.bless && !failures.is_empty() {
        bless(&failures)?;
        println!("blessed: rewrote {} expected output(s); review them with `git diff`", failures.len());
    }
    let (exercises, exercise_failures) = check_exercises(exercise_tasks).await?;
    let secs = started.elapsed().as_secs_f64();
    timings.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slowest: Vec<String> = timings.iter().take(3).map(|(ms, at)| format!("{at} ({ms:.0} ms)")).collect();
    if !slowest.is_empty() {
        println!("slowest examples: {}", slowest.join(", "));
    }
    println!(
        "checked {total} examples in {} tutorials with CPython {version} in {secs:.1} s",
        curriculum.tutorials.len()
    );
    println!("{} passed, {} failed", total - failures.len(), failures.len());
    println!(
        "exercises: {} of {exercises} sound (the solution passes, the starter fails), {exercise_failures} broken",
        exercises - exercise_failures
    );
    let ok = (failures.is_empty() || args.bless) && exercise_failures == 0;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

type ExerciseTasks = tokio::task::JoinSet<(PathBuf, Exercise, anyhow::Result<(Verdict, Verdict)>)>;

/// Starts checking every exercise twice: its solution and its starter, each against its checks.
fn spawn_exercises(curriculum: &Curriculum, root: &Path, runner: &Arc<dyn Runner>) -> ExerciseTasks {
    let mut tasks = tokio::task::JoinSet::new();
    for t in &curriculum.tutorials {
        for e in t.exercises() {
            let (file, exercise, runner) = (root.join(&t.path), e.clone(), runner.clone());
            tasks.spawn(async move {
                let limits = Limits::default();
                let judge =
                    |code: &str| check_exercise(runner.as_ref(), &exercise, code.to_string(), Admission::Wait, &limits);
                let both = tokio::try_join!(judge(&exercise.solution), judge(&exercise.starter));
                let both = both.map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), exercise.line));
                (file, exercise, both)
            });
        }
    }
    tasks
}

/// Reports every exercise whose solution fails or whose starter passes; returns how many
/// exercises there are and how many are broken.
async fn check_exercises(mut tasks: ExerciseTasks) -> anyhow::Result<(usize, usize)> {
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (file, exercise, verdicts) = joined.context("an exercise check task failed")?;
        results.push((file, exercise, verdicts?));
    }
    results.sort_by(|a, b| (&a.0, a.1.line).cmp(&(&b.0, b.1.line)));
    let mut broken = 0;
    for (file, ex, (solution, starter)) in &results {
        let at = format!("{}:{}: exercise {}", file.display(), ex.line, ex.id);
        if !solution.passed {
            broken += 1;
            println!("FAIL {at}: its solution (line {}) does not pass: {}", ex.solution_line, solution.summary);
            for c in solution.checks.iter().filter(|c| !c.passed) {
                let why = c.detail().unwrap_or_else(|| "the assert is false".into());
                println!("  check {:?}: {why}", c.name);
            }
            let printed = solution.run.printed();
            if !printed.trim().is_empty() {
                println!("  it printed:\n{}", indent(&printed));
            }
            println!("  hint: fix the solution or the checks (line {}) so that the solution passes", ex.checks_line);
        } else if starter.passed {
            broken += 1;
            println!("FAIL {at}: its starter (line {}) already passes every check", ex.starter_line);
            println!("  hint: make the starter a starting point that fails a check, or add a check it fails");
        }
    }
    Ok((results.len(), broken))
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

fn report(f: &Failure, version: &str) {
    let outcome = match f.result.outcome {
        Outcome::Success | Outcome::Error => String::new(),
        other => format!(" (outcome: {})", serde_json::to_string(&other).unwrap_or_default().trim_matches('"')),
    };
    println!(
        "FAIL {}:{}: example {} prints something else than its output block at line {}{outcome}",
        f.file.display(),
        f.example.line,
        f.example.id,
        f.example.expected_line
    );
    let expected = pyguide_content::normalize_output(&f.example.expected) + "\n";
    let actual = pyguide_content::normalize_output(&f.actual) + "\n";
    let diff = TextDiff::from_lines(&expected, &actual);
    print!(
        "{}",
        diff.unified_diff().context_radius(3).header("expected (the page)", &format!("actual (CPython {version})"))
    );
    println!("  hint: fix the example or its output block, or run `pyguide check --content DIR --bless` to take the new output");
}

/// Rewrites each failing example's output block with what it printed.
fn bless(failures: &[Failure]) -> anyhow::Result<()> {
    let mut by_file: BTreeMap<&Path, Vec<&Failure>> = BTreeMap::new();
    for f in failures {
        by_file.entry(&f.file).or_default().push(f);
    }
    for (file, mut fs) in by_file {
        let mut text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        // From the end, so earlier byte ranges stay valid.
        fs.sort_by_key(|f| std::cmp::Reverse(f.example.expected_range.start));
        for f in fs {
            let mut new = pyguide_content::normalize_output(&f.actual);
            if !new.is_empty() {
                new.push('\n');
            }
            text.replace_range(f.example.expected_range.clone(), &new);
        }
        std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))?;
    }
    Ok(())
}

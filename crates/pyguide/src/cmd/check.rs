//! `pyguide check`: run every example and compare what it prints with the page.

use super::RunnerArgs;
use crate::embedded;
use anyhow::Context;
use pyguide_content::{output_matches, Example};
use pyguide_sandbox::{Admission, Outcome, RunRequest, RunResult};
use similar::TextDiff;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
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

/// What an example printed, as the page shows it: stdout, then stderr.
pub fn printed(r: &RunResult) -> String {
    let mut s = r.stdout.clone();
    if !r.stderr.is_empty() {
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
        s.push_str(&r.stderr);
    }
    s
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
    let total = tasks.len();
    let mut failures = Vec::new();
    let mut timings: Vec<(f64, String)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (file, example, result) = joined.context("a check task failed")?;
        let result = result.map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), example.line))?;
        timings.push((result.duration_ms, format!("{}:{}", file.display(), example.line)));
        let actual = printed(&result);
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
    Ok(if failures.is_empty() || args.bless { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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

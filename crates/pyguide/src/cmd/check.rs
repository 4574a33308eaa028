//! `pyguide check`: run every example and compare what it prints with the page; prove every
//! exercise's solution passes its checks and its starter does not.

use super::RunnerArgs;
use crate::embedded;
use anyhow::Context;
use pyguide_content::{output_matches, Curriculum, Example, Exercise};
use pyguide_judge::exercise::{check_exercise, Verdict};
use pyguide_sandbox::{Admission, Limits, Outcome, RunRequest, RunResult, Runner};
use similar::TextDiff;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

mod cache;
mod links;
mod ramp;
mod timing;
mod wrong;

use cache::{example_parts, exercise_parts, Cache};
use timing::Timing;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Check the tutorials in this folder instead of the embedded curriculum.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// Rewrite the expected output of every failing example with what it prints now.
    #[arg(long, requires = "content")]
    pub bless: bool,
    /// Keep what each run gave here, and next time run only what changed (the key: the
    /// interpreter's path and version, this runner's version, and the run itself).
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub cache_dir: PathBuf,
    /// Run everything, whatever the cache holds (it is still written for next time).
    #[arg(long)]
    pub all: bool,
    /// Runs the check keeps in flight at once (default: one per core). A run's clock starts
    /// when it is handed to the sandbox, so handing over more than the sandbox has warm units
    /// for would time the wait for a unit, not the program.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub runner: RunnerArgs,
}

struct Failure {
    file: PathBuf,
    example: Example,
    actual: String,
    result: RunResult,
}

impl Failure {
    /// Whether it printed what its output block says (it may show another number of pictures).
    fn printed_right(&self) -> bool {
        output_matches(&self.example.expected, &self.actual)
    }
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let curriculum = embedded::curriculum(args.content.as_deref())?;
    let started = Instant::now();
    let python = pyguide_sandbox::discover_python(args.runner.python.as_deref())
        .map_err(anyhow::Error::msg)
        .context("finding Python")?;
    let cache = Arc::new(Cache::open(Some(&args.cache_dir), &python, args.all));
    let root = args.content.clone().unwrap_or_else(|| PathBuf::from("content"));
    // Without the curated packages, the pages that import them cannot be checked: they are
    // left out and named at the end (and the check fails), rather than reported as a wall of
    // ModuleNotFoundError diffs.
    let needs: Vec<(&str, Vec<&str>)> = curriculum
        .tutorials
        .iter()
        .map(|t| (t.slug.as_str(), t.curated_imports()))
        .filter(|(_, n)| !n.is_empty())
        .collect();
    let installed = if needs.is_empty() { None } else { args.runner.installed_packages(&python.executable) };
    let unchecked: Vec<(&str, Vec<&str>)> = if installed.is_some() { Vec::new() } else { needs };
    let skip: HashSet<&str> = unchecked.iter().map(|(slug, _)| *slug).collect();
    // Predictions are checked exactly like examples.
    let mut examples = Vec::new();
    for t in curriculum.tutorials.iter().filter(|t| !skip.contains(t.slug.as_str())) {
        let predictions = t.predictions().map(|p| p.as_example());
        for e in t.examples().cloned().chain(predictions) {
            let key = cache.key(&example_parts(&e.code, e.stdin.as_deref(), &e.files));
            // A kept output that the page no longer expects runs again, for a full report.
            let cached = cache.get(&key).filter(|c| output_matches(&e.expected, &c.printed) && c.images == e.images);
            examples.push((root.join(&t.path), e, key, cached));
        }
    }
    let mut timings: Vec<Timing> = Vec::new();
    let exercises = exercise_plan(&curriculum, &skip, &root, &cache, &mut timings);
    let ramp_input = ramp::programs(&curriculum);
    let ramp_key = cache.key(&["ramp", &serde_json::to_string(&ramp_input)?]);
    let ramp_cached = cache.get(&ramp_key).is_some();
    // Nothing to run (an incremental check after editing prose): no sandbox to start.
    let idle = examples.iter().all(|e| e.3.is_some()) && exercises.iter().all(|e| e.todo.is_empty()) && ramp_cached;
    let runner = if idle { None } else { Some(args.runner.runner_with(curriculum.links(), installed)?) };
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())).max(1);
    let slots = Arc::new(tokio::sync::Semaphore::new(jobs));
    let mut tasks = tokio::task::JoinSet::new();
    let mut failures = Vec::new();
    let total = examples.len();
    for (file, example, key, cached) in examples {
        match (cached, &runner) {
            (Some(entry), _) => {
                let what = format!("{}:{}: example {}", file.display(), example.line, example.id);
                timings.push(Timing { ms: entry.duration_ms, what, cached: true });
            }
            (None, Some(runner)) => {
                let req = RunRequest {
                    code: example.code.clone(),
                    stdin: example.stdin.clone(),
                    files: example.files.clone(),
                };
                let (runner, slots) = (runner.clone(), slots.clone());
                tasks.spawn(async move {
                    let _slot = slots.acquire_owned().await;
                    let result = runner.run(req, Admission::Wait).await;
                    (file, example, key, result)
                });
            }
            // `idle` is true only when every example is known from the cache.
            (None, None) => unreachable!("a runner is started whenever an example needs a run"),
        }
    }
    let ramp_task = match (&runner, ramp_cached) {
        (Some(runner), false) => Some(tokio::spawn(ramp::analyse(runner.clone(), ramp_input))),
        _ => None,
    };
    let exercise_tasks = spawn_exercises(&exercises, runner.as_ref(), &slots);
    while let Some(joined) = tasks.join_next().await {
        let (file, example, key, result) = joined.context("a check task failed")?;
        let result = result.map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), example.line))?;
        let what = format!("{}:{}: example {}", file.display(), example.line, example.id);
        timings.push(Timing { ms: result.duration_ms, what, cached: false });
        let actual = result.printed();
        let images = cache::shown(&result);
        if output_matches(&example.expected, &actual) && images == example.images {
            cache.put(key, cache::Entry { printed: actual, duration_ms: result.duration_ms, images });
        } else {
            failures.push(Failure { file, example, actual, result });
        }
    }
    failures.sort_by(|a, b| (&a.file, a.example.line).cmp(&(&b.file, b.example.line)));
    let version = python.version.clone();
    for f in &failures {
        report(f, &version);
    }
    let misprinted: Vec<&Failure> = failures.iter().filter(|f| !f.printed_right()).collect();
    if args.bless && !misprinted.is_empty() {
        bless(&misprinted)?;
        println!("blessed: rewrote {} expected output(s); review them with `git diff`", misprinted.len());
    }
    let exercise_failures = check_exercises(exercise_tasks, &cache, &mut timings).await?;
    let wrong = wrong::report_missing(exercises.iter().map(|p| (p.file.as_path(), &p.exercise)));
    let n_exercises = exercises.len();
    let ramp_errors = match ramp_task {
        Some(task) => {
            let found = task.await.context("the ramp check failed")??;
            let errors = ramp::report(&curriculum, &root, &found);
            if errors == 0 {
                cache.put(ramp_key, cache::Entry { printed: String::new(), duration_ms: 0.0, images: 0 });
            }
            errors
        }
        None => 0,
    };
    let broken_links = links::report(&curriculum, &root, args.content.is_none());
    let secs = started.elapsed().as_secs_f64();
    let flagged = timing::report(&mut timings, &Limits::default());
    let predictions: usize = curriculum.tutorials.iter().map(|t| t.predictions().count()).sum();
    println!(
        "checked {total} examples and predictions ({predictions} predictions) in {} tutorials with CPython {version} in {secs:.1} s ({} runs answered from the cache{})",
        curriculum.tutorials.len(),
        cache.hits(),
        if args.all { ", --all" } else { "" }
    );
    println!("{} passed, {} failed", total - failures.len(), failures.len());
    let broken = exercise_failures + wrong.missing;
    println!(
        "exercises: {} of {n_exercises} sound (the solution passes; the starter and all {} wrong solutions fail), {broken} broken",
        n_exercises.saturating_sub(broken),
        wrong.total,
    );
    if !curriculum.ramp.is_empty() {
        println!(
            "ramp: {} construct(s) in ramp.toml, {ramp_errors} exercise part(s) need a construct taught later",
            curriculum.ramp.len()
        );
    }
    if flagged > 0 {
        println!("margins: {flagged} run(s) over a quarter of a limit (see SLOW above)");
    }
    report_unchecked(&curriculum, &root, &unchecked, &args.runner.packages_root(Path::new("data")));
    cache.save()?;
    let ok = (failures.is_empty() || args.bless)
        && broken == 0
        && ramp_errors == 0
        && broken_links == 0
        && unchecked.is_empty();
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One answer to run against an exercise's checks: its solution (must pass), its starter and
/// each wrong solution (must fail).
#[derive(Clone)]
struct Answer {
    role: Role,
    code: String,
    /// The cache key of this answer's run.
    key: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Solution,
    Starter,
    /// A ```python wrong block, at this line.
    Wrong(usize),
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Solution => "solution",
            Role::Starter => "starter",
            Role::Wrong(_) => "wrong",
        }
    }
}

/// An exercise and the answers that still need a run (the others are known from the cache).
struct ExercisePlan {
    file: PathBuf,
    exercise: Exercise,
    todo: Vec<Answer>,
}

/// What each exercise (but those of the tutorials in `skip`) still needs to run; the answers
/// known from the cache add their last time to `timings`.
fn exercise_plan(
    curriculum: &Curriculum,
    skip: &HashSet<&str>,
    root: &Path,
    cache: &Cache,
    timings: &mut Vec<Timing>,
) -> Vec<ExercisePlan> {
    let mut plans = Vec::new();
    for t in curriculum.tutorials.iter().filter(|t| !skip.contains(t.slug.as_str())) {
        for e in t.exercises() {
            let mut answers = vec![(Role::Solution, e.solution.clone()), (Role::Starter, e.starter.clone())];
            answers.extend(e.wrong.iter().map(|w| (Role::Wrong(w.line), w.code.clone())));
            let file = root.join(&t.path);
            let mut todo = Vec::new();
            for (role, code) in answers {
                let key = cache.key(&exercise_parts(e, role.name(), &code));
                match cache.get(&key) {
                    Some(entry) => timings.push(Timing {
                        ms: entry.duration_ms,
                        what: format!("{}:{}: exercise {} ({})", file.display(), e.line, e.id, role.name()),
                        cached: true,
                    }),
                    None => todo.push(Answer { role, code, key }),
                }
            }
            plans.push(ExercisePlan { file, exercise: e.clone(), todo });
        }
    }
    plans
}

type ExerciseTasks = tokio::task::JoinSet<(PathBuf, Exercise, Answer, anyhow::Result<Verdict>)>;

/// Starts a run of every answer not known from the cache, each against its exercise's checks.
fn spawn_exercises(
    plans: &[ExercisePlan],
    runner: Option<&Arc<dyn Runner>>,
    slots: &Arc<tokio::sync::Semaphore>,
) -> ExerciseTasks {
    let mut tasks = tokio::task::JoinSet::new();
    let Some(runner) = runner else { return tasks };
    for plan in plans {
        for answer in &plan.todo {
            let (file, exercise, runner, answer) =
                (plan.file.clone(), plan.exercise.clone(), runner.clone(), answer.clone());
            let slots = slots.clone();
            tasks.spawn(async move {
                let _slot = slots.acquire_owned().await;
                let limits = Limits::default();
                let verdict =
                    check_exercise(runner.as_ref(), &exercise, answer.code.clone(), Admission::Wait, &limits).await;
                let verdict = verdict.map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), exercise.line));
                (file, exercise, answer, verdict)
            });
        }
    }
    tasks
}

/// Reports every exercise whose solution fails, or whose starter or a wrong solution passes;
/// returns how many exercises are broken that way.
async fn check_exercises(mut tasks: ExerciseTasks, cache: &Cache, timings: &mut Vec<Timing>) -> anyhow::Result<usize> {
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (file, exercise, answer, verdict) = joined.context("an exercise check task failed")?;
        results.push((file, exercise, answer, verdict?));
    }
    results.sort_by(|a, b| (&a.0, a.1.line, a.2.role.name()).cmp(&(&b.0, b.1.line, b.2.role.name())));
    let mut broken = std::collections::BTreeSet::new();
    for (file, ex, answer, verdict) in &results {
        let at = format!("{}:{}: exercise {}", file.display(), ex.line, ex.id);
        timings.push(Timing {
            ms: verdict.run.duration_ms,
            what: format!("{at} ({})", answer.role.name()),
            cached: false,
        });
        let right = match answer.role {
            Role::Solution => verdict.passed,
            Role::Starter | Role::Wrong(_) => !verdict.passed,
        };
        if right {
            cache.put(
                answer.key.clone(),
                cache::Entry { printed: String::new(), duration_ms: verdict.run.duration_ms, images: 0 },
            );
            continue;
        }
        match answer.role {
            Role::Solution => {
                broken.insert((file.clone(), ex.line));
                println!("FAIL {at}: its solution (line {}) does not pass: {}", ex.solution_line, verdict.summary);
                for c in verdict.checks.iter().filter(|c| !c.passed) {
                    let why = c.detail().unwrap_or_else(|| "the assert is false".into());
                    println!("  check {:?}: {why}", c.name);
                }
                let printed = verdict.run.printed();
                if !printed.trim().is_empty() {
                    println!("  it printed:\n{}", indent(&printed));
                }
                println!(
                    "  hint: fix the solution or the checks (line {}) so that the solution passes",
                    ex.checks_line
                );
            }
            Role::Starter => {
                broken.insert((file.clone(), ex.line));
                println!("FAIL {at}: its starter (line {}) already passes every check", ex.starter_line);
                println!("  hint: make the starter a starting point that fails a check, or add a check it fails");
            }
            Role::Wrong(line) => {
                broken.insert((file.clone(), ex.line));
                wrong::report_passed(&at, line, verdict);
            }
        }
    }
    Ok(broken.len())
}

/// Names the tutorials that were not checked because the curated packages they import are not
/// installed, and how to install them. A check that passed without them would let CI go green
/// on pages nobody ran, so they fail the check; the rest is still checked and reported.
fn report_unchecked(curriculum: &Curriculum, root: &Path, unchecked: &[(&str, Vec<&str>)], packages_root: &Path) {
    if unchecked.is_empty() {
        return;
    }
    println!(
        "NOT CHECKED: {} tutorial(s) import packages that are not installed in {} (for this interpreter):",
        unchecked.len(),
        packages_root.display()
    );
    for (slug, names) in unchecked {
        if let Some(t) = curriculum.tutorial(slug) {
            println!("  {} ({slug}) needs {}", root.join(&t.path).display(), names.join(", "));
        }
    }
    println!(
        "  hint: `pyguide packages` installs them (it downloads them from PyPI); `--packages-dir DIR` or \
         PYGUIDE_PACKAGES_DIR points at an install elsewhere"
    );
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

fn report(f: &Failure, version: &str) {
    let images = cache::shown(&f.result);
    if images != f.example.images {
        println!(
            "FAIL {}:{}: example {} shows {images} picture(s), but its fence says {}",
            f.file.display(),
            f.example.line,
            f.example.id,
            f.example.images
        );
        println!("  hint: write ```python images={images} on its fence, or change the example");
    }
    if f.printed_right() {
        return;
    }
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
fn bless(failures: &[&Failure]) -> anyhow::Result<()> {
    let mut by_file: BTreeMap<&Path, Vec<&Failure>> = BTreeMap::new();
    for &f in failures {
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

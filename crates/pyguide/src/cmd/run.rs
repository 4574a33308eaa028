//! `pyguide run FILE`: one program through the same runner as the site.

use super::RunnerArgs;
use anyhow::Context;
use pyguide_sandbox::{Admission, Outcome, RunRequest, TimeLimit, MAX_FILES, MAX_FILE_BYTES, MAX_PICTURES};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program; other .py files in its folder are copied beside it, so it can import them.
    pub file: PathBuf,
    /// A file whose contents are the program's standard input.
    #[arg(long, value_name = "FILE")]
    pub stdin: Option<PathBuf>,
    /// Print the result as the JSON object of POST /api/run.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runner: RunnerArgs,
}

pub(crate) fn sibling_files(file: &Path) -> Vec<(String, String)> {
    let dir = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<(String, String)> = entries
        .flatten()
        .filter(|e| e.path() != file && e.path().extension().is_some_and(|x| x == "py"))
        .filter(|e| e.metadata().map(|m| m.is_file() && m.len() as usize <= MAX_FILE_BYTES).unwrap_or(false))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            (name != "main.py").then_some(())?;
            Some((name, std::fs::read_to_string(e.path()).ok()?))
        })
        .collect();
    out.sort();
    out.truncate(MAX_FILES);
    out
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let code = std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let stdin = match &args.stdin {
        Some(p) => Some(std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?),
        None => None,
    };
    let files = sibling_files(&args.file).into_iter().collect();
    // An explanation links to the embedded curriculum's sections.
    let runner = args.runner.runner(crate::embedded::curriculum(None)?.links())?;
    let result =
        runner.run(RunRequest { code, stdin, files }, Admission::Wait).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        std::io::stdout().write_all(result.stdout.as_bytes())?;
        std::io::stdout().flush()?;
        std::io::stderr().write_all(result.stderr.as_bytes())?;
        if let Some(explanation) = &result.explanation {
            std::io::stderr().write_all(explanation.to_text().as_bytes())?;
        }
        // A terminal shows no pictures: each is named (`--json` has their data).
        for p in &result.pictures {
            eprintln!("pyguide: a picture, {} ({}x{} {}; --json has it)", p.alt, p.width, p.height, p.mime());
        }
        if result.pictures_dropped > 0 {
            eprintln!("pyguide: {} more picture(s) not shown (at most {MAX_PICTURES} a run)", result.pictures_dropped);
        }
        let note = match result.outcome {
            Outcome::Timeout if result.time_limit == Some(TimeLimit::Cpu) => {
                Some("stopped: the program used more CPU time than allowed")
            }
            Outcome::Timeout => Some("stopped: the program ran past the time limit"),
            Outcome::MemoryLimit => Some("stopped: the program used more memory than allowed"),
            Outcome::OutputLimit => Some("stopped: the program printed more than the output limit"),
            _ => None,
        };
        if let Some(n) = note {
            eprintln!("pyguide: {n}");
        }
    }
    Ok(match (result.outcome, result.exit_code) {
        (Outcome::Success, _) => ExitCode::SUCCESS,
        (Outcome::Timeout, _) => ExitCode::from(124),
        (_, Some(code)) => ExitCode::from(u8::try_from(code).unwrap_or(1).max(1)),
        _ => ExitCode::FAILURE,
    })
}

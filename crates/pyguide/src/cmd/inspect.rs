//! `pyguide inspect FILE`: the "Under the hood" document of a program (tokens, AST, bytecode and
//! the step-by-step trace, `python/INSPECTOR.md`), computed in the same runner as the site's
//! `POST /api/inspect`. `--json` prints the document; without it, a short summary.

use super::RunnerArgs;
use anyhow::Context;
use pyguide_sandbox::{Admission, Entry, Limits, Outcome, RunRequest, RunResult};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program; other .py files in its folder are copied beside it, so it can import them.
    pub file: PathBuf,
    /// A file whose contents are the program's standard input.
    #[arg(long, value_name = "FILE")]
    pub stdin: Option<PathBuf>,
    /// Print the inspector's JSON document, as POST /api/inspect answers it.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runner: RunnerArgs,
}

/// Exits 0 when there is a document (whatever the program did), 1 when the inspector could not
/// finish (the object printed then has an `error` in plain words).
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let code = std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let stdin = match &args.stdin {
        Some(p) => Some(std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?),
        None => None,
    };
    let files = super::run::sibling_files(&args.file).into_iter().collect();
    let runner = args.runner.runner(Default::default())?;
    let result = runner
        .inspect(RunRequest { code, stdin, files }, Admission::Wait)
        .await
        .context("the inspector could not run (an error on our side)")?;
    let mut out = std::io::stdout().lock();
    match document(&result) {
        Ok((text, doc)) => {
            if args.json {
                out.write_all(text.trim_end().as_bytes())?;
                out.write_all(b"\n")?;
            } else {
                out.write_all(summary(&doc).as_bytes())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            if args.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&failure)?)?;
            } else {
                eprintln!("pyguide: {}", failure["error"].as_str().unwrap_or_default());
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The document, or the object `POST /api/inspect` answers when there is none.
fn document(result: &RunResult) -> Result<(&str, Value), Value> {
    let text = result.stdout.as_str();
    match serde_json::from_str::<Value>(text) {
        Ok(doc @ Value::Object(_)) if !result.truncated => Ok((text, doc)),
        _ => {
            let why = match result.outcome {
                Outcome::Success | Outcome::Error => "The program ended the interpreter before the inspector could \
                                                      write its report (os._exit() or a crash, for example)."
                    .to_string(),
                _ => pyguide_judge::outcome_message(result, &Entry::Inspect.limits(&Limits::default())),
            };
            Err(json!({
                "error": format!("Under the hood is not available for this run. {why}"),
                "outcome": result.outcome,
                "exit_code": result.exit_code,
                "duration_ms": result.duration_ms,
            }))
        }
    }
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// What a top-level statement is: its node type and, for a definition, its name.
fn statement(node: &Value) -> String {
    let t = node["_type"].as_str().unwrap_or("?");
    match node["fields"]["name"].as_str() {
        Some(name) => format!("{t} {name}"),
        None => t.to_string(),
    }
}

/// A few lines a person reads: version, outcome, and the size of each view.
fn summary(doc: &Value) -> String {
    let mut s = String::new();
    let version = doc["python_version"].as_str().unwrap_or("?");
    let outcome = doc["outcome"].as_str().unwrap_or("?");
    let exit = match doc["exit_code"].as_i64() {
        Some(c) => format!(" (exit code {c})"),
        None => String::new(),
    };
    s += &format!("Python {version} · outcome: {outcome}{exit}\n");
    if let Some(e) = doc["syntax_error"].as_object() {
        s += &format!(
            "syntax error: {}: {} (line {}, column {})\n",
            e.get("type").and_then(Value::as_str).unwrap_or("SyntaxError"),
            e.get("msg").and_then(Value::as_str).unwrap_or(""),
            e.get("lineno").map_or_else(|| "?".into(), Value::to_string),
            e.get("offset").map_or_else(|| "?".into(), Value::to_string),
        );
    } else if let Some(e) = doc["exception"].as_object() {
        let line = e.get("lineno").and_then(Value::as_i64).map(|l| format!(" (line {l})")).unwrap_or_default();
        s += &format!(
            "exception: {}: {}{line}\n",
            e.get("type").and_then(Value::as_str).unwrap_or("?"),
            e.get("message").and_then(Value::as_str).unwrap_or("")
        );
    }
    let tokens = doc["tokens"].as_array().map_or(0, Vec::len);
    let stopped = if doc["tokens_error"].is_object() { " (tokenizing stopped at the error)" } else { "" };
    s += &format!("tokens:       {tokens}{stopped}\n");
    match doc["ast"]["fields"]["body"].as_array() {
        Some(body) => {
            let names: Vec<String> = body.iter().take(12).map(statement).collect();
            let more = if body.len() > 12 { ", …" } else { "" };
            s += &format!(
                "AST:          Module, {}: {}{more}\n",
                plural(body.len(), "top-level statement"),
                names.join(", ")
            );
        }
        None => s += "AST:          none (the code does not parse)\n",
    }
    match doc["bytecode"].as_array() {
        Some(code) => {
            let names: Vec<&str> = code.iter().filter_map(|c| c["qualname"].as_str()).collect();
            let instructions: usize = code.iter().map(|c| c["instructions"].as_array().map_or(0, Vec::len)).sum();
            s += &format!(
                "code objects: {} ({}), {}\n",
                code.len(),
                names.join(", "),
                plural(instructions, "instruction")
            );
        }
        None => s += "code objects: none (the code does not compile)\n",
    }
    match doc["trace"].as_array() {
        Some(trace) => {
            let capped = match doc["truncation_reason"].as_str() {
                Some("max_steps") => {
                    format!(" — capped at {} steps; the program was stopped there", doc["limits"]["max_steps"])
                }
                Some(reason) => format!(" — the trace is partial ({reason})"),
                None => String::new(),
            };
            s += &format!("steps:        {}{capped}\n", trace.len());
        }
        None => s += "steps:        none (the program never ran)\n",
    }
    let stdout = doc["stdout"].as_str().unwrap_or("");
    s += &format!("output:       {}\n", plural(stdout.lines().count(), "line"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_names_each_view() {
        let doc = json!({
            "python_version": "3.11.7", "outcome": "success", "exit_code": 0, "syntax_error": null,
            "exception": null, "tokens": [{}, {}, {}], "tokens_error": null,
            "ast": {"_type": "Module", "fields": {"body": [
                {"_type": "FunctionDef", "fields": {"name": "f"}}, {"_type": "Expr", "fields": {}}]}},
            "bytecode": [{"qualname": "<module>", "instructions": [{}, {}]}, {"qualname": "f", "instructions": [{}]}],
            "trace": [{}, {}], "truncation_reason": null, "stdout": "1\n2\n",
        });
        let s = summary(&doc);
        assert!(s.contains("Python 3.11.7 · outcome: success (exit code 0)"), "{s}");
        assert!(s.contains("tokens:       3\n"), "{s}");
        assert!(s.contains("Module, 2 top-level statements: FunctionDef f, Expr"), "{s}");
        assert!(s.contains("code objects: 2 (<module>, f), 3 instructions"), "{s}");
        assert!(s.contains("steps:        2\n") && s.contains("output:       2 lines"), "{s}");
    }
}

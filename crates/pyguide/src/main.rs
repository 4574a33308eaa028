//! `pyguide`: serve the site, run a program through the sandbox, check every example.

mod cmd;
mod config;
mod embedded;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "pyguide", version, about = "Learn Python with tutorials whose every example runs on real CPython")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (the embedded curriculum unless --content is given).
    Serve(cmd::serve::Args),
    /// Print the settings `serve` would use (same flags) and where each value came from.
    Config(cmd::config::Args),
    /// Run a Python file through the same sandbox as the site.
    Run(cmd::run::Args),
    /// Run every example and fail where its output differs from the page.
    Check(cmd::check::Args),
    /// Show a program's tokens, AST, bytecode and step-by-step trace ("Under the hood").
    Inspect(cmd::inspect::Args),
    /// Install numpy, pandas, matplotlib and pytest for the sandbox (from the lock), and show them.
    Packages(cmd::packages::Args),
}

/// A command ready to run: `serve` with its settings read.
enum Job {
    Serve(config::Settings),
    Other(Command),
}

fn main() -> ExitCode {
    // The sandbox re-executes this binary to build itself; that entry never returns.
    #[cfg(target_os = "linux")]
    if std::env::args_os().nth(1).is_some_and(|a| a == pyguide_sandbox::linux::INIT_ARG) {
        pyguide_sandbox::linux::init_main();
    }
    let cli = Cli::parse();
    // `serve` reads its settings first: they say how to log.
    let command = match cli.command {
        Command::Serve(args) => match args.flags.load() {
            Ok(settings) => {
                init_logging(settings.log_format, "info");
                Job::Serve(settings)
            }
            Err(e) => {
                eprintln!("error: the settings cannot be used:\n{e}");
                return ExitCode::FAILURE;
            }
        },
        other => {
            init_logging(config::LogFormat::Text, "warn");
            Job::Other(other)
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Job::Serve(settings) => cmd::serve::run(settings).await,
            Job::Other(Command::Serve(_)) => anyhow::bail!("serve's settings were not read"),
            Job::Other(Command::Config(args)) => cmd::config::run(&args),
            Job::Other(Command::Run(args)) => cmd::run::run(args).await,
            Job::Other(Command::Check(args)) => cmd::check::run(args).await,
            Job::Other(Command::Inspect(args)) => cmd::inspect::run(args).await,
            Job::Other(Command::Packages(args)) => cmd::packages::run(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, as text or JSON lines; `RUST_LOG` overrides the level.
fn init_logging(format: config::LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        config::LogFormat::Text => builder.init(),
        config::LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).init(),
    }
}

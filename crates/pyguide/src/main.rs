//! `pyguide`: serve the site, run a program through the sandbox, check every example.

mod cmd;
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
    /// Run a Python file through the same sandbox as the site.
    Run(cmd::run::Args),
    /// Run every example and fail where its output differs from the page.
    Check(cmd::check::Args),
    /// Show a program's tokens, AST, bytecode and step-by-step trace ("Under the hood").
    Inspect(cmd::inspect::Args),
    /// Install numpy, pandas, matplotlib and pytest for the sandbox (from the lock), and show them.
    Packages(cmd::packages::Args),
}

fn main() -> ExitCode {
    // The sandbox re-executes this binary to build itself; that entry never returns.
    #[cfg(target_os = "linux")]
    if std::env::args_os().nth(1).is_some_and(|a| a == pyguide_sandbox::linux::INIT_ARG) {
        pyguide_sandbox::linux::init_main();
    }
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Serve(_)) { "info" } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => cmd::serve::run(args).await,
            Command::Run(args) => cmd::run::run(args).await,
            Command::Check(args) => cmd::check::run(args).await,
            Command::Inspect(args) => cmd::inspect::run(args).await,
            Command::Packages(args) => cmd::packages::run(args).await,
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

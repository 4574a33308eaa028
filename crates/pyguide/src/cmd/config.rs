//! `pyguide config`: the settings `pyguide serve` would use, and where each came from.

use crate::config::{explain, Flags};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub flags: Flags,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let figment = args.flags.figment();
    let settings = args.flags.load()?;
    print!("{}", explain(&figment, &settings)?);
    Ok(ExitCode::SUCCESS)
}

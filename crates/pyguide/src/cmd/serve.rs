//! `pyguide serve`: the site on an address.

use super::RunnerArgs;
use crate::embedded;
use anyhow::Context;
use pyguide_render::Site;
use pyguide_server::{router, AppState};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Serve the tutorials in this folder instead of the embedded curriculum.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,
    #[command(flatten)]
    pub runner: RunnerArgs,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let curriculum = embedded::curriculum(args.content.as_deref())?;
    let site = Site::build(&curriculum).context("rendering the pages")?;
    let runner = args.runner.runner()?;
    tracing::info!(
        tutorials = site.tutorials,
        examples = site.examples,
        python = %runner.python().executable.display(),
        version = %runner.python().version,
        capacity = runner.capacity(),
        "site ready"
    );
    let app = router(AppState { runner, site: Arc::new(site) });
    let listener =
        tokio::net::TcpListener::bind(args.addr).await.with_context(|| format!("cannot listen on {}", args.addr))?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

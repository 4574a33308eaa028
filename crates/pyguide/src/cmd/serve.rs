//! `pyguide serve`: the site on an address.

use super::RunnerArgs;
use crate::embedded;
use anyhow::Context;
use pyguide_render::Site;
use pyguide_sandbox::Limits;
use pyguide_server::{router_with, AppState, ServerOptions};
use pyguide_store::Store;
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
    /// Folder for PyGuide's data (the SQLite database of shared programs); created on first run.
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Store shared programs in this PostgreSQL database instead (postgres://user@host/db).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub runner: RunnerArgs,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let curriculum = embedded::curriculum(args.content.as_deref())?;
    let site = Site::build(&curriculum).context("rendering the pages")?;
    let availability = pyguide_server::Availability::default();
    let links = curriculum.links();
    // The curated packages: installed on the first start, with a progress line per wheel.
    let (runner_args, data_dir) = (args.runner.clone(), args.data_dir.clone());
    let packages =
        tokio::task::spawn_blocking(move || super::packages::for_server(&runner_args, &data_dir, &curriculum)).await?;
    let waiting = availability.waiting_for_input;
    let runner = args.runner.runner_with(super::RunnerExtras { links, packages, waiting })?;
    tracing::info!(
        tutorials = site.tutorials,
        examples = site.examples,
        python = %runner.python().executable.display(),
        version = %runner.python().version,
        capacity = runner.capacity(),
        "site ready"
    );
    let store = match &args.database_url {
        Some(url) => Store::open_url(url).await.context("opening the database given by --database-url")?,
        None => Store::open_data_dir(&args.data_dir)
            .await
            .with_context(|| format!("opening the database in {}", args.data_dir.display()))?,
    };
    tracing::info!(backend = store.backend(), "store ready");
    // The runner is built with the default limits (cmd::RunnerArgs); the pages explain those.
    let options =
        ServerOptions { store: Some(store.clone()), limits: Limits::default(), availability: availability.clone() };
    let app = router_with(AppState { runner: runner.clone(), site: Arc::new(site) }, options);
    let listener =
        tokio::net::TcpListener::bind(args.addr).await.with_context(|| format!("cannot listen on {}", args.addr))?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    let stopping = Arc::new(tokio::sync::Notify::new());
    let signalled = stopping.clone();
    let server = pyguide_server::serve(listener, app, &availability, async move {
        stop_signal().await;
        tracing::info!("shutting down");
        signalled.notify_one();
    });
    // Connections still open (a WebSocket waiting for input) get a moment to finish; then the
    // sandbox stops anyway, ending what still runs.
    tokio::select! {
        served = server => served?,
        () = async { stopping.notified().await; tokio::time::sleep(CONNECTIONS_GRACE).await } => {
            tracing::warn!("connections still open after {} s; stopping", CONNECTIONS_GRACE.as_secs());
        }
    }
    tokio::task::spawn_blocking(move || runner.shutdown()).await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// How long open connections may take to finish once the server is told to stop.
const CONNECTIONS_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// SIGTERM (a service manager) or SIGINT (Ctrl+C).
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

//! `pyguide serve`: the site on an address, until SIGTERM or SIGINT drains and stops it.
//!
//! Stopping, in order: `/readyz` turns 503 and no connection is accepted any more; runs in
//! flight finish, up to `drain`; then the runs still going (an interactive run waiting for
//! input too) are stopped and told the server is restarting, so open WebSockets get their
//! `exit`; then the sandbox stops, leaving no cgroup or process, and the process exits 0.
//! A second signal skips the drain but still stops the sandbox.

use crate::config::Settings;
use crate::embedded;
use anyhow::Context;
use pyguide_render::{Serving, Site};
use pyguide_sandbox::Runner;
use pyguide_server::{metrics_router, router_with, AppState, Lifecycle, Phase, ServerOptions};
use pyguide_store::Store;
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The flags of `serve` (every setting also has a key in the config file).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub flags: crate::config::Flags,
}

/// Once runs are stopped, how long their connections get to send the last messages and close.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

pub async fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    // Listening first: a signal that comes while the sandbox starts still drains and stops.
    let mut signals = Signals::new()?;
    let lifecycle = Lifecycle::new(Phase::Starting);
    let (runner, site) = build_site(&settings)?;
    let store = open_store(&settings).await?;
    let options = ServerOptions {
        store: Some(store.clone()),
        limits: settings.limits.clone(),
        availability: settings.availability.clone(),
        lifecycle: lifecycle.clone(),
        separate_metrics: settings.metrics_addr.is_some(),
    };
    let app = router_with(AppState { runner: runner.clone(), site: Arc::new(site) }, options);
    let listener = bind(settings.addr).await?;

    let (stop_accepting, accepting_stopped) = watch::channel(false);
    let until_stopped = async move {
        let mut rx = accepting_stopped;
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let mut server = tokio::spawn(serve_http(listener, app, settings.availability.clone(), until_stopped));
    if let Some(addr) = settings.metrics_addr {
        let metrics = bind(addr).await?;
        tokio::spawn(axum::serve(metrics, metrics_router(runner.clone())).into_future());
    }
    lifecycle.enter(Phase::Serving);

    tokio::select! {
        () = signals.next() => {}
        served = &mut server => {
            // The server ended by itself: an accept error it cannot go on from.
            served??;
        }
    }
    tracing::info!(runs_in_flight = lifecycle.runs_in_flight(), drain = ?settings.drain, "draining");
    lifecycle.enter(Phase::Draining);
    let _ = stop_accepting.send(true);
    drain(&lifecycle, &mut server, &mut signals, settings.drain).await;
    stop_sandbox(runner).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The curriculum's pages and the runner that runs their examples.
fn build_site(settings: &Settings) -> anyhow::Result<(Arc<dyn Runner>, Site)> {
    let curriculum = embedded::curriculum(settings.content.as_deref())?;
    // The curated packages: installed on the first start, with a progress line per wheel.
    // Without them, the pages whose examples need them say so.
    let root = super::packages_root(settings.packages_dir.as_deref(), &settings.data_dir);
    let packages = super::packages::for_server(settings.python.as_deref(), &root, &curriculum);
    let serving = Serving { packages_missing: packages.is_none() };
    let site = Site::build_for(&curriculum, serving).context("rendering the pages")?;
    let runner = super::build_runner(super::RunnerPlan {
        python: settings.python.clone(),
        max_concurrent: settings.max_concurrent,
        unsafe_no_sandbox: settings.unsafe_no_sandbox,
        limits: settings.limits.clone(),
        links: curriculum.links(),
        packages,
        waiting: settings.availability.waiting_for_input,
    })?;
    tracing::info!(
        tutorials = site.tutorials,
        examples = site.examples,
        python = %runner.python().executable.display(),
        version = %runner.python().version,
        capacity = runner.capacity(),
        "site ready"
    );
    Ok((runner, site))
}

async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = match &settings.database_url {
        Some(url) => Store::open_url(url).await.context("opening the database given by database_url")?,
        None => Store::open_data_dir(&settings.data_dir)
            .await
            .with_context(|| format!("opening the database in {}", settings.data_dir.display()))?,
    };
    tracing::info!(backend = store.backend(), "store ready");
    Ok(store)
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    Ok(listener)
}

/// Serves `app` until `stop` resolves, then stops accepting and returns once every open
/// connection has closed (runs in flight answered, WebSockets ended). Connections are bounded
/// and timed as `availability` says.
async fn serve_http(
    listener: TcpListener,
    app: axum::Router,
    availability: pyguide_server::Availability,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    pyguide_server::serve(listener, app, &availability, stop).await
}

/// Waits for the connections and runs to finish, up to `deadline`; then stops the runs still
/// going and gives their connections [`CLOSE_GRACE`] to say so. A second signal cuts it short.
async fn drain(
    lifecycle: &Lifecycle,
    server: &mut tokio::task::JoinHandle<std::io::Result<()>>,
    signals: &mut Signals,
    deadline: Duration,
) {
    // A WebSocket leaves the HTTP server once upgraded, so the server can be done while
    // streamed runs still go on: both are waited for.
    let mut finished = std::pin::pin!(async {
        let _ = (&mut *server).await;
        lifecycle.runs_finished().await;
    });
    tokio::select! {
        () = &mut finished => return,
        () = tokio::time::sleep(deadline) => {}
        () = signals.next() => {
            tracing::warn!("second signal: stopping without waiting for runs in flight");
            return;
        }
    }
    tracing::warn!(runs_in_flight = lifecycle.runs_in_flight(), "drain deadline passed: stopping the runs still going");
    lifecycle.enter(Phase::StoppingRuns);
    tokio::select! {
        () = &mut finished => {}
        () = tokio::time::sleep(CLOSE_GRACE) => tracing::warn!("connections still open; closing them"),
        () = signals.next() => {}
    }
}

/// Ends whatever the sandbox still runs and removes its cgroups.
async fn stop_sandbox(runner: Arc<dyn Runner>) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || runner.shutdown()).await.context("stopping the sandbox")
}

/// SIGTERM (a service manager) or SIGINT (Ctrl+C), each time one arrives.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
        let int = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
        Ok(Signals { term, int })
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

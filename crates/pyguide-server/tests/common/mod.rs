//! Set-up shared by the router tests: a site from a few content files, the plain runner with
//! short limits, and sending one request through the router.
#![allow(dead_code)] // each test file uses its own part

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use pyguide_content::{load_sources, SourceFile};
use pyguide_render::Site;
use pyguide_sandbox::{discover_python, Limits, ProcessRunner, Runner, RunnerConfig};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// A site built from `(path, text)` content files.
pub fn site_of(files: &[(&str, &str)]) -> Arc<Site> {
    let files = files.iter().map(|(p, t)| SourceFile { path: (*p).into(), text: (*t).into() }).collect();
    Arc::new(Site::build(&load_sources(files).expect("valid content")).expect("renders"))
}

/// Limits short enough for tests: `wall_secs` of wall clock, 2 s of CPU.
pub fn test_limits(wall_secs: u64) -> Limits {
    Limits { wall: Duration::from_secs(wall_secs), cpu_secs: 2, ..Limits::default() }
}

/// The plain runner on python3 with `limits` and `max_concurrent` slots.
pub fn plain_runner(max_concurrent: usize, limits: Limits) -> Arc<dyn Runner> {
    let mut config = RunnerConfig::new(discover_python(None).expect("python3 is installed"));
    config.max_concurrent = max_concurrent;
    config.limits = limits;
    Arc::new(ProcessRunner::new(config))
}

/// Sends one request; the status, headers and body.
pub async fn send(app: Router, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let res = app.oneshot(req).await.expect("the router answers");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes().to_vec();
    (status, headers, body)
}

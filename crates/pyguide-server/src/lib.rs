//! PyGuide's HTTP layer: pages, assets, the run API (JSON and streaming WebSocket) and
//! sharing, as one axum [`Router`].
//!
//! [`router`] builds the whole app from an [`AppState`], so tests call it with `oneshot`
//! without opening a socket, and `pyguide serve` only binds it to an address.
//! [`router_with`] adds what is optional: the store behind Share, and the run limits the pages
//! explain.

mod availability;
mod error;
pub mod lifecycle;
pub mod metrics;
mod observe;
mod routes;

pub use availability::{serve, Availability, Client, ClientResolver, Gate};
pub use error::AppError;
pub use lifecycle::{Lifecycle, Phase};
pub use observe::client_hash;

use availability::GateLimits;
use axum::http::{header, HeaderValue};
use axum::Router;
use pyguide_render::Site;
use pyguide_sandbox::{Limits, Runner};
use pyguide_store::Store;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub runner: Arc<dyn Runner>,
    pub site: Arc<Site>,
}

/// What the app may have beyond [`AppState`].
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// Where Share stores programs; without one, `POST /api/share` answers 503.
    pub store: Option<Store>,
    /// The limits the runner enforces, explained to learners when a run hits one.
    pub limits: Limits,
    /// How the server shares itself among clients.
    pub availability: Availability,
    /// Starting, serving or draining: `/readyz` answers from it and runs stop by it.
    pub lifecycle: Lifecycle,
    /// `/metrics` is served on an address of its own ([`metrics_router`]), not beside the site.
    pub separate_metrics: bool,
}

/// The state handlers see.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub runner: Arc<dyn Runner>,
    pub site: Arc<Site>,
    pub store: Option<Store>,
    pub limits: Arc<Limits>,
    /// The run slots, shared fairly among clients.
    pub gate: Gate,
    pub clients: ClientResolver,
    pub availability: Arc<Availability>,
    pub lifecycle: Lifecycle,
}

/// The Content-Security-Policy of every response: no inline script, nothing from elsewhere,
/// no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The CSP of a page with an editor: as [`CSP`], but `<style>` elements carrying this response's
/// nonce are allowed, because CodeMirror injects its (generated) styles that way
/// (`EditorView.cspNonce`). Scripts stay `'self'` only, and style attributes stay refused.
pub fn csp_with_style_nonce(nonce: &str) -> String {
    CSP.replace("style-src 'self';", &format!("style-src 'self' 'nonce-{nonce}';"))
}

/// The whole application, without a store (Share answers 503) and with the default limits.
pub fn router(state: AppState) -> Router {
    router_with(state, ServerOptions::default())
}

/// The whole application with a store and the runner's limits.
pub fn router_with(state: AppState, options: ServerOptions) -> Router {
    let a = &options.availability;
    let gate = Gate::new(GateLimits {
        slots: state.runner.capacity(),
        per_client: a.runs_per_client,
        queue_per_client: a.queue_per_client,
        queue_total: a.queue_total,
        queue_wait: a.queue_wait,
        parked: a.waiting_for_input,
    });
    // Recording starts with the first router, so that /metrics lists every metric from the start.
    metrics::handle();
    let ctx = Ctx {
        runner: state.runner,
        site: state.site,
        store: options.store,
        limits: Arc::new(options.limits),
        gate,
        clients: ClientResolver::new(a.trusted_proxies.clone()),
        availability: Arc::new(options.availability),
        lifecycle: options.lifecycle,
    };
    let body_timeout = ctx.availability.body_timeout;
    let logged = ctx.clone();
    routes::routes(!options.separate_metrics)
        .route_layer(axum::middleware::from_fn(observe::keep_route))
        .with_state(ctx)
        // A body that trickles in is cut off (its read fails: a 4xx in words).
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(axum::middleware::from_fn_with_state(logged, observe::log_request))
}

/// `GET /metrics` alone, to serve on `metrics_addr` apart from the site.
pub fn metrics_router(runner: Arc<dyn Runner>) -> Router {
    metrics::handle();
    routes::metrics_only(runner)
}

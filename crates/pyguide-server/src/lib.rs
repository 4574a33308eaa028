//! PyGuide's HTTP layer: pages, assets and the run API, as one axum [`Router`].
//!
//! [`router`] builds the whole app from an [`AppState`], so tests call it with `oneshot`
//! without opening a socket, and `pyguide serve` only binds it to an address.

mod error;
mod routes;

pub use error::AppError;

use axum::http::{header, HeaderValue};
use axum::Router;
use pyguide_render::Site;
use pyguide_sandbox::Runner;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub runner: Arc<dyn Runner>,
    pub site: Arc<Site>,
}

/// The Content-Security-Policy of every response: no inline script, nothing from elsewhere,
/// no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application.
pub fn router(state: AppState) -> Router {
    routes::routes()
        .with_state(state)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(TraceLayer::new_for_http())
}

//! The routes of the app, one module per area.

mod api;
mod inspect;
mod ops;
mod origin;
mod pages;
mod search;
mod ws;

use crate::Ctx;
use axum::routing::get;
use axum::Router;

pub(crate) use ops::metrics_only;

/// Every route; `/metrics` too unless it is served on an address of its own.
pub(crate) fn routes(metrics: bool) -> Router<Ctx> {
    let router = Router::new()
        .route("/", get(pages::home))
        .route("/tutorials/{slug}", get(pages::tutorial))
        .route("/playground", get(pages::playground))
        .route("/s/{id}", get(pages::shared))
        .route("/static/{*name}", get(pages::asset))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .merge(search::routes())
        .nest(
            "/api",
            api::routes().route("/run/ws", get(ws::run_ws)).layer(axum::middleware::from_fn(origin::refuse_cross_site)),
        )
        .fallback(pages::not_found);
    if metrics {
        router.route("/metrics", get(ops::metrics))
    } else {
        router
    }
}

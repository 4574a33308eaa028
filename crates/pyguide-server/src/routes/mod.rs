//! The routes of the app, one module per area.

mod api;
mod pages;

use crate::AppState;
use axum::routing::get;
use axum::Router;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/tutorials/{slug}", get(pages::tutorial))
        .route("/static/{*name}", get(pages::asset))
        .route("/healthz", get(|| async { "ok" }))
        .nest("/api", api::routes())
        .fallback(pages::not_found)
}

//! Server-rendered pages and embedded assets.

use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use pyguide_render::Assets;

pub(crate) async fn home(State(state): State<AppState>) -> Response {
    page(&state, "/")
}

pub(crate) async fn tutorial(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    page(&state, &format!("/tutorials/{slug}"))
}

fn page(state: &AppState, path: &str) -> Response {
    match state.site.page(path) {
        Some(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html.to_string())).into_response(),
        None => (StatusCode::NOT_FOUND, Html(state.site.not_found().to_string())).into_response(),
    }
}

pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    match Assets::embedded().get(&name) {
        Some(a) => (
            [(header::CONTENT_TYPE, a.content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
            a.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

pub(crate) async fn not_found(State(state): State<AppState>) -> Response {
    (StatusCode::NOT_FOUND, Html(state.site.not_found().to_string())).into_response()
}

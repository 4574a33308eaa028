//! Search over the whole curriculum (the index is built with the site, at start-up):
//! `GET /api/search?q=` answers JSON for results as the reader types, and `GET /search?q=` is
//! the results page, which works without JavaScript (the header's search box submits to it).

use crate::{AppError, Ctx};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pyguide_render::{Hit, SearchError};
use serde::{Deserialize, Serialize};

/// Results change only when the server does: a reader going back and forth is served from
/// the browser's cache for a minute.
const CACHE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=60");

pub(crate) fn routes() -> Router<Ctx> {
    Router::new().route("/api/search", get(api)).route("/search", get(page))
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct Results {
    query: String,
    hits: Vec<Hit>,
}

/// The query, or why it is not one (such as `%FF`, which is not text).
fn query(q: Result<Query<SearchQuery>, QueryRejection>) -> Result<String, AppError> {
    match q {
        Ok(Query(q)) => Ok(q.q.trim().to_string()),
        Err(_) => Err(AppError::bad_request("The search could not be read: send the words as ?q=<text>.")),
    }
}

fn search(state: &Ctx, q: &str) -> Result<Vec<Hit>, AppError> {
    state.site.search(q).map_err(|e| match e {
        SearchError::TooLong => AppError::bad_request(capitalized(&e.to_string())),
        SearchError::Index(_) => AppError::Internal(e.to_string()),
    })
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// `GET /api/search?q=`: `{"query", "hits": [{"title", "tutorial", "url", "snippet": [{"text", "mark"}]}]}`.
async fn api(State(state): State<Ctx>, q: Result<Query<SearchQuery>, QueryRejection>) -> Result<Response, AppError> {
    let query = query(q)?;
    let hits = search(&state, &query)?;
    Ok(([CACHE], Json(Results { query, hits })).into_response())
}

/// `GET /search?q=`: the results page; a query that cannot be searched is a 400 page that
/// says why.
async fn page(State(state): State<Ctx>, q: Result<Query<SearchQuery>, QueryRejection>) -> Response {
    let outcome = query(q).and_then(|query| Ok((search(&state, &query)?, query)));
    match outcome {
        Ok((hits, query)) => ([CACHE], Html(state.site.search_page(&query, &hits, None))).into_response(),
        Err(AppError::Client(status, message)) => {
            (status, Html(state.site.search_page("", &[], Some(message.as_str())))).into_response()
        }
        Err(e) => {
            let status = StatusCode::INTERNAL_SERVER_ERROR;
            let html =
                state.site.search_page("", &[], Some("Search is not working just now. Please try again in a moment."));
            tracing::error!(error = ?e, "search failed");
            (status, Html(html)).into_response()
        }
    }
}

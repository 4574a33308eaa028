//! Server-rendered pages and embedded assets.

use crate::Ctx;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use pyguide_render::{Assets, PlaygroundCode, STYLE_NONCE_PLACEHOLDER};

const FOREVER: &str = "public, max-age=31536000, immutable";

pub(crate) async fn home(State(state): State<Ctx>) -> Response {
    page(&state, "/")
}

pub(crate) async fn tutorial(State(state): State<Ctx>, Path(slug): Path<String>) -> Response {
    page(&state, &format!("/tutorials/{slug}"))
}

fn page(state: &Ctx, path: &str) -> Response {
    match state.site.page(path) {
        Some(html) => with_nonce(StatusCode::OK, "no-cache", html),
        None => (StatusCode::NOT_FOUND, Html(state.site.not_found().to_string())).into_response(),
    }
}

/// A fresh nonce per response: 128 random bits, hex.
fn nonce() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source works");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A page response; a page with an editor gets its own style nonce in the HTML and the CSP.
fn with_nonce(status: StatusCode, cache: &'static str, html: &str) -> Response {
    let (html, csp) = if html.contains(STYLE_NONCE_PLACEHOLDER) {
        let n = nonce();
        (html.replace(STYLE_NONCE_PLACEHOLDER, &n), Some(crate::csp_with_style_nonce(&n)))
    } else {
        (html.to_string(), None)
    };
    let mut res = (status, [(header::CACHE_CONTROL, cache)], Html(html)).into_response();
    if let Some(csp) = csp.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    res
}

pub(crate) async fn playground(State(state): State<Ctx>) -> Response {
    let html = state.site.playground(None, &pyguide_judge::limits_text(&state.limits));
    with_nonce(StatusCode::OK, "no-cache", &html)
}

/// `/s/<id>`: the playground with a shared program, or a 404 page that says what happened.
pub(crate) async fn shared(State(state): State<Ctx>, Path(id): Path<String>) -> Response {
    let missing = || {
        let html = state.site.not_found_with(
            "Shared code not found",
            "There is no shared code at this address. Check that the link was copied whole.",
        );
        (StatusCode::NOT_FOUND, Html(html)).into_response()
    };
    let Some(store) = &state.store else { return missing() };
    match store.share(&id).await {
        Ok(Some(share)) => {
            let code = PlaygroundCode { id: &share.id, code: &share.code, files: &share.files };
            let html = state.site.playground(Some(code), &pyguide_judge::limits_text(&state.limits));
            // The page carries a per-response nonce, so it is not kept (shares themselves never change).
            with_nonce(StatusCode::OK, "no-cache", &html)
        }
        Ok(None) => missing(),
        Err(e) => {
            tracing::error!(error = %e, "reading a share failed");
            let html = state.site.not_found_with(
                "Shared code unavailable",
                "The shared code could not be loaded just now. Please try again in a moment.",
            );
            (StatusCode::INTERNAL_SERVER_ERROR, Html(html)).into_response()
        }
    }
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|part| {
            let mut it = part.split(';');
            let coding = it.next().unwrap_or("").trim();
            let q_zero = it.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
        })
    })
}

/// An embedded asset, forever cacheable (its name has its hash); gzipped ahead of time.
pub(crate) async fn asset(headers: HeaderMap, Path(name): Path<String>) -> Response {
    let Some(a) = Assets::embedded().get(&name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mut res = match a.gzip {
        Some(gz) if accepts_gzip(&headers) => {
            let mut r = gz.into_response();
            r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        _ => a.bytes.into_response(),
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(FOREVER));
    if a.gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

pub(crate) async fn not_found(State(state): State<Ctx>) -> Response {
    (StatusCode::NOT_FOUND, Html(state.site.not_found().to_string())).into_response()
}

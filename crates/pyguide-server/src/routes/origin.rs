//! Requests from other sites: another site's page may not run programs, check exercises or
//! share through its visitors' browsers. Browsers say where a request comes from (`Origin` on
//! every cross-origin POST and every WebSocket, `Sec-Fetch-Site` on every request of a modern
//! browser), so a request that says it is cross-site is refused with 403, whatever its
//! Content-Type. Clients that send neither (curl, scripts, tests) are not browsers acting for
//! someone else, and keep working.

use crate::error::AppError;
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Does the request come from PyGuide's own pages, or from no browser page at all? True when
/// `Sec-Fetch-Site`, if sent, is `same-origin` or `none` (typed in the address bar), and
/// `Origin`, if sent, is the request's own `Host`.
pub(crate) fn from_own_pages(headers: &HeaderMap) -> bool {
    let fetch_site_ok = headers.get("sec-fetch-site").is_none_or(|v| {
        v.to_str().is_ok_and(|v| v.eq_ignore_ascii_case("same-origin") || v.eq_ignore_ascii_case("none"))
    });
    let origin_ok = match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            match (origin.to_str(), host) {
                (Ok(origin), Some(host)) => origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"))
                    .is_some_and(|o| o.eq_ignore_ascii_case(host)),
                _ => false,
            }
        }
    };
    fetch_site_ok && origin_ok
}

/// Refuses state-changing requests (POST) that a browser says come from another site.
pub(crate) async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if request.method() == Method::POST && !from_own_pages(request.headers()) {
        return AppError::Client(
            StatusCode::FORBIDDEN,
            "this request came from another site's page; PyGuide's API only takes requests from its own pages \
             (or from clients that are not browsers)"
                .into(),
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::from_own_pages;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn own_pages_and_non_browsers_pass_other_sites_do_not() {
        assert!(from_own_pages(&headers(&[])));
        assert!(from_own_pages(&headers(&[("host", "pyguide.test:8080"), ("origin", "http://pyguide.test:8080")])));
        assert!(from_own_pages(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(from_own_pages(&headers(&[("sec-fetch-site", "none")])));
        assert!(!from_own_pages(&headers(&[("host", "pyguide.test"), ("origin", "https://evil.test")])));
        assert!(!from_own_pages(&headers(&[("host", "pyguide.test"), ("origin", "null")])));
        assert!(!from_own_pages(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!from_own_pages(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!from_own_pages(&headers(&[("origin", "http://pyguide.test")])), "an Origin without a Host to match");
    }
}

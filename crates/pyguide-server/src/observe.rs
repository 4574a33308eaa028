//! What every request leaves behind: one log line (request id, route, status, duration, a keyed
//! hash of the client), the `X-Request-Id` header, and its count in
//! `pyguide_http_requests_total`.

use crate::metrics;
use crate::Ctx;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Instant;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route of a request that matched none (404s of unknown paths).
const UNMATCHED: &str = "unmatched";

/// The route template, carried from inside the router (where it is known) to [`log_request`].
#[derive(Clone)]
struct Route(MatchedPath);

/// Inner layer (`route_layer`): puts the matched route's template on the response.
pub(crate) async fn keep_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// Outer layer: request id, the log line and the request count.
pub(crate) async fn log_request(State(ctx): State<Ctx>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, v);
    }
    // The client as the gate sees it (behind a trusted proxy, the forwarded address), hashed
    // with the store's key when there is a store, as its shares record it.
    let client = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| {
        let client = ctx.clients.resolve(c.0, req.headers());
        match &ctx.store {
            Some(store) => store.client_hash(&client.to_string()),
            None => client_hash(client.ip()),
        }
    });
    let method = req.method().clone();
    let mut response = next.run(req).await;
    let route = response.extensions().get::<Route>().map_or(UNMATCHED, |r| r.0.as_str()).to_string();
    let status = response.status();
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    metrics::record_http(&route, status);
    tracing::info!(
        target: "pyguide::http",
        request_id = %id,
        method = %method,
        route = %route,
        status = status.as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        client = client.as_deref().unwrap_or("-"),
        "request"
    );
    response
}

/// The id a proxy gave the request (nginx's `$request_id`), when it looks like one; else a new
/// random one, so that a line in the proxy's log and one in ours can be matched.
fn request_id(req: &Request) -> String {
    let given = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok());
    match given {
        Some(id) if (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            id.to_string()
        }
        _ => {
            let mut bytes = [0u8; 16];
            // Without randomness, the time still tells requests apart well enough for a log.
            if getrandom::fill(&mut bytes).is_err() {
                bytes[..16].copy_from_slice(&Instant::now().elapsed().as_nanos().to_le_bytes());
            }
            hex(&bytes)
        }
    }
}

/// A client as logs show it: an HMAC of its address under a key made when the process starts,
/// so that one client's requests can be followed through a log without the log holding
/// addresses (and without a table of all IPv4 hashes revealing them).
pub fn client_hash(ip: IpAddr) -> String {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        let mut k = [0u8; 32];
        let _ = getrandom::fill(&mut k);
        k
    });
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return "-".to_string() };
    match ip {
        IpAddr::V4(v4) => mac.update(&v4.octets()),
        IpAddr::V6(v6) => mac.update(&v6.octets()),
    }
    hex(&mac.finalize().into_bytes()[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

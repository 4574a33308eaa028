//! Keeping the site available to everyone: who a client is, and how run slots and connections
//! are shared among clients.

mod settings;

pub use settings::Availability;
mod client;
mod gate;
mod listen;

pub use client::{Client, ClientResolver};
pub use gate::{Gate, GateLimits, Parked, Refusal, Slot};
pub use listen::serve;

use crate::Ctx;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};

/// A handler's client: from the connection's peer address (and, behind a trusted proxy, its
/// forwarding headers). An app served without peer addresses (tests calling the router
/// directly) has one client, 0.0.0.0.
impl FromRequestParts<Ctx> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Ctx) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), |c| c.0);
        Ok(state.clients.resolve(peer, &parts.headers))
    }
}

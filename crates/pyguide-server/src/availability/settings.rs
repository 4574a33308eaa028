//! The availability settings: how one replica shares itself among its clients.
//!
//! Every value has a default that suits one public replica on a small machine; the README's
//! "Open to the internet" section explains each one and what raising it costs.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How the server shares its run slots and connections among clients, and how long it waits
/// for slow ones. Read from the `[availability]` table of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Availability {
    /// Proxies whose `X-Forwarded-For` / `Forwarded` headers are believed (CIDR blocks).
    pub trusted_proxies: Vec<IpNet>,
    /// Programs one client may have running at once (runs, checks, inspections and
    /// interactive runs together).
    pub runs_per_client: usize,
    /// Requests one client may have waiting for a run slot.
    pub queue_per_client: usize,
    /// Requests waiting for a run slot, all clients together.
    pub queue_total: usize,
    /// Longest wait for a run slot before the request is refused (429 or 503).
    #[serde(with = "humantime_serde")]
    pub queue_wait: Duration,
    /// Interactive runs blocked in `input()`, all clients together: each keeps its processes
    /// and memory but no run slot. One per client beside its running share.
    pub waiting_for_input: usize,
    /// Time a client has to send a request's headers.
    #[serde(with = "humantime_serde")]
    pub header_timeout: Duration,
    /// Time a client has to send a request's body.
    #[serde(with = "humantime_serde")]
    pub body_timeout: Duration,
    /// How long an idle connection is kept open between requests (a WebSocket is pinged at
    /// half this, so an open page stays connected).
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// Time allowed for a client to take each part of a response (HTTP or WebSocket) before
    /// its connection is dropped and its buffers freed.
    #[serde(with = "humantime_serde")]
    pub write_timeout: Duration,
    /// Open connections, all clients together.
    pub max_connections: usize,
    /// Open connections from one client.
    pub connections_per_client: usize,
    /// Output a WebSocket run may have queued for a slow reader before it is stopped.
    pub ws_buffer_bytes: usize,
    /// Shares one client may create per minute (counted in the store, so across replicas).
    pub shares_per_minute: u32,
    /// Shares one client may create per day.
    pub shares_per_day: u32,
}

impl Default for Availability {
    fn default() -> Self {
        Availability {
            trusted_proxies: Vec::new(),
            runs_per_client: 2,
            queue_per_client: 8,
            queue_total: 64,
            queue_wait: Duration::from_secs(2),
            waiting_for_input: 64,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(20),
            max_connections: 1024,
            connections_per_client: 64,
            ws_buffer_bytes: 1 << 20,
            shares_per_minute: 10,
            shares_per_day: 200,
        }
    }
}

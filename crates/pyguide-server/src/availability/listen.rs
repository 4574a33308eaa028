//! Accepting connections without letting any client hold the server: a bound on open
//! connections overall and per client, and time limits on every way a client can stall (its
//! request headers, its body, an idle keep-alive, a response it does not read).
//!
//! `axum::serve` has none of these knobs, so connections are served here with hyper-util,
//! as axum's own "serve with hyper" example does.

use super::client::Client;
use super::Availability;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use ipnet::IpNet;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio_io_timeout::TimeoutStream;
use tower::ServiceExt;

/// Open connections, overall and per client.
#[derive(Default)]
struct Connections {
    total: usize,
    per_client: HashMap<Client, usize>,
}

/// One open connection's place in [`Connections`]; freed when the connection ends.
struct Admitted {
    books: Arc<Mutex<Connections>>,
    /// None for a trusted proxy, which speaks for many clients and is bounded only overall.
    client: Option<Client>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut c = self.books.lock().unwrap_or_else(|p| p.into_inner());
        c.total -= 1;
        if let Some(client) = self.client {
            if let Some(n) = c.per_client.get_mut(&client) {
                *n -= 1;
                if *n == 0 {
                    c.per_client.remove(&client);
                }
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting and waits for
/// the open HTTP connections to finish (a WebSocket, once upgraded, is the app's to end).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: &Availability,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(settings.header_timeout).keep_alive(true);
    builder.http2().timer(TokioTimer::new()).max_concurrent_streams(64);
    let builder = Arc::new(builder);
    let books = Arc::new(Mutex::new(Connections::default()));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = admit(&books, settings, peer) else {
            // Over a limit: closed at once, before anything is read or allocated for it.
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Box::pin(with_timeouts(stream, settings)));
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = builder.serve_connection_with_upgrades(io, service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _admitted = admitted;
            let _ = conn.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The connection's place, or None when the server or this client has too many open.
fn admit(books: &Arc<Mutex<Connections>>, settings: &Availability, peer: SocketAddr) -> Option<Admitted> {
    let trusted = settings.trusted_proxies.iter().any(|net: &IpNet| net.contains(&peer.ip().to_canonical()));
    let client = (!trusted).then(|| Client::from_ip(peer.ip()));
    let mut c = books.lock().unwrap_or_else(|p| p.into_inner());
    if c.total >= settings.max_connections {
        return None;
    }
    if let Some(client) = client {
        let n = c.per_client.entry(client).or_default();
        if *n >= settings.connections_per_client {
            return None;
        }
        *n += 1;
    }
    c.total += 1;
    Some(Admitted { books: books.clone(), client })
}

/// A read that waits longer than the idle timeout, or a write the client does not take within
/// the write timeout, fails and ends the connection.
fn with_timeouts(stream: TcpStream, settings: &Availability) -> TimeoutStream<TcpStream> {
    let mut s = TimeoutStream::new(stream);
    s.set_read_timeout(Some(settings.idle_timeout));
    s.set_write_timeout(Some(settings.write_timeout));
    s
}

//! The accept loop: HTTP/1.1 and HTTP/2 on one port, with the limits that
//! keep slow or idle clients from holding the server's connections.
//!
//! `axum::serve` has no header-read timeout and no connection cap, so a few
//! sockets that send their headers one byte a minute (slowloris) or send
//! nothing at all stay open for ever. Here each connection has until
//! [`ConnectionLimits::header_timeout`] to send a request's headers (also
//! while idle between keep-alive requests), and at most
//! [`ConnectionLimits::max_connections`] are served at once: the rest wait in
//! the kernel's backlog until one closes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::platform::state::AppState;

/// How long a client may take, and how many may be served at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time to send a request's headers, counted from the connection's
    /// start or from the end of the previous response (so it is also the
    /// idle timeout of a kept-alive connection).
    pub header_timeout: Duration,
    /// HTTP/2 pings an idle connection this often and closes it when the
    /// ping is not answered within the same time.
    pub http2_keep_alive: Duration,
    /// Connections served at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// Time the requests in flight get to finish once the server stops.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(15),
            http2_keep_alive: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Serves `app` until `shutdown` completes, then lets the requests in flight
/// finish (for at most `limits.shutdown_grace`). Every request carries the
/// peer's address as `ConnectInfo<SocketAddr>`.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::platform::routes::router(state.clone());
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(limits.http2_keep_alive).keep_alive_timeout(limits.http2_keep_alive);
    let builder = Arc::new(builder);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of
                    // spinning; the listener itself stays good.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY a small answer written in two parts waits for
        // the client's delayed ACK (40 ms on Linux) on every request of a sync.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::trace!(error = %e, "could not set TCP_NODELAY");
        }
        let service = app.clone().map_request(move |mut req: axum::http::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let first_byte_timeout = limits.header_timeout;
        tokio::spawn(async move {
            // The protocol sniffing (HTTP/1 or HTTP/2) waits for the first
            // bytes without a timer of its own: a socket that sends nothing
            // is closed here.
            match tokio::time::timeout(first_byte_timeout, tcp.peek(&mut [0u8; 1])).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(service));
            if let Err(e) = watcher.watch(conn.into_owned()).await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    // Endless responses (server-sent events) end on this signal, so the
    // graceful wait below is not held up by them.
    state.begin_shutdown();
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running after the shutdown grace period were cut");
    }
    Ok(())
}

/// The address of the client that sent `req`, when the server put it there.
pub fn peer_addr<B>(req: &axum::http::Request<B>) -> Option<SocketAddr> {
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

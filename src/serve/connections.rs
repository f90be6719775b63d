//! The connection loop `serve` and `studio` share: hyper's HTTP/1.1 with a header-read
//! timeout (a client that trickles its headers does not hold a connection), a bound on
//! open connections, and SIGTERM/SIGINT ending the accepting.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::Semaphore;

/// What one connection and all of them together may take.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time for a client to send its request headers; the connection is closed after.
    pub header_timeout: Duration,
    /// Open connections at once; further clients wait in the listen backlog.
    pub max_connections: usize,
}

/// Serves `app` on every connection `listener` accepts until SIGTERM or SIGINT; then
/// stops accepting and hands back the connections still open, for the caller to drain.
/// `on_header_timeout` is told of each connection closed for its slow headers.
pub async fn serve_until_signal(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    label: &'static str,
    on_header_timeout: Arc<dyn Fn() + Send + Sync>,
) -> anyhow::Result<GracefulShutdown> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut terminate = signal(SignalKind::terminate()).context("watching SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("watching SIGINT")?;
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit.context("the connection bound")?,
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    eprintln!("certpress {label}: accepting a connection: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        };
        let _ = stream.set_nodelay(true);
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let watched = graceful.watch(connection);
        let on_header_timeout = Arc::clone(&on_header_timeout);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(err) = watched.await {
                if err.is_timeout() {
                    on_header_timeout();
                }
                // Other connection errors are the client's (it went away mid-request).
            }
        });
    }
    drop(listener);
    Ok(graceful)
}

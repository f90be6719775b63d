//! `certpress serve`: the HTTP service that issuing systems (Java, Python, anything that
//! speaks HTTP) call instead of linking a Rust library.
//!
//! A thin shell over the library's front door, part of the binary and not of the library
//! (its crates stay out of a library-only build):
//! - [`catalog`]: every spec under the specs folder, prepared once at start;
//! - [`routes`]: the endpoints and the OpenAPI description generated from them;
//! - [`admission`]: the bounded render pool and queue (503 with `Retry-After` beyond);
//! - [`metrics`]: Prometheus text;
//! - [`problem`]: the CLI's JSON error shape with an HTTP status.
//!
//! This module starts the service and drains it after SIGTERM/SIGINT (stop accepting,
//! finish what is in flight, exit 0); [`connections`] is the connection loop, which
//! `studio` shares.

mod admission;
mod catalog;
pub mod connections;
mod metrics;
mod problem;
mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use certpress::TemplateOptions;

/// What the service allows one request and all of them together. Each is a `serve` flag.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Renders at once (the render pool): one core each.
    pub workers: usize,
    /// Requests that may wait for a worker; beyond, 503 with `Retry-After`.
    pub queue: usize,
    /// The largest record body, in bytes (413 beyond).
    pub max_body: usize,
    /// Time for a client to send its request headers; the connection is closed after.
    pub header_timeout: Duration,
    /// Time for a request's body to arrive (408 after) and, separately, for it to wait
    /// for a worker (503 after).
    pub request_timeout: Duration,
    /// Time given to in-flight requests after SIGTERM.
    pub drain_timeout: Duration,
    /// Open connections at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// The highest PNG resolution a request may ask for (memory grows with its square).
    pub max_dpi: f64,
}

/// Everything the handlers share.
pub struct Service {
    catalog: catalog::Catalog,
    admission: admission::Admission,
    metrics: metrics::Metrics,
    limits: Limits,
    /// Set on SIGTERM: `/readyz` says 503 so that a load balancer stops sending.
    draining: AtomicBool,
}

/// How to start the service.
pub struct Config {
    /// The specs folder: `DIR/<name>/*.ron`.
    pub specs: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The limits.
    pub limits: Limits,
    /// Fonts and asset folders for every spec.
    pub template: TemplateOptions,
    /// Key and certificate files (PEM) that sign licences on request (`sign=true`): an SM2
    /// key seals OFDs, an ECDSA P-256 or RSA key signs PDFs. Read at start, never logged.
    pub keys: Vec<(PathBuf, PathBuf)>,
    /// A seal a seal system issued (`.esl`) that seals OFDs, as `render --seal` does.
    pub seal: Option<PathBuf>,
    /// A time-stamping authority's URL, as `render --tsa`.
    pub tsa: Option<String>,
    /// The PKCS#11 module of token keys, as `render --pkcs11-module`.
    pub pkcs11_module: Option<PathBuf>,
}

/// Loads the specs, listens and serves until SIGTERM or SIGINT, then drains. Errors only
/// when it cannot start (the specs folder unreadable, the address taken).
pub fn run(config: Config) -> anyhow::Result<()> {
    let seal = config
        .seal
        .as_deref()
        .map(certpress::sign::seal::Seal::load)
        .transpose()?;
    let tsa = config
        .tsa
        .as_deref()
        .map(certpress::sign::tsa::Tsa::new)
        .transpose()?;
    let catalog = catalog::Catalog::load(
        &config.specs,
        &config.template,
        &config.keys,
        seal.as_ref(),
        tsa.as_ref(),
        config.pkcs11_module.as_deref(),
    )?;
    if catalog.served.is_empty() {
        eprintln!(
            "certpress serve: no spec loaded from {} (each spec is DIR/<name>/<file>.ron); /readyz answers 503",
            config.specs.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("certpress-serve")
        .build()
        .context("starting the async runtime")?;
    let service = Arc::new(Service {
        catalog,
        admission: admission::Admission::new(config.limits.workers, config.limits.queue),
        metrics: metrics::Metrics::default(),
        limits: config.limits,
        draining: AtomicBool::new(false),
    });
    runtime.block_on(serve(service, config.listen))
}

async fn serve(service: Arc<Service>, listen: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let limits = service.limits.clone();
    // The one line on stdout: scripts and tests read the port from it (--listen …:0).
    println!("certpress serve: listening on http://{address}");
    eprintln!(
        "certpress serve: {} spec(s); {} render workers, queue {}, body ≤ {} bytes, header timeout {} s, request timeout {} s",
        service.catalog.served.len(),
        limits.workers,
        limits.queue,
        limits.max_body,
        limits.header_timeout.as_secs_f64(),
        limits.request_timeout.as_secs_f64()
    );
    let app = routes::router(Arc::clone(&service));
    let counted = Arc::clone(&service);
    let graceful = connections::serve_until_signal(
        listener,
        app,
        connections::ConnectionLimits {
            header_timeout: limits.header_timeout,
            max_connections: limits.max_connections,
        },
        "serve",
        Arc::new(move || counted.metrics.header_timeout()),
    )
    .await?;
    service.draining.store(true, Ordering::SeqCst);
    eprintln!(
        "certpress serve: stopping: no new connections; draining {} render(s) in flight and {} waiting",
        service.admission.running(),
        service.admission.waiting()
    );
    tokio::select! {
        () = graceful.shutdown() => {
            eprintln!("certpress serve: drained; bye");
            Ok(())
        }
        () = tokio::time::sleep(limits.drain_timeout) => {
            anyhow::bail!(
                "gave up draining after {} s (--drain-timeout) with requests still open",
                limits.drain_timeout.as_secs_f64()
            )
        }
    }
}

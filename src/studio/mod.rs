//! `certpress studio`: the spec and the licence side by side in a browser, for the spec's
//! author, the print shop and QA.
//!
//! One page served by the same stack as `serve` (its connection loop, axum): the licence
//! rendered at the resolution the page's zoom needs, every element's spec box, tolerance
//! band, id and kind drawn over it with its line in the spec file; toggles for the pass,
//! each plate, the UV view and the overlay; a record form generated from the spec's
//! fields; lint's warnings placed on the sheet; a dropped scan checked. The spec file is
//! watched: an edit re-renders, a broken edit shows its error and keeps the last good
//! picture.
//!
//! - [`state`]: the watched spec and record, the pictures made from them;
//! - [`routes`]: the page, its script and style (built in: nothing from another host),
//!   and the JSON and pictures the page asks for.
//!
//! It listens on loopback unless told otherwise; it has no authentication.

mod routes;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use certpress::TemplateOptions;

use crate::serve::connections::{serve_until_signal, ConnectionLimits};

/// How the studio starts.
pub struct Config {
    pub spec: PathBuf,
    pub data: Option<PathBuf>,
    pub listen: SocketAddr,
    pub template: TemplateOptions,
}

/// Serves the studio until SIGTERM or SIGINT.
pub fn run(config: Config) -> anyhow::Result<()> {
    if !config.spec.is_file() {
        anyhow::bail!("{}: no such spec file", config.spec.display());
    }
    let studio = Arc::new(state::Studio::new(
        config.spec,
        config.data,
        config.template,
    ));
    if let Some(problem) = &studio.current().spec_problem {
        eprintln!(
            "certpress studio: the spec does not load yet: {}",
            problem.report.message
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (studio, stop) = (Arc::clone(&studio), Arc::clone(&stop));
        std::thread::Builder::new()
            .name("certpress-studio-watch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(state::POLL);
                    if studio.poll() {
                        eprintln!("certpress studio: reloaded");
                    }
                }
            })
            .context("starting the file watcher")?
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("certpress-studio")
        .build()
        .context("starting the async runtime")?;
    let served = runtime.block_on(serve(studio, config.listen));
    stop.store(true, Ordering::Relaxed);
    let _ = watcher.join();
    served
}

async fn serve(studio: Arc<state::Studio>, listen: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    // The one line on stdout: scripts and tests read the address from it.
    println!("certpress studio: http://{address}/");
    if !address.ip().is_loopback() {
        eprintln!(
            "warning: certpress studio listens on {address}, beyond this machine, and has no authentication: anyone who reaches it sees the spec and the record, and can drop files on it"
        );
    }
    let graceful = serve_until_signal(
        listener,
        routes::router(studio),
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            max_connections: 64,
        },
        "studio",
        Arc::new(|| {}),
    )
    .await?;
    // The page keeps no request open for long: give those in flight a moment.
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(5)) => {}
    }
    eprintln!("certpress studio: stopped");
    Ok(())
}

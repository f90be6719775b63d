//! `certpress serve`: the service started from its command line.

use std::path::PathBuf;

use anyhow::bail;

use certpress::TemplateOptions;

use super::options::{AuthorityArgs, FontArgs, SigningArgs};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The specs folder: each spec is `DIR/<name>/<file>.ron` and serves as `<name>`.
    #[arg(long, value_name = "DIR")]
    pub specs: PathBuf,
    /// The address to listen on. Port 0 picks a free one (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Renders at once. Default: every core.
    #[arg(long)]
    pub workers: Option<usize>,
    /// Requests that may wait for a render worker; beyond, 503 with Retry-After.
    #[arg(long, default_value_t = 64)]
    pub queue: usize,
    /// The largest record body in bytes; beyond, 413.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_body: usize,
    /// Seconds for a client to send its request headers before the connection is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub header_timeout: f64,
    /// Seconds for a request body to arrive (408 after), and for a request to wait for a
    /// render worker (503 after).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub request_timeout: f64,
    /// Seconds given to requests in flight after SIGTERM before the service gives up on
    /// them (exit status 2).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub drain_timeout: f64,
    /// Open connections at once; more clients wait to be accepted.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// The highest PNG resolution a request may ask for.
    #[arg(long, default_value_t = 600.0)]
    pub max_dpi: f64,
    /// Keys that sign licences on request (`sign=true`): each PKCS#8 key (PEM) with its
    /// certificate (--sign-cert), in the same order; an SM2 key seals OFDs, an ECDSA P-256
    /// or RSA key signs PDFs. Read at start, never logged. The signing time is each
    /// request's (`sign_time=`, default now).
    #[arg(long = "sign-key", value_name = "KEY.pem")]
    pub keys: Vec<PathBuf>,
    /// The X.509 certificate (PEM) of each --sign-key.
    #[arg(long = "sign-cert", value_name = "CERT.pem")]
    pub certs: Vec<PathBuf>,
    #[command(flatten)]
    pub authority: AuthorityArgs,
    #[command(flatten)]
    pub fonts: FontArgs,
}

pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let seconds = |value: f64, flag: &str| {
        if value.is_finite() && value > 0.0 && value <= 86_400.0 {
            Ok(std::time::Duration::from_secs_f64(value))
        } else {
            Err(anyhow::anyhow!(
                "--{flag} {value}: give seconds above 0 (at most a day)"
            ))
        }
    };
    let workers = match args.workers {
        Some(0) => bail!("--workers 0: give at least one"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let limits = crate::serve::Limits {
        workers,
        queue: args.queue,
        max_body: args.max_body,
        header_timeout: seconds(args.header_timeout, "header-timeout")?,
        request_timeout: seconds(args.request_timeout, "request-timeout")?,
        drain_timeout: seconds(args.drain_timeout, "drain-timeout")?,
        max_connections: args.max_connections,
        max_dpi: args.max_dpi,
    };
    crate::serve::run(crate::serve::Config {
        specs: args.specs.clone(),
        listen: args.listen,
        limits,
        template: TemplateOptions {
            fonts: args.fonts.options()?,
            asset_dirs: args.fonts.asset_dirs.clone(),
        },
        keys: SigningArgs {
            keys: args.keys.clone(),
            certs: args.certs.clone(),
            time: None,
            authority: AuthorityArgs::default(),
        }
        .pairs()?,
        pkcs11_module: args.authority.pkcs11_module.clone(),
        tsa: args.authority.tsa.clone(),
        seal: args.authority.seal.clone(),
    })
}

//! The `certpress` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use certpress::fonts::FontOptions;
use certpress::output::write_atomic;
use certpress::production::Calibration;
use certpress::spec::{LoadedSpec, Pass, Passes};
use certpress::{pdf, raster, record, Licence, Template, TemplateOptions};

#[cfg(feature = "serve")]
mod serve;

/// Lays out and renders official certificates for print.
#[derive(Parser)]
#[command(name = "certpress", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Renders one record on a spec to PDF and/or PNG.
    Render(RenderArgs),
    /// Checks where every element lands against the spec: the layout's boxes, and the ink
    /// in a raster (ours at 300 dpi, or --image). Exit status 1 when anything is out of
    /// tolerance, 2 when the record is refused.
    Check(CheckArgs),
    /// Renders every record of a JSON Lines or CSV file into a folder, on every core. Exit
    /// status 1 when any record was refused (each is reported with its line).
    Batch(BatchArgs),
    /// Lints a spec: refuses what cannot render (exit 2, with file:line), and warns about
    /// what renders but is probably wrong: the notice's words the coordinates contradict,
    /// overlapping texts, texts off the sheet, type under 6 pt, fields never printed.
    /// Exit status 0 (warnings or not), 1 with --strict when there are warnings.
    Lint(LintArgs),
    /// Lists the record keys a spec expects: kind, whether required, the longest value.
    Fields(FieldsArgs),
    /// Writes a record skeleton for a spec (JSON, every field with a placeholder of its
    /// kind) for an integrator to fill.
    Sample(SampleArgs),
    /// Compares two renderings pixel by pixel and says where they differ, in mm. Exit
    /// status 1 beyond the tolerance.
    Diff(DiffArgs),
    /// Checks a signed PDF (PAdES) or OFD (GB/T 38540 seal): every digest, the signature,
    /// the certificate's validity at the signing time. Exit status 0 when intact, 1 when
    /// anything was changed (the report says which part), 2 when the file cannot be read.
    Verify(VerifyArgs),
    /// Calibrates the office printer for 套打: `--sheet OUT.pdf|OUT.png` writes the
    /// calibration sheet (the print pass of nine marks); `--scan SCAN --out CAL.ron`
    /// measures a scan of it printed onto a blank and writes the calibration file
    /// `render --calibration` reads.
    Calibrate(CalibrateArgs),
    /// Makes and shows electronic seals (GB/T 38540 `SESeal`, `.esl`) as a seal system
    /// (制章系统) issues them: `seal make` signs one with the maker's SM2 key, `seal show`
    /// prints one and checks its maker's signature (exit 0 holds, 1 not, 2 unreadable).
    Seal(SealArgs),
    /// Serves every spec under a folder over HTTP, for issuing systems: POST a record as
    /// JSON, get the PDF, PNG, OFD or landing page back (the same bytes as `render`), or
    /// the conformance report. Describes itself at /openapi.json; /healthz, /readyz and
    /// /metrics (Prometheus) for operations. SIGTERM drains and exits 0.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
}

#[cfg(feature = "serve")]
#[derive(clap::Args)]
struct ServeArgs {
    /// The specs folder: each spec is `DIR/<name>/<file>.ron` and serves as `<name>`.
    #[arg(long, value_name = "DIR")]
    specs: PathBuf,
    /// The address to listen on. Port 0 picks a free one (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Renders at once. Default: every core.
    #[arg(long)]
    workers: Option<usize>,
    /// Requests that may wait for a render worker; beyond, 503 with Retry-After.
    #[arg(long, default_value_t = 64)]
    queue: usize,
    /// The largest record body in bytes; beyond, 413.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_body: usize,
    /// Seconds for a client to send its request headers before the connection is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    header_timeout: f64,
    /// Seconds for a request body to arrive (408 after), and for a request to wait for a
    /// render worker (503 after).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    request_timeout: f64,
    /// Seconds given to requests in flight after SIGTERM before the service gives up on
    /// them (exit status 2).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    drain_timeout: f64,
    /// Open connections at once; more clients wait to be accepted.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// The highest PNG resolution a request may ask for.
    #[arg(long, default_value_t = 600.0)]
    max_dpi: f64,
    /// Keys that sign licences on request (`sign=true`): each PKCS#8 key (PEM) with its
    /// certificate (--sign-cert), in the same order; an SM2 key seals OFDs, an ECDSA P-256
    /// or RSA key signs PDFs. Read at start, never logged. The signing time is each
    /// request's (`sign_time=`, default now).
    #[arg(long = "sign-key", value_name = "KEY.pem")]
    keys: Vec<PathBuf>,
    /// The X.509 certificate (PEM) of each --sign-key.
    #[arg(long = "sign-cert", value_name = "CERT.pem")]
    certs: Vec<PathBuf>,
    #[command(flatten)]
    authority: AuthorityArgs,
    #[command(flatten)]
    fonts: FontArgs,
}

#[cfg(feature = "serve")]
fn serve(args: &ServeArgs) -> anyhow::Result<()> {
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
    let limits = serve::Limits {
        workers,
        queue: args.queue,
        max_body: args.max_body,
        header_timeout: seconds(args.header_timeout, "header-timeout")?,
        request_timeout: seconds(args.request_timeout, "request-timeout")?,
        drain_timeout: seconds(args.drain_timeout, "drain-timeout")?,
        max_connections: args.max_connections,
        max_dpi: args.max_dpi,
    };
    serve::run(serve::Config {
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

#[derive(clap::Args)]
struct SealArgs {
    #[command(subcommand)]
    command: SealCommand,
}

#[derive(clap::Subcommand)]
enum SealCommand {
    /// Makes a seal: its information signed by the maker's SM2 key (for authorities trying
    /// certpress, and for tests; a past validity is allowed).
    Make(SealMakeArgs),
    /// Shows a seal and checks its maker's signature.
    Show(SealShowArgs),
}

#[derive(clap::Args)]
struct SealMakeArgs {
    /// The maker's (制章者) SM2 key, PKCS#8 PEM; read, used, never printed.
    #[arg(long, value_name = "KEY.pem")]
    maker_key: PathBuf,
    /// The maker's certificate (PEM).
    #[arg(long, value_name = "CERT.pem")]
    maker_cert: PathBuf,
    /// The seal's picture: PNG or JPEG, or SVG (rasterised at 600 dpi in seal red).
    #[arg(long, value_name = "FILE")]
    picture: PathBuf,
    /// The seal's name (印章名称).
    #[arg(long)]
    name: String,
    /// The seal's ID (esID) in the seal system.
    #[arg(long)]
    esid: String,
    /// First day of validity, YYYY-MM-DD (UTC+8).
    #[arg(long)]
    valid_from: String,
    /// Last day of validity, YYYY-MM-DD (UTC+8).
    #[arg(long)]
    valid_to: String,
    /// The certificate (PEM) of a signer the seal authorises; once or more.
    #[arg(long = "signer-cert", value_name = "CERT.pem", required = true)]
    signer_certs: Vec<PathBuf>,
    /// The picture's size on the sheet, mm.
    #[arg(long, default_value_t = 42)]
    size_mm: u32,
    /// 1: an organisation's seal (单位印章); 2: a person's.
    #[arg(long, default_value_t = 1)]
    kind: u32,
    /// Where to write the seal.
    #[arg(long, value_name = "SEAL.esl")]
    out: PathBuf,
}

#[derive(clap::Args)]
struct SealShowArgs {
    /// The seal file.
    file: PathBuf,
    /// Prints it as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct CalibrateArgs {
    /// The spec (RON); it must name a registration frame.
    spec: PathBuf,
    /// Writes the calibration sheet here (PDF or PNG, by the extension).
    #[arg(long, value_name = "OUT.pdf|OUT.png", conflicts_with_all = ["scan", "out"])]
    sheet: Option<PathBuf>,
    /// The scan of the calibration sheet printed onto a blank (PNG or JPEG).
    #[arg(long, requires = "out")]
    scan: Option<PathBuf>,
    /// Writes the calibration file here.
    #[arg(long, value_name = "CAL.ron")]
    out: Option<PathBuf>,
    /// The scan's resolution, when the file does not record it.
    #[arg(long)]
    dpi: Option<f64>,
    #[command(flatten)]
    fonts: FontArgs,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The signed file: a PDF or an OFD.
    file: PathBuf,
    /// The SM2 signer ID an OFD seal was signed with.
    #[arg(long, default_value = certpress::sign::keys::DEFAULT_SM2_ID)]
    sm2_id: String,
    /// A root certificate (PEM, one or more; or DER) to judge trust against: the report
    /// then says whether the signer's certificate chains to it. Without it, trust is not
    /// judged (an intact file is not thereby trusted).
    #[arg(long = "trust", value_name = "ROOT.pem")]
    trust: Vec<PathBuf>,
    /// Prints the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The keys a run signs with.
#[derive(clap::Args)]
struct SigningArgs {
    /// A PKCS#8 private key (PEM) to sign with, each with its certificate (--sign-cert),
    /// in the same order: an SM2 key seals the OFD (GB/T 38540), an ECDSA P-256 or RSA key
    /// signs the PDF (PAdES). Once or twice. The key is read and used, never printed or
    /// written.
    #[arg(long = "sign-key", value_name = "KEY.pem")]
    keys: Vec<PathBuf>,
    /// The X.509 certificate (PEM) of each --sign-key.
    #[arg(long = "sign-cert", value_name = "CERT.pem")]
    certs: Vec<PathBuf>,
    /// The signing time, `YYYY-MM-DDTHH:MM:SS` with `Z` or an offset (`+08:00`). Default:
    /// now. Fixed, the same input signs to the same bytes (tests, re-issue).
    #[arg(long = "sign-time", value_name = "TIME")]
    time: Option<String>,
    #[command(flatten)]
    authority: AuthorityArgs,
}

/// How an authority holds its seal, its keys and its time: shared by `render`, `batch`
/// and `serve`.
#[derive(clap::Args, Default)]
struct AuthorityArgs {
    /// A seal a seal system issued (GB/T 38540 SESeal, `.esl`), which seals the OFD as it
    /// is, its picture the stamp; the SM2 key must be one it authorises. Without it, the
    /// seal is made here from the spec's seal artwork, the signer its own maker.
    #[arg(long = "seal", value_name = "SEAL.esl")]
    seal: Option<PathBuf>,
    /// A time-stamping authority (RFC 3161, `http://…`) that stamps every signature: the
    /// PDF's becomes PAdES B-T, the OFD's seal carries the token. A TSA that does not
    /// answer, or answers a token that does not check, is an error and nothing is written.
    #[arg(long = "tsa", value_name = "URL")]
    tsa: Option<String>,
    /// The PKCS#11 module (a shared library) of a token holding a key given as
    /// `--sign-key 'pkcs11:token=NAME;object=LABEL'`; the PIN comes from
    /// CERTPRESS_PKCS11_PIN, never an argument.
    #[arg(long = "pkcs11-module", value_name = "PATH")]
    pkcs11_module: Option<PathBuf>,
}

impl SigningArgs {
    /// Each key with its certificate, as given.
    fn pairs(&self) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
        if self.keys.len() != self.certs.len() {
            bail!("give each --sign-key its --sign-cert, in the same order ({} keys, {} certificates)", self.keys.len(), self.certs.len());
        }
        Ok(self
            .keys
            .iter()
            .cloned()
            .zip(self.certs.iter().cloned())
            .collect())
    }

    /// The keys, loaded and checked once; none without --sign-key.
    fn signing(
        &self,
        sm2_id: &str,
        pdf: bool,
        ofd: bool,
    ) -> anyhow::Result<Option<certpress::sign::Signing>> {
        use certpress::sign::{time, Signer, Signing};
        if self.keys.is_empty() && self.certs.is_empty() {
            if self.time.is_some() {
                bail!("--sign-time without --sign-key: nothing is signed");
            }
            if self.authority.seal.is_some() {
                bail!("--seal without --sign-key: the seal needs the SM2 key it authorises");
            }
            if self.authority.tsa.is_some() {
                bail!("--tsa without --sign-key: nothing is signed to stamp");
            }
            return Ok(None);
        }
        let when = match &self.time {
            Some(text) => time::parse(text)?,
            None => time::now(),
        };
        let signers = self
            .pairs()?
            .iter()
            .map(|(key, cert)| {
                Signer::load_any(key, cert, sm2_id, self.authority.pkcs11_module.as_deref())
            })
            .collect::<certpress::Result<Vec<_>>>()?;
        let mut signing = Signing::new(signers, when)?;
        signing.check_outputs(pdf, ofd)?;
        if let Some(url) = &self.authority.tsa {
            signing.tsa = Some(certpress::sign::tsa::Tsa::new(url)?);
        }
        match &self.authority.seal {
            Some(path) => {
                signing = signing.with_issued_seal(certpress::sign::seal::Seal::load(path)?)?;
            }
            None if ofd && signing.seal.is_some() => eprintln!(
                "note: the OFD's seal is made here from the spec's seal artwork, the signer its own maker; give --seal SEAL.esl to seal with one a seal system issued"
            ),
            None => {}
        }
        Ok(Some(signing))
    }
}

#[derive(clap::Args)]
struct BatchArgs {
    /// The spec (RON).
    spec: PathBuf,
    /// The records: `.jsonl` (one JSON object per line) or `.csv` (a header row of keys;
    /// list items separated by `|`).
    #[arg(long)]
    data: PathBuf,
    /// The folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Worker threads. Default: every core.
    #[arg(long)]
    jobs: Option<usize>,
    /// Also writes a PNG per record.
    #[arg(long)]
    png: bool,
    /// Also writes the electronic licence (OFD) per record, for the 电子证照库; with
    /// --pdf-standard a-3b each PDF carries it too.
    #[arg(long)]
    ofd: bool,
    /// The OFDs' colours: `proof` (RGB, default) or `cmyk`.
    #[arg(long, value_enum, default_value = "proof")]
    ofd_colour: certpress::OfdColour,
    /// Also writes the QR code's landing page (HTML) per record.
    #[arg(long)]
    page: bool,
    /// Resolution of the PNGs.
    #[arg(long, default_value_t = 300.0)]
    dpi: f64,
    /// The record key that names each file. Default: licence_number, else credit_code,
    /// when the spec requires one; else the line number.
    #[arg(long)]
    name_key: Option<String>,
    /// Re-renders every licence. By default a licence whose files exist and were made
    /// from the same record, spec, fonts, options and keys is skipped, and any other is
    /// rendered again.
    #[arg(long)]
    force: bool,
    /// Refuses a licence whose record changed since its files were written unless its
    /// version (the spec's version field, Liuzhou: licence_version) was raised.
    #[arg(long)]
    require_new_version: bool,
    /// Renders only share I of N (0-based): the records at positions I, I + N, … of the
    /// file. The shards' files together are the whole batch's; each lists its refused
    /// records in `errors-I-of-N.jsonl`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// With no --shard: N shares, this one given by `JOB_COMPLETION_INDEX` (as a
    /// Kubernetes Indexed Job sets it).
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    shards: Option<usize>,
    /// Which production pass to output.
    #[arg(long, value_enum, default_value_t = Passes::All)]
    pass: Passes,
    #[command(flatten)]
    standard: PdfStandardArgs,
    #[command(flatten)]
    signing: SigningArgs,
    #[command(flatten)]
    calibration: CalibrationArgs,
    #[command(flatten)]
    fonts: FontArgs,
}

impl BatchArgs {
    /// The share to render: `--shard I/N`, or `--shards N` with `JOB_COMPLETION_INDEX`.
    fn shard(&self) -> anyhow::Result<Option<certpress::batch::Shard>> {
        use certpress::batch::Shard;
        if let Some(text) = &self.shard {
            return Ok(Some(Shard::parse(text)?));
        }
        let Some(count) = self.shards else {
            return Ok(None);
        };
        let index = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
            anyhow::anyhow!("--shards {count} needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it), or give --shard I/N")
        })?;
        let index = index
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("JOB_COMPLETION_INDEX={index:?} is not a whole number"))?;
        Ok(Some(Shard::new(index, count)?))
    }
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The reference picture (PNG).
    a: PathBuf,
    /// The picture to compare with it (PNG, same size and resolution).
    b: PathBuf,
    /// Writes a difference picture here: A faded to grey, differing pixels in red.
    #[arg(long)]
    out: Option<PathBuf>,
    /// A pixel differs when a channel differs by more than this (0–255).
    #[arg(long, default_value_t = certpress::qa::diff::Tolerance::default().channel)]
    channel: u8,
    /// The pictures match when at most this share (0–1) of pixels differ.
    #[arg(long, default_value_t = certpress::qa::diff::Tolerance::default().share)]
    max_share: f64,
    /// Resolution of pictures that do not record it.
    #[arg(long)]
    dpi: Option<f64>,
    /// Prints the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The spec (RON).
    spec: PathBuf,
    /// The record: JSON (.json) or RON (.ron).
    #[arg(long)]
    data: PathBuf,
    /// Measures the ink in this capture of a printed sheet (a scan or a phone photo: PNG,
    /// JPEG or TIFF, on any bed, under uneven light) instead of in our own 300 dpi
    /// rendering.
    #[arg(long)]
    image: Option<PathBuf>,
    /// Resolution of --image, over what its file records. A photo needs none: the frame
    /// gives it.
    #[arg(long)]
    dpi: Option<f64>,
    /// Writes a picture of the result: the sheet as measured, each element's box,
    /// tolerance band and ink, green where it passes and red where it fails.
    #[arg(long, value_name = "OUT.png")]
    overlay: Option<PathBuf>,
    /// Checks only the elements of one pass (for an image of that pass).
    #[arg(long, value_enum, default_value_t = Passes::All)]
    pass: Passes,
    /// A pixel darker than this luma (0–255) is ink.
    #[arg(long, default_value_t = certpress::qa::ink::DEFAULT_THRESHOLD)]
    threshold: u8,
    /// Prints the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    fonts: FontArgs,
}

/// Options shared by the commands that load a spec's fonts.
#[derive(clap::Args)]
struct FontArgs {
    /// Adds a font file in front of a family's chain: `--font 大标宋=/path/FZDBSJW.TTF`.
    #[arg(long = "font", value_name = "FAMILY=PATH")]
    fonts: Vec<String>,
    /// Another folder to look for the spec's font files in.
    #[arg(long = "font-dir", value_name = "DIR")]
    font_dirs: Vec<PathBuf>,
    /// A folder outside the spec's that its artwork may come from (assets are otherwise
    /// confined to the spec's folder).
    #[arg(long = "asset-dir", value_name = "DIR")]
    asset_dirs: Vec<PathBuf>,
}

impl FontArgs {
    /// The spec at `path`, prepared with these fonts and asset folders.
    fn template(&self, path: &std::path::Path) -> anyhow::Result<Template> {
        let options = TemplateOptions {
            fonts: self.options()?,
            asset_dirs: self.asset_dirs.clone(),
        };
        Ok(Template::load_with(path, &options)?)
    }

    fn options(&self) -> anyhow::Result<FontOptions> {
        let mut extra_faces = Vec::new();
        for font in &self.fonts {
            let Some((family, path)) = font.split_once('=') else {
                bail!("--font {font:?}: write FAMILY=PATH, e.g. --font 大标宋=FZDBSJW.TTF");
            };
            extra_faces.push((family.to_owned(), PathBuf::from(path)));
        }
        Ok(FontOptions {
            dirs: self.font_dirs.clone(),
            extra_faces,
        })
    }
}

/// How a PDF is written: its standard and date.
#[derive(clap::Args)]
struct PdfStandardArgs {
    /// The standard the PDF is written to.
    #[arg(long = "pdf-standard", value_enum, default_value_t = pdf::PdfStandard::Plain)]
    standard: pdf::PdfStandard,
    /// The PDF's creation date (YYYY-MM-DD), which PDF/X-4 and PDF/A-3b require. Default:
    /// the licence's issue date (the spec's `electronic` metadata).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
}

impl PdfStandardArgs {
    fn options(&self, pass: Option<Pass>, calibration: certpress::Calibration) -> pdf::PdfOptions {
        pdf::PdfOptions {
            pass,
            calibration,
            standard: self.standard,
            date: self.date.clone(),
            ..Default::default()
        }
    }
}

#[derive(clap::Args)]
struct RenderArgs {
    /// The spec (RON).
    spec: PathBuf,
    /// The record: JSON (.json) or RON (.ron).
    #[arg(long)]
    data: PathBuf,
    /// Writes the PDF here.
    #[arg(long)]
    pdf: Option<PathBuf>,
    /// Writes a PNG here.
    #[arg(long)]
    png: Option<PathBuf>,
    /// Writes the electronic licence here: an OFD package (GB/T 33190) with the licence's
    /// metadata, the composite daylight view.
    #[arg(long)]
    ofd: Option<PathBuf>,
    /// The OFD's colours: `proof` (the daylight proof in RGB, which every reader shows
    /// right) or `cmyk` (the spec's CMYK in a CMYK colour space, for readers that honour it).
    #[arg(long, value_enum, default_value = "proof")]
    ofd_colour: certpress::OfdColour,
    /// Writes the QR code's landing page here: one self-contained HTML file (the spec's
    /// `landing_page`), for the bureau to host.
    #[arg(long, value_name = "OUT.html")]
    page: Option<PathBuf>,
    /// Writes the landing page's approval pictures into this folder, given relative to the
    /// page's folder (e.g. approvals), and has the page refer to them by that relative
    /// path instead of inlining them: for many or large pictures.
    #[arg(long, value_name = "DIR", requires = "page")]
    page_assets: Option<PathBuf>,
    /// PNG resolution.
    #[arg(long, default_value_t = 300.0)]
    dpi: f64,
    /// Which production pass to output.
    #[arg(long, value_enum, default_value_t = Passes::All)]
    pass: Passes,
    /// What the PNG shows: the daylight proof, or the sheet under a UV lamp.
    #[arg(long, value_enum, default_value_t = certpress::Light::Proof)]
    view: certpress::Light,
    #[command(flatten)]
    standard: PdfStandardArgs,
    #[command(flatten)]
    signing: SigningArgs,
    /// Also writes one 8-bit grey PNG per plate (C, M, Y, K and each spot ink) into this
    /// folder: `plate-C.png` … `plate-<SpotName>.png`.
    #[arg(long, value_name = "DIR")]
    plates: Option<PathBuf>,
    #[command(flatten)]
    calibration: CalibrationArgs,
    #[command(flatten)]
    fonts: FontArgs,
    /// On failure, prints the error as JSON on stdout (`code`, `field`, `message`) for
    /// issuing systems; stderr keeps the human-readable text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct FieldsArgs {
    /// The spec (RON).
    spec: PathBuf,
    /// Prints JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct SampleArgs {
    /// The spec (RON).
    spec: PathBuf,
    /// Writes the skeleton here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct LintArgs {
    /// The spec (RON).
    spec: PathBuf,
    /// The record to lay out for the layout checks. Default: `sample.json` beside the
    /// spec, when there is one.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Warnings make the exit status 1.
    #[arg(long)]
    strict: bool,
    /// Prints the findings (or the error) as JSON on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    fonts: FontArgs,
}

/// The office printer's registration, for `--pass print` onto pre-printed blanks.
#[derive(clap::Args)]
struct CalibrationArgs {
    /// A calibration file (RON): `(offset_x: 0.8, offset_y: -0.5, scale: 1.0)`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["offset_x", "offset_y", "scale"])]
    calibration: Option<PathBuf>,
    /// Shifts the print pass right by this many mm (negative: left).
    #[arg(long, value_name = "MM", allow_hyphen_values = true)]
    offset_x: Option<f64>,
    /// Shifts the print pass down by this many mm (negative: up).
    #[arg(long, value_name = "MM", allow_hyphen_values = true)]
    offset_y: Option<f64>,
    /// Scales the print pass about the sheet's top-left corner.
    #[arg(long)]
    scale: Option<f64>,
}

impl CalibrationArgs {
    /// The calibration for `pass`, refused as the library refuses it (range, print pass
    /// only) before anything is loaded.
    fn calibration(&self, pass: Passes) -> anyhow::Result<Calibration> {
        let calibration = match &self.calibration {
            Some(path) => Calibration::load(path)?,
            None => Calibration::from_parts(self.offset_x, self.offset_y, self.scale),
        };
        certpress::production::check_registration(calibration, pass.filter())?;
        Ok(calibration)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json_errors = match &cli.command {
        Command::Render(args) => args.json,
        Command::Check(args) => args.json,
        Command::Lint(args) => args.json,
        Command::Fields(args) => args.json,
        Command::Verify(args) => args.json,
        Command::Diff(_) | Command::Batch(_) | Command::Sample(_) | Command::Calibrate(_) => false,
        Command::Seal(args) => matches!(&args.command, SealCommand::Show(show) if show.json),
        #[cfg(feature = "serve")]
        Command::Serve(_) => false,
    };
    let result = match cli.command {
        Command::Render(args) => render(&args).map(|()| true),
        Command::Check(args) => check(&args),
        Command::Lint(args) => lint(&args),
        Command::Fields(args) => fields(&args).map(|()| true),
        Command::Sample(args) => sample(&args).map(|()| true),
        Command::Diff(args) => diff(&args),
        Command::Batch(args) => batch(&args),
        Command::Verify(args) => verify(&args),
        Command::Calibrate(args) => calibrate(&args).map(|()| true),
        Command::Seal(args) => seal(&args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve(&args).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
            if json_errors {
                println!("{}", error_json(&err));
            }
            ExitCode::from(2)
        }
    }
}

/// An error as issuing systems read it: `{"error": {"code", "field", "message"}}`.
fn error_json(err: &anyhow::Error) -> String {
    let mut report = match err.downcast_ref::<certpress::Error>() {
        Some(e) => e.report(),
        None => certpress::error::ErrorReport {
            code: "usage".to_owned(),
            field: None,
            message: String::new(),
        },
    };
    // The whole chain, with the context the command added.
    report.message = format!("{err:#}");
    serde_json::to_string_pretty(&serde_json::json!({ "error": report })).unwrap_or_default()
}

fn fields(args: &FieldsArgs) -> anyhow::Result<()> {
    let spec = LoadedSpec::load(&args.spec)?;
    let fields = &spec.spec.fields;
    if args.json {
        let list = record::field_list(&spec.spec);
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let width = fields.keys().map(|k| k.len()).max().unwrap_or(3).max(3);
    println!(
        "{:width$}  {:10}  {:8}  {:>9}  name",
        "key", "kind", "required", "max chars"
    );
    for (key, f) in fields {
        let kind = format!("{:?}", f.kind);
        let required = if f.required { "yes" } else { "no" };
        println!(
            "{key:width$}  {kind:10}  {required:8}  {:>9}  {}",
            f.max_chars, f.name
        );
    }
    Ok(())
}

fn sample(args: &SampleArgs) -> anyhow::Result<()> {
    let spec = LoadedSpec::load(&args.spec)?;
    let skeleton = record::skeleton(&spec.spec);
    let text = serde_json::to_string_pretty(&skeleton)? + "\n";
    match &args.out {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            eprintln!("wrote {} ({} fields)", path.display(), skeleton.len());
        }
        None => print!("{text}"),
    }
    Ok(())
}

fn lint(args: &LintArgs) -> anyhow::Result<bool> {
    let template = args.fonts.template(&args.spec)?;
    let spec = template.spec();
    let data = args.data.clone().or_else(|| {
        let sample = args.spec.parent()?.join("sample.json");
        sample.exists().then_some(sample)
    });
    let placements = match &data {
        Some(path) => {
            let record = record::Record::load(path)?;
            let licence = template
                .issue(&record)
                .with_context(|| format!("the spec's sample {} is refused", path.display()))?;
            Some(licence.into_layout().report)
        }
        None => None,
    };
    let warnings = certpress::qa::lint::lint(spec, placements.as_deref());
    let file = args.spec.display();
    if args.json {
        let value = serde_json::json!({
            "spec": file.to_string(),
            "laid_out": data.as_ref().map(|p| p.display().to_string()),
            "warnings": warnings,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    for w in &warnings {
        match w.line {
            Some(line) => eprintln!("warning: {file}:{line}: {}", w.message),
            None => eprintln!("warning: {file}: {}", w.message),
        }
    }
    let checked = match &data {
        Some(path) => format!("laid out with {}", path.display()),
        None => "no record to lay out (give --data for the layout checks)".to_owned(),
    };
    eprintln!("{file}: valid; {} warning(s); {checked}", warnings.len());
    Ok(!args.strict || warnings.is_empty())
}

fn render(args: &RenderArgs) -> anyhow::Result<()> {
    if [&args.pdf, &args.png, &args.plates, &args.ofd, &args.page]
        .iter()
        .all(|o| o.is_none())
    {
        bail!("nothing to write: give --pdf OUT.pdf, --png OUT.png, --ofd OUT.ofd, --page OUT.html, --plates DIR or several");
    }
    check_ofd_pass(args.ofd.is_some(), args.pass)?;
    let calibration = args.calibration.calibration(args.pass)?;
    let template = args.fonts.template(&args.spec)?;
    let record = record::Record::load(&args.data)?;
    let licence = template.issue(&record)?;
    report_stand_ins(&licence);
    // Everything is rendered before anything is written: a failure leaves no file.
    let pass = args.pass.filter();
    let raster_options = raster::RasterOptions {
        dpi: args.dpi,
        pass,
        view: args.view.into(),
        calibration,
    };
    let mut outputs: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let signing =
        args.signing
            .signing(template.signer_id(), args.pdf.is_some(), args.ofd.is_some())?;
    let seal = signing
        .as_ref()
        .and_then(|s| s.seal.as_ref().map(|k| (k, s.time)));
    let pades = signing
        .as_ref()
        .and_then(|s| s.pades.as_ref().map(|k| (k, s.time)));
    let ofd_options = certpress::OfdOptions {
        colour: args.ofd_colour,
        ..Default::default()
    };
    let ofd = match (&args.ofd, seal) {
        (Some(_), Some((signer, time))) => Some(licence.sealed_ofd_with(
            &ofd_options,
            signer,
            time,
            &signing.as_ref().map(|s| s.sealing()).unwrap_or_default(),
        )?),
        (Some(_), None) => Some(licence.ofd(&ofd_options)?),
        (None, _) => None,
    };
    if let Some(path) = &args.pdf {
        let mut options = args.standard.options(pass, calibration);
        if let (pdf::PdfStandard::A3b, Some(ofd)) = (options.standard, &ofd) {
            // The electronic licence written in the same run travels with the archive copy.
            options.attachments.push(pdf::Attachment::ofd(ofd.clone()));
        }
        let bytes = match pades {
            Some((signer, time)) => licence.signed_pdf_with(
                &options,
                signer,
                time,
                signing.as_ref().and_then(|s| s.tsa.as_ref()),
            )?,
            None => licence.pdf(&options)?,
        };
        outputs.push((path.clone(), bytes));
    }
    if let Some(path) = &args.png {
        outputs.push((path.clone(), licence.png(&raster_options)?));
    }
    if let (Some(path), Some(ofd)) = (&args.ofd, ofd) {
        outputs.push((path.clone(), ofd));
    }
    if let Some(path) = &args.page {
        let assets = match &args.page_assets {
            Some(dir) => Some(page_assets_folder(path, dir)?),
            None => None,
        };
        let files = licence.landing_page_with(&certpress::LandingOptions {
            assets: assets.as_ref().map(|(relative, _)| relative.clone()),
        })?;
        if let Some((_, dir)) = &assets {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, bytes) in files.assets {
                outputs.push((dir.join(name), bytes));
            }
        }
        outputs.push((path.clone(), files.html.into_bytes()));
    }
    if let Some(dir) = &args.plates {
        for plate in licence.plates(&raster_options)? {
            outputs.push((dir.join(plate.file_name), plate.png));
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for (path, bytes) in &outputs {
        write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}

/// The page's assets folder as the page refers to it (`approvals`, with `/` between
/// parts) and as files are written to it: `dir` is relative to the page's folder and stays
/// inside it, so the bureau's web server serves both from one place and the page never
/// points anywhere else.
fn page_assets_folder(
    page: &std::path::Path,
    dir: &std::path::Path,
) -> anyhow::Result<(String, PathBuf)> {
    let inside = !dir.as_os_str().is_empty()
        && dir
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside {
        bail!(
            "--page-assets {}: give a folder relative to the page's folder, inside it (e.g. approvals)",
            dir.display()
        );
    }
    let parts: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let base = page.parent().unwrap_or(std::path::Path::new(""));
    Ok((parts.join("/"), base.join(dir)))
}

/// Writes the calibration sheet, or measures its scan into a calibration file.
fn calibrate(args: &CalibrateArgs) -> anyhow::Result<()> {
    use certpress::qa::{calibrate, scan::Scan};
    let template = args.fonts.template(&args.spec)?;
    let spec = template.model();
    if let Some(path) = &args.sheet {
        let page = calibrate::sheet(spec)?;
        let bytes = match path.extension().and_then(|e| e.to_str()) {
            Some("pdf") => pdf::pdf(
                &page,
                template.fonts(),
                &pdf::PdfOptions {
                    title: Some(format!("{}: printer calibration sheet", spec.name)),
                    ..Default::default()
                },
            )?,
            Some("png") => {
                raster::render(&page, template.fonts(), &raster::RasterOptions::default())?
                    .encode_png()?
            }
            _ => bail!("--sheet: name the file .pdf or .png"),
        };
        write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}: print it onto a pre-printed blank with the office printer, scan it, then run calibrate --scan", path.display());
        return Ok(());
    }
    let (Some(scan), Some(out)) = (&args.scan, &args.out) else {
        bail!("give --sheet OUT.pdf to make the calibration sheet, or --scan SCAN --out CAL.ron to measure it");
    };
    let measured = calibrate::measure(Scan::load(scan, args.dpi)?, spec)?;
    let r = &measured.registration;
    println!(
        "scan registered on the frame: turned {:.3}°, scale {:.4} × {:.4}, residual {:.3} mm",
        r.rotation_deg,
        r.scale_x,
        r.scale_y,
        r.residual.get()
    );
    for (i, m) in measured.marks.iter().enumerate() {
        println!(
            "mark {}: placed {:.2}, {:.2} mm, landed {:.2}, {:.2} mm",
            i + 1,
            m.placed.x.get(),
            m.placed.y.get(),
            m.found.x.get(),
            m.found.y.get()
        );
    }
    let text = calibrate::calibration_file(&measured);
    print!("{text}");
    write_atomic(out, text.as_bytes()).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// The error and its causes, `: `-joined, each cause left out when the message before it
/// already ends with it (the library's I/O errors name their cause in their own message).
fn error_chain(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        if text.ends_with(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

/// Makes or shows a seal; `Ok(false)` when a shown seal's maker signature does not hold.
fn seal(args: &SealArgs) -> anyhow::Result<bool> {
    match &args.command {
        SealCommand::Make(make) => seal_make(make).map(|()| true),
        SealCommand::Show(show) => seal_show(show),
    }
}

/// Makes a seal and writes it.
fn seal_make(make: &SealMakeArgs) -> anyhow::Result<()> {
    use certpress::sign::{keys::DEFAULT_SM2_ID, seal, time, Signer};
    let maker = Signer::load(&make.maker_key, &make.maker_cert, DEFAULT_SM2_ID)?;
    let day = |text: &str, clock: &str| {
        time::parse(&format!("{text}T{clock}+08:00"))
            .with_context(|| format!("{text}: give a date as YYYY-MM-DD"))
    };
    let valid = (
        day(&make.valid_from, "00:00:00")?,
        day(&make.valid_to, "23:59:59")?,
    );
    if valid.1 < valid.0 {
        bail!(
            "--valid-to {} is before --valid-from {}",
            make.valid_to,
            make.valid_from
        );
    }
    let mut signers = Vec::new();
    for path in &make.signer_certs {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        for certificate in certpress::sign::certs::read_roots(&bytes)
            .map_err(|e| anyhow::anyhow!("--signer-cert {}: {e}", path.display()))?
        {
            use der::Encode;
            signers.push(certificate.to_der()?);
        }
    }
    let size = (make.size_mm, make.size_mm);
    let picture = seal::picture_file(&make.picture, size, [204, 0, 0])?;
    let der = seal::make_seal(
        &maker,
        &seal::SealSpec {
            name: make.name.clone(),
            es_id: make.esid.clone(),
            kind: make.kind,
            valid,
            picture,
            size_mm: size,
            signers,
        },
    )?;
    write_atomic(&make.out, &der).with_context(|| format!("writing {}", make.out.display()))?;
    eprintln!("wrote {} ({} bytes)", make.out.display(), der.len());
    Ok(())
}

/// Shows a seal; `Ok(false)` when its maker's signature does not hold.
fn seal_show(show: &SealShowArgs) -> anyhow::Result<bool> {
    use certpress::sign::seal;
    let seal = seal::Seal::load(&show.file)?;
    let p = &seal.parsed;
    let maker = seal.maker()?;
    let holds = seal.maker_signature_holds();
    let signers: Vec<String> = match p.cert_list_type {
        1 => p
            .cert_list
            .iter()
            .map(|c| {
                use der::Decode;
                x509_cert::Certificate::from_der(c).map_or_else(
                    |_| "(a certificate that cannot be read)".to_owned(),
                    |c| c.tbs_certificate.subject.to_string(),
                )
            })
            .collect(),
        _ => p
            .cert_list
            .iter()
            .zip(&p.digest_types)
            .map(|(d, kind)| format!("{kind} digest {}", certpress::reissue::hex(d)))
            .collect(),
    };
    if show.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "name": p.name,
                "es_id": p.es_id,
                "type": p.kind,
                "valid_from": p.valid.0.to_string(),
                "valid_to": p.valid.1.to_string(),
                "picture": { "type": p.picture.0, "bytes": p.picture.1.len(), "width_mm": p.picture.2, "height_mm": p.picture.3 },
                "maker": maker.tbs_certificate.subject.to_string(),
                "maker_signature_holds": holds,
                "signers": signers,
            }))?
        );
    } else {
        println!(
            "{}: electronic seal (GB/T 38540 SESeal v4)",
            show.file.display()
        );
        println!("name      {}", p.name);
        println!("ID        {}", p.es_id);
        println!(
            "type      {}",
            match p.kind {
                1 => "1 (organisation, 单位印章)",
                2 => "2 (person, 个人印章)",
                _ => "other",
            }
        );
        println!("valid     {} to {}", p.valid.0, p.valid.1);
        println!(
            "picture   {}, {} bytes, {} × {} mm",
            p.picture.0,
            p.picture.1.len(),
            p.picture.2,
            p.picture.3
        );
        println!("maker     {}", maker.tbs_certificate.subject);
        for signer in &signers {
            println!("signer    {signer}");
        }
        println!(
            "{}",
            if holds {
                "the maker's signature holds"
            } else {
                "the maker's signature does NOT hold: the seal was altered, or its maker is not who it says"
            }
        );
    }
    Ok(holds)
}

/// Verifies a signed file; `Ok(false)` when it was changed.
fn verify(args: &VerifyArgs) -> anyhow::Result<bool> {
    use certpress::sign::{certs, verify};
    let mut options = verify::VerifyOptions {
        sm2_id: args.sm2_id.clone(),
        ..Default::default()
    };
    for path in &args.trust {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        options.roots.extend(
            certs::read_roots(&bytes).map_err(|e| certpress::Error::Options {
                message: format!("--trust {}: {e}", path.display()),
            })?,
        );
    }
    let bytes = verify::read_file(&args.file)?;
    let report = verify::verify_with(&bytes, &options)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}: {}", args.file.display(), report.kind);
        println!("signed by {} at {}", report.signer, report.signed_at);
        for check in &report.checks {
            let mark = if check.ok { "ok  " } else { "FAIL" };
            match &check.detail {
                Some(detail) => println!("{mark} {}: {detail}", check.what),
                None => println!("{mark} {}", check.what),
            }
        }
        if let Some(stamp) = &report.timestamp {
            println!("time-stamped at {} by {}", stamp.time, stamp.tsa);
        }
        if let Some(seal) = &report.seal {
            println!(
                "seal `{}` ({}), made by {}{}, valid {} to {}",
                seal.name,
                seal.es_id,
                seal.maker,
                if seal.made_by_signer {
                    " (the signer itself)"
                } else {
                    ""
                },
                seal.valid.0,
                seal.valid.1
            );
        }
        for entry in &report.metadata {
            println!("     {}: {}", entry.name, entry.value);
        }
        println!(
            "{}",
            if report.intact() {
                "intact: nothing was changed after signing, and the certificate named is the one that signed"
            } else {
                "NOT INTACT: changed after signing, or the certificate named did not sign"
            }
        );
        println!("{}", report.trust);
    }
    Ok(report.intact() && report.trusted != Some(false))
}

/// The electronic licence is the whole sheet: no OFD of one production pass.
fn check_ofd_pass(ofd: bool, pass: Passes) -> anyhow::Result<()> {
    if ofd && pass.filter().is_some() {
        bail!("--ofd writes the electronic licence, which is the whole sheet: leave out --pass (or write the OFD in a run of its own)");
    }
    Ok(())
}

/// Runs a batch; `Ok(false)` when any record was refused.
fn batch(args: &BatchArgs) -> anyhow::Result<bool> {
    use certpress::batch::{self, BatchOptions};
    use std::io::IsTerminal;

    check_ofd_pass(args.ofd, args.pass)?;
    let calibration = args.calibration.calibration(args.pass)?;
    let shard = args.shard()?;
    let template = args.fonts.template(&args.spec)?;
    let signing = args
        .signing
        .signing(template.signer_id(), true, args.ofd)?
        .map(std::sync::Arc::new);
    let records = batch::read_records(&args.data, template.spec())?;
    let options = BatchOptions {
        out_dir: args.out.clone(),
        name_key: args.name_key.clone(),
        pdf: true,
        png_dpi: args.png.then_some(args.dpi),
        ofd: args.ofd,
        ofd_colour: args.ofd_colour,
        page: args.page,
        signing,
        pdf_options: args.standard.options(args.pass.filter(), calibration),
        force: args.force,
        require_new_version: args.require_new_version,
        jobs: args.jobs.unwrap_or(BatchOptions::default().jobs),
        shard,
    };
    let started = std::time::Instant::now();
    let total = records.len() as u64;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} licences  {per_sec}  eta {eta}",
            )
            .expect("a valid template"),
        );
        bar
    });
    let step = (total / 10).max(1) as usize;
    let progress = |done: usize, total: usize| match &bar {
        Some(bar) => bar.set_position(done as u64),
        None if done % step == 0 || done == total => eprintln!("progress: {done}/{total}"),
        None => {}
    };
    let report = batch::run(&template, records, &options, &progress)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if report.removed_temporaries > 0 {
        eprintln!(
            "removed {} temporary file(s) a stopped run left in {}",
            report.removed_temporaries,
            args.out.display()
        );
    }
    let data = args.data.display();
    for failure in report.failures() {
        // Messages about a record name it already; others get its place in the file.
        let place = format!("{data}:{}", failure.line);
        if failure.message.contains(&place) {
            eprintln!("error: {}", failure.message);
        } else {
            eprintln!("error: {place}: {}", failure.message);
        }
    }
    let failed = report.failures().count();
    eprintln!(
        "{} written, {} re-rendered (changed), {} skipped (identical; --force re-renders), {failed} refused{} in {:.2} s",
        report.written(),
        report.rerendered(),
        report.skipped(),
        match &report.errors_file {
            Some(path) => format!(" (listed in {})", path.display()),
            None => String::new(),
        },
        started.elapsed().as_secs_f64()
    );
    Ok(failed == 0)
}

/// Compares two pictures; `Ok(false)` beyond the tolerance.
fn diff(args: &DiffArgs) -> anyhow::Result<bool> {
    use certpress::qa::{diff, image::Picture};

    let a = Picture::load_png(&args.a, args.dpi)?;
    let b = Picture::load_png(&args.b, args.dpi)?;
    let tolerance = diff::Tolerance {
        channel: args.channel,
        share: args.max_share,
    };
    let difference = diff::compare(&a, &b, tolerance)?;
    if let Some(out) = &args.out {
        let bytes = difference.image(&a).encode_png()?;
        write_atomic(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&difference)?);
    } else {
        println!(
            "{} of {} pixels differ ({:.4} %), largest channel difference {}; {}",
            difference.differing,
            difference.total,
            difference.share() * 100.0,
            difference.max_channel_delta,
            if difference.within_tolerance {
                "within tolerance"
            } else {
                "BEYOND TOLERANCE"
            }
        );
        const SHOWN: usize = 20;
        for region in difference.regions.iter().take(SHOWN) {
            let r = region.area;
            println!(
                "  x {:.1}–{:.1} mm, y {:.1}–{:.1} mm ({:.1} × {:.1} mm): {} pixels",
                r.left().0,
                r.right().0,
                r.top().0,
                r.bottom().0,
                r.width().0,
                r.height().0,
                region.pixels
            );
        }
        if difference.regions.len() > SHOWN {
            println!("  … and {} more regions", difference.regions.len() - SHOWN);
        }
    }
    Ok(difference.within_tolerance)
}

/// One note per stand-in face, naming the elements it sets.
fn report_stand_ins(licence: &Licence) {
    for stand_in in licence.stand_ins() {
        eprintln!(
            "note: stand-in face {} sets {}",
            stand_in.face,
            stand_in.elements.join(", ")
        );
    }
}

/// Runs the conformance check; `Ok(false)` when anything is out of tolerance.
fn check(args: &CheckArgs) -> anyhow::Result<bool> {
    use certpress::qa::check::CheckOptions;
    use certpress::qa::scan::Scan;

    let template = args.fonts.template(&args.spec)?;
    let record = record::Record::load(&args.data)?;
    let licence = template.issue(&record)?;
    let tolerance = template.model().tolerance;
    let capture = args
        .image
        .as_ref()
        .map(|path| Scan::load(path, args.dpi))
        .transpose()?;
    let report = licence.check(
        capture,
        CheckOptions {
            pass: args.pass.filter(),
            threshold: args.threshold,
        },
    )?;
    if let Some(path) = &args.overlay {
        let png = licence.check_overlay(&report)?;
        write_atomic(path, &png).with_context(|| format!("writing {}", path.display()))?;
    }
    let ok = report.pass;
    if args.json {
        let mut json = serde_json::to_value(&report)?;
        let extra = serde_json::json!({
            "spec": args.spec,
            "record": args.data,
            "image": args.image,
            "overlay": args.overlay,
        });
        if let (Some(json), serde_json::Value::Object(extra)) = (json.as_object_mut(), extra) {
            json.extend(extra);
        }
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(ok);
    }
    let entries = &report.layout;
    let inks = &report.ink;
    let verdict = |ok: bool| if ok { "ok" } else { "FAIL" };
    let mm =
        |v: Option<certpress::units::Mm>| v.map_or("-".to_string(), |v| format!("{:.2}", v.get()));
    if let Some(capture) = &report.capture {
        let r = &capture.registration;
        let from = match r.resolution_from {
            certpress::qa::register::ResolutionFrom::File => "as the file says",
            certpress::qa::register::ResolutionFrom::Frame => "taken from the frame",
        };
        println!(
            "capture registered on the frame: sheet at {:.2}, {:.2} mm, turned {:.3}°, scale {:.4} × {:.4}, keystone {:.2} %, residual {:.3} mm ({} edge points); {:.0} dpi {from}",
            r.offset_x.get(),
            r.offset_y.get(),
            r.rotation_deg,
            r.scale_x,
            r.scale_y,
            r.keystone * 100.0,
            r.residual.get(),
            r.points,
            r.dpi,
        );
        let l = &capture.lighting;
        println!(
            "paper white {} at its brightest, {:.0} % less at its dimmest (uneven light, or the sheet's own tints): each pixel measured against its own; {:.0} % of the picture dark bed, left out",
            l.paper,
            l.falloff * 100.0,
            l.dark_bed * 100.0
        );
    }
    if let Some(m) = &report.print_pass {
        println!(
            "print pass against the blank: offset {:.2}, {:.2} mm, turned {:.3}°, scale {:.4}, residual {:.2} mm ({} texts)",
            m.offset_x.get(),
            m.offset_y.get(),
            m.rotation_deg,
            m.scale,
            m.residual.get(),
            m.points
        );
    }
    println!(
        "layout against {} (tolerance ±{:.2} mm)",
        args.spec.display(),
        tolerance.get()
    );
    println!(
        "{:<22} {:<8} {:<6} {:>16} {:>16} {:>7} {:>8} {:>5}  {:<4}  faces",
        "element", "part", "pass", "spec x, y", "laid out x, y", "dev mm", "size pt", "lines", ""
    );
    for e in entries {
        let p = &e.placement;
        let at = p.expected.map_or("-".into(), |at| {
            format!("{:.2}, {:.2}", at.x.get(), at.y.get())
        });
        let laid = format!(
            "{:.2}, {:.2}",
            p.laid_out.left().get(),
            p.laid_out.top().get()
        );
        let size = p.size.map_or("-".into(), |s| format!("{:.2}", s.get()));
        let lines = p.lines.map_or("-".into(), |l| l.to_string());
        let faces = format!(
            "{}{}",
            p.faces.join(", "),
            if p.substituted { " (stand-in)" } else { "" }
        );
        println!(
            "{:<22} {:<8} {:<6} {:>16} {:>16} {:>7} {:>8} {:>5}  {:<4}  {faces}",
            p.element,
            format!("{:?}", p.part),
            format!("{:?}", p.pass),
            at,
            laid,
            mm(e.deviation),
            size,
            lines,
            verdict(e.pass_check)
        );
    }
    let source = args
        .image
        .as_ref()
        .map_or("our 300 dpi rendering".to_string(), |p| {
            p.display().to_string()
        });
    println!(
        "\nink in {source} ({:.0} dpi, threshold {})",
        report.image_dpi, args.threshold
    );
    println!(
        "{:<22} {:<8} {:>16} {:>16} {:>7}  {:<4}  note",
        "element", "part", "expected x, y", "ink x, y", "dev mm", ""
    );
    for e in inks {
        let expected = format!(
            "{:.2}, {:.2}",
            e.expected.left().get(),
            e.expected.top().get()
        );
        let found = e.found.map_or("-".into(), |r| {
            format!("{:.2}, {:.2}", r.left().get(), r.top().get())
        });
        println!(
            "{:<22} {:<8} {:>16} {:>16} {:>7}  {:<4}  {}",
            e.element,
            format!("{:?}", e.part),
            expected,
            found,
            mm(e.deviation),
            verdict(e.pass_check),
            e.note
        );
    }
    if report.specks > 0 {
        println!(
            "\n{} specks of dust (marks under {} mm, over {} mm from any ink) left out",
            report.specks,
            certpress::qa::image::SPECK.get(),
            certpress::qa::image::LINK.get()
        );
    }
    if let Some(path) = &args.overlay {
        println!("overlay: {}", path.display());
    }
    println!(
        "\n{}",
        if ok {
            "all elements within tolerance"
        } else {
            "some elements are out of tolerance"
        }
    );
    Ok(ok)
}

//! The `certpress` command line: a dispatcher over one file per command in [`cli`], each
//! a thin shell over the library's front door ([`certpress::Template`],
//! [`certpress::Licence`]).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;
#[cfg(feature = "serve")]
mod serve;
#[cfg(feature = "serve")]
mod studio;

use cli::{batch, calibrate, check, diff, fields, lint, render, sample, seal, verify};

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
    Render(render::RenderArgs),
    /// Checks where every element lands against the spec: the layout's boxes, and the ink
    /// in a raster (ours at 300 dpi, or --image). Exit status 1 when anything is out of
    /// tolerance, 2 when the record is refused.
    Check(check::CheckArgs),
    /// Renders every record of a JSON Lines or CSV file into a folder, on every core. Exit
    /// status 1 when any record was refused (each is reported with its line).
    Batch(batch::BatchArgs),
    /// Lints a spec: refuses what cannot render (exit 2, with file:line), and warns about
    /// what renders but is probably wrong: the notice's words the coordinates contradict,
    /// overlapping texts, texts off the sheet, type under 6 pt, fields never printed.
    /// Exit status 0 (warnings or not), 1 with --strict when there are warnings.
    Lint(lint::LintArgs),
    /// Lists the record keys a spec expects: kind, whether required, the longest value.
    Fields(fields::FieldsArgs),
    /// Writes a record skeleton for a spec (JSON, every field with a placeholder of its
    /// kind) for an integrator to fill.
    Sample(sample::SampleArgs),
    /// Compares two renderings pixel by pixel and says where they differ, in mm. Exit
    /// status 1 beyond the tolerance.
    Diff(diff::DiffArgs),
    /// Checks a signed PDF (PAdES) or OFD (GB/T 38540 seal): every digest, the signature,
    /// the certificate's validity at the signing time. Exit status 0 when intact, 1 when
    /// anything was changed (the report says which part), 2 when the file cannot be read.
    Verify(verify::VerifyArgs),
    /// Calibrates the office printer for 套打: `--sheet OUT.pdf|OUT.png` writes the
    /// calibration sheet (the print pass of nine marks); `--scan SCAN --out CAL.ron`
    /// measures a scan of it printed onto a blank and writes the calibration file
    /// `render --calibration` reads.
    Calibrate(calibrate::CalibrateArgs),
    /// Makes and shows electronic seals (GB/T 38540 `SESeal`, `.esl`) as a seal system
    /// (制章系统) issues them: `seal make` signs one with the maker's SM2 key, `seal show`
    /// prints one and checks its maker's signature (exit 0 holds, 1 not, 2 unreadable).
    Seal(seal::SealArgs),
    /// Serves every spec under a folder over HTTP, for issuing systems: POST a record as
    /// JSON, get the PDF, PNG, OFD or landing page back (the same bytes as `render`), or
    /// the conformance report. Describes itself at /openapi.json; /healthz, /readyz and
    /// /metrics (Prometheus) for operations. SIGTERM drains and exits 0.
    #[cfg(feature = "serve")]
    Serve(cli::serve::ServeArgs),
    /// Shows the spec and the licence side by side in a browser: every element's box,
    /// tolerance band and spec line over the rendering; pass, plate, UV and overlay
    /// toggles; a record form; lint's warnings; a dropped scan checked. The spec file is
    /// watched. Prints `certpress studio: http://ADDR/` on stdout; SIGTERM ends it.
    #[cfg(feature = "serve")]
    Studio(cli::studio::StudioArgs),
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
        Command::Seal(args) => matches!(&args.command, seal::SealCommand::Show(show) if show.json),
        #[cfg(feature = "serve")]
        Command::Serve(_) | Command::Studio(_) => false,
    };
    let result = match cli.command {
        Command::Render(args) => render::run(&args).map(|()| true),
        Command::Check(args) => check::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Fields(args) => fields::run(&args).map(|()| true),
        Command::Sample(args) => sample::run(&args).map(|()| true),
        Command::Diff(args) => diff::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Calibrate(args) => calibrate::run(&args).map(|()| true),
        Command::Seal(args) => seal::run(&args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => cli::serve::run(&args).map(|()| true),
        #[cfg(feature = "serve")]
        Command::Studio(args) => cli::studio::run(&args).map(|()| true),
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

//! `certpress verify`: a signed PDF or OFD checked.

use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The signed file: a PDF or an OFD.
    pub file: PathBuf,
    /// The SM2 signer ID an OFD seal was signed with.
    #[arg(long, default_value = certpress::sign::keys::DEFAULT_SM2_ID)]
    pub sm2_id: String,
    /// A root certificate (PEM, one or more; or DER) to judge trust against: the report
    /// then says whether the signer's certificate chains to it. Without it, trust is not
    /// judged (an intact file is not thereby trusted).
    #[arg(long = "trust", value_name = "ROOT.pem")]
    pub trust: Vec<PathBuf>,
    /// Prints the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Verifies a signed file; `Ok(false)` when it was changed.
pub fn run(args: &VerifyArgs) -> anyhow::Result<bool> {
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

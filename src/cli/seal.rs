//! `certpress seal make|show`: electronic seals as a seal system issues them.

use std::path::PathBuf;

use anyhow::{bail, Context};

use certpress::output::write_atomic;

#[derive(clap::Args)]
pub struct SealArgs {
    #[command(subcommand)]
    pub command: SealCommand,
}

#[derive(clap::Subcommand)]
pub enum SealCommand {
    /// Makes a seal: its information signed by the maker's SM2 key (for authorities trying
    /// certpress, and for tests; a past validity is allowed).
    Make(SealMakeArgs),
    /// Shows a seal and checks its maker's signature.
    Show(SealShowArgs),
}

#[derive(clap::Args)]
pub struct SealMakeArgs {
    /// The maker's (制章者) SM2 key, PKCS#8 PEM; read, used, never printed.
    #[arg(long, value_name = "KEY.pem")]
    pub maker_key: PathBuf,
    /// The maker's certificate (PEM).
    #[arg(long, value_name = "CERT.pem")]
    pub maker_cert: PathBuf,
    /// The seal's picture: PNG or JPEG, or SVG (rasterised at 600 dpi in seal red).
    #[arg(long, value_name = "FILE")]
    pub picture: PathBuf,
    /// The seal's name (印章名称).
    #[arg(long)]
    pub name: String,
    /// The seal's ID (esID) in the seal system.
    #[arg(long)]
    pub esid: String,
    /// First day of validity, YYYY-MM-DD (UTC+8).
    #[arg(long)]
    pub valid_from: String,
    /// Last day of validity, YYYY-MM-DD (UTC+8).
    #[arg(long)]
    pub valid_to: String,
    /// The certificate (PEM) of a signer the seal authorises; once or more.
    #[arg(long = "signer-cert", value_name = "CERT.pem", required = true)]
    pub signer_certs: Vec<PathBuf>,
    /// The picture's size on the sheet, mm.
    #[arg(long, default_value_t = 42)]
    pub size_mm: u32,
    /// 1: an organisation's seal (单位印章); 2: a person's.
    #[arg(long, default_value_t = 1)]
    pub kind: u32,
    /// Where to write the seal.
    #[arg(long, value_name = "SEAL.esl")]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct SealShowArgs {
    /// The seal file.
    pub file: PathBuf,
    /// Prints it as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Makes or shows a seal; `Ok(false)` when a shown seal's maker signature does not hold.
pub fn run(args: &SealArgs) -> anyhow::Result<bool> {
    match &args.command {
        SealCommand::Make(args) => make(args).map(|()| true),
        SealCommand::Show(args) => show(args),
    }
}

/// Makes a seal and writes it.
pub fn make(make: &SealMakeArgs) -> anyhow::Result<()> {
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
pub fn show(show: &SealShowArgs) -> anyhow::Result<bool> {
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

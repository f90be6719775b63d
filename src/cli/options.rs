//! Argument groups several commands share: fonts and asset folders, the PDF standard,
//! the signing keys and how an authority holds them, the office printer's calibration.

use std::path::PathBuf;

use anyhow::bail;

use certpress::production::Calibration;
use certpress::spec::{Pass, Passes};
use certpress::FontOptions;
use certpress::{Licence, PdfOptions, PdfStandard, Template, TemplateOptions};

/// The keys a run signs with.
#[derive(clap::Args)]
pub struct SigningArgs {
    /// A PKCS#8 private key (PEM) to sign with, each with its certificate (--sign-cert),
    /// in the same order: an SM2 key seals the OFD (GB/T 38540), an ECDSA P-256 or RSA key
    /// signs the PDF (PAdES). Once or twice. The key is read and used, never printed or
    /// written.
    #[arg(long = "sign-key", value_name = "KEY.pem")]
    pub keys: Vec<PathBuf>,
    /// The X.509 certificate (PEM) of each --sign-key.
    #[arg(long = "sign-cert", value_name = "CERT.pem")]
    pub certs: Vec<PathBuf>,
    /// The signing time, `YYYY-MM-DDTHH:MM:SS` with `Z` or an offset (`+08:00`). Default:
    /// now. Fixed, the same input signs to the same bytes (tests, re-issue).
    #[arg(long = "sign-time", value_name = "TIME")]
    pub time: Option<String>,
    #[command(flatten)]
    pub authority: AuthorityArgs,
}

/// How an authority holds its seal, its keys and its time: shared by `render`, `batch`
/// and `serve`.
#[derive(clap::Args, Default)]
pub struct AuthorityArgs {
    /// A seal a seal system issued (GB/T 38540 SESeal, `.esl`), which seals the OFD as it
    /// is, its picture the stamp; the SM2 key must be one it authorises. Without it, the
    /// seal is made here from the spec's seal artwork, the signer its own maker.
    #[arg(long = "seal", value_name = "SEAL.esl")]
    pub seal: Option<PathBuf>,
    /// A time-stamping authority (RFC 3161, `http://…`) that stamps every signature: the
    /// PDF's becomes PAdES B-T, the OFD's seal carries the token. A TSA that does not
    /// answer, or answers a token that does not check, is an error and nothing is written.
    #[arg(long = "tsa", value_name = "URL")]
    pub tsa: Option<String>,
    /// The PKCS#11 module (a shared library) of a token holding a key given as
    /// `--sign-key 'pkcs11:token=NAME;object=LABEL'`; the PIN comes from
    /// CERTPRESS_PKCS11_PIN, never an argument.
    #[arg(long = "pkcs11-module", value_name = "PATH")]
    pub pkcs11_module: Option<PathBuf>,
}

impl SigningArgs {
    /// Each key with its certificate, as given.
    pub fn pairs(&self) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
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
    pub fn signing(
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

/// Options shared by the commands that load a spec's fonts.
#[derive(clap::Args)]
pub struct FontArgs {
    /// Adds a font file in front of a family's chain: `--font 大标宋=/path/FZDBSJW.TTF`.
    #[arg(long = "font", value_name = "FAMILY=PATH")]
    pub fonts: Vec<String>,
    /// Another folder to look for the spec's font files in.
    #[arg(long = "font-dir", value_name = "DIR")]
    pub font_dirs: Vec<PathBuf>,
    /// A folder outside the spec's that its artwork may come from (assets are otherwise
    /// confined to the spec's folder).
    #[arg(long = "asset-dir", value_name = "DIR")]
    pub asset_dirs: Vec<PathBuf>,
}

impl FontArgs {
    /// The spec at `path`, prepared with these fonts and asset folders.
    pub fn template(&self, path: &std::path::Path) -> anyhow::Result<Template> {
        let options = TemplateOptions {
            fonts: self.options()?,
            asset_dirs: self.asset_dirs.clone(),
        };
        Ok(Template::load_with(path, &options)?)
    }

    pub fn options(&self) -> anyhow::Result<FontOptions> {
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
pub struct PdfStandardArgs {
    /// The standard the PDF is written to.
    #[arg(long = "pdf-standard", value_enum, default_value_t = PdfStandard::Plain)]
    pub standard: PdfStandard,
    /// The PDF's creation date (YYYY-MM-DD), which PDF/X-4 and PDF/A-3b require. Default:
    /// the licence's issue date (the spec's `electronic` metadata).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

impl PdfStandardArgs {
    pub fn options(&self, pass: Option<Pass>, calibration: certpress::Calibration) -> PdfOptions {
        PdfOptions {
            pass,
            calibration,
            standard: self.standard,
            date: self.date.clone(),
            ..Default::default()
        }
    }
}

/// The office printer's registration, for `--pass print` onto pre-printed blanks.
#[derive(clap::Args)]
pub struct CalibrationArgs {
    /// A calibration file (RON): `(offset_x: 0.8, offset_y: -0.5, scale: 1.0)`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["offset_x", "offset_y", "scale"])]
    pub calibration: Option<PathBuf>,
    /// Shifts the print pass right by this many mm (negative: left).
    #[arg(long, value_name = "MM", allow_hyphen_values = true)]
    pub offset_x: Option<f64>,
    /// Shifts the print pass down by this many mm (negative: up).
    #[arg(long, value_name = "MM", allow_hyphen_values = true)]
    pub offset_y: Option<f64>,
    /// Scales the print pass about the sheet's top-left corner.
    #[arg(long)]
    pub scale: Option<f64>,
}

impl CalibrationArgs {
    /// The calibration for `pass`, refused as the library refuses it (range, print pass
    /// only) before anything is loaded.
    pub fn calibration(&self, pass: Passes) -> anyhow::Result<Calibration> {
        let calibration = match &self.calibration {
            Some(path) => Calibration::load(path)?,
            None => Calibration::from_parts(self.offset_x, self.offset_y, self.scale),
        };
        certpress::production::check_registration(calibration, pass.filter())?;
        Ok(calibration)
    }
}

/// The electronic licence is the whole sheet: no OFD of one production pass.
pub fn check_ofd_pass(ofd: bool, pass: Passes) -> anyhow::Result<()> {
    if ofd && pass.filter().is_some() {
        bail!("--ofd writes the electronic licence, which is the whole sheet: leave out --pass (or write the OFD in a run of its own)");
    }
    Ok(())
}

/// One note per stand-in face, naming the elements it sets.
pub fn report_stand_ins(licence: &Licence) {
    for stand_in in licence.stand_ins() {
        eprintln!(
            "note: stand-in face {} sets {}",
            stand_in.face,
            stand_in.elements.join(", ")
        );
    }
}

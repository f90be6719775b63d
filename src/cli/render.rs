//! `certpress render`: one record on a spec to PDF, PNG, OFD, landing page and plates.

use std::path::PathBuf;

use anyhow::{bail, Context};

use certpress::output::write_atomic;
use certpress::spec::Passes;
use certpress::{record, Attachment, PdfStandard, RasterOptions};

use super::options::{
    check_ofd_pass, report_stand_ins, CalibrationArgs, FontArgs, PdfStandardArgs, SigningArgs,
};

#[derive(clap::Args)]
pub struct RenderArgs {
    /// The spec (RON).
    pub spec: PathBuf,
    /// The record: JSON (.json) or RON (.ron).
    #[arg(long)]
    pub data: PathBuf,
    /// Writes the PDF here.
    #[arg(long)]
    pub pdf: Option<PathBuf>,
    /// Writes a PNG here.
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Writes the electronic licence here: an OFD package (GB/T 33190) with the licence's
    /// metadata, the composite daylight view.
    #[arg(long)]
    pub ofd: Option<PathBuf>,
    /// The OFD's colours: `proof` (the daylight proof in RGB, which every reader shows
    /// right) or `cmyk` (the spec's CMYK in a CMYK colour space, for readers that honour it).
    #[arg(long, value_enum, default_value = "proof")]
    pub ofd_colour: certpress::OfdColour,
    /// Writes the QR code's landing page here: one self-contained HTML file (the spec's
    /// `landing_page`), for the bureau to host.
    #[arg(long, value_name = "OUT.html")]
    pub page: Option<PathBuf>,
    /// Writes the landing page's approval pictures into this folder, given relative to the
    /// page's folder (e.g. approvals), and has the page refer to them by that relative
    /// path instead of inlining them: for many or large pictures.
    #[arg(long, value_name = "DIR", requires = "page")]
    pub page_assets: Option<PathBuf>,
    /// PNG resolution.
    #[arg(long, default_value_t = 300.0)]
    pub dpi: f64,
    /// Which production pass to output.
    #[arg(long, value_enum, default_value_t = Passes::All)]
    pub pass: Passes,
    /// What the PNG shows: the daylight proof, or the sheet under a UV lamp.
    #[arg(long, value_enum, default_value_t = certpress::Light::Proof)]
    pub view: certpress::Light,
    #[command(flatten)]
    pub standard: PdfStandardArgs,
    #[command(flatten)]
    pub signing: SigningArgs,
    /// Also writes one 8-bit grey PNG per plate (C, M, Y, K and each spot ink) into this
    /// folder: `plate-C.png` … `plate-<SpotName>.png`.
    #[arg(long, value_name = "DIR")]
    pub plates: Option<PathBuf>,
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    #[command(flatten)]
    pub fonts: FontArgs,
    /// On failure, prints the error as JSON on stdout (`code`, `field`, `message`) for
    /// issuing systems; stderr keeps the human-readable text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
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
    let raster_options = RasterOptions {
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
        if let (PdfStandard::A3b, Some(ofd)) = (options.standard, &ofd) {
            // The electronic licence written in the same run travels with the archive copy.
            options.attachments.push(Attachment::ofd(ofd.clone()));
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

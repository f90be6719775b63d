//! The `certpress` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};

use certpress::fonts::{FontBook, FontOptions};
use certpress::output::write_atomic;
use certpress::spec::{LoadedSpec, Pass};
use certpress::{layout, pdf, raster, record};

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
}

impl FontArgs {
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

#[derive(Clone, Copy, ValueEnum)]
enum PassArg {
    /// What the print shop prints on blank stock.
    Press,
    /// What the issuing office prints onto a pre-printed blank.
    Print,
    /// Everything: the composite (an electronic copy).
    All,
}

impl PassArg {
    fn filter(self) -> Option<Pass> {
        match self {
            PassArg::Press => Some(Pass::Press),
            PassArg::Print => Some(Pass::Print),
            PassArg::All => None,
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
    /// PNG resolution.
    #[arg(long, default_value_t = 300.0)]
    dpi: f64,
    /// Which production pass to output.
    #[arg(long, value_enum, default_value_t = PassArg::All)]
    pass: PassArg,
    #[command(flatten)]
    fonts: FontArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn render(args: &RenderArgs) -> anyhow::Result<()> {
    if args.pdf.is_none() && args.png.is_none() {
        bail!("nothing to write: give --pdf OUT.pdf, --png OUT.png or both");
    }
    let spec = LoadedSpec::load(&args.spec)?;
    let fonts = FontBook::load(&spec, &args.fonts.options()?)?;
    let record = record::Record::load(&args.data)?;
    let bound = record::bind(&spec.spec, &record)?;
    let laid_out = layout::layout(&spec, &fonts, &bound)?;
    for placement in laid_out.report.iter().filter(|p| p.substituted) {
        eprintln!(
            "note: {} ({:?}) is set in a stand-in face: {}",
            placement.element,
            placement.part,
            placement.faces.join(", ")
        );
    }
    // Everything is rendered before anything is written: a failure leaves no file.
    let pass = args.pass.filter();
    let pdf_bytes = match &args.pdf {
        Some(_) => {
            let options = pdf::PdfOptions {
                pass,
                title: Some(spec.spec.name.clone()),
            };
            Some(pdf::pdf(&laid_out.page, &fonts, &options)?)
        }
        None => None,
    };
    let png_bytes = match &args.png {
        Some(_) => {
            let options = raster::RasterOptions {
                dpi: args.dpi,
                pass,
            };
            Some(raster::render(&laid_out.page, &fonts, &options)?.encode_png()?)
        }
        None => None,
    };
    for (path, bytes) in [(&args.pdf, pdf_bytes), (&args.png, png_bytes)] {
        if let (Some(path), Some(bytes)) = (path, bytes) {
            write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
    }
    Ok(())
}

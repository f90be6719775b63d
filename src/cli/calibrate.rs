//! `certpress calibrate`: the office printer's calibration sheet, and its scan measured.

use std::path::PathBuf;

use anyhow::{bail, Context};

use certpress::output::write_atomic;
use certpress::RasterOptions;

use super::options::FontArgs;

#[derive(clap::Args)]
pub struct CalibrateArgs {
    /// The spec (RON); it must name a registration frame.
    pub spec: PathBuf,
    /// Writes the calibration sheet here (PDF or PNG, by the extension).
    #[arg(long, value_name = "OUT.pdf|OUT.png", conflicts_with_all = ["scan", "out"])]
    pub sheet: Option<PathBuf>,
    /// The scan of the calibration sheet printed onto a blank (PNG or JPEG).
    #[arg(long, requires = "out")]
    pub scan: Option<PathBuf>,
    /// Writes the calibration file here.
    #[arg(long, value_name = "CAL.ron")]
    pub out: Option<PathBuf>,
    /// The scan's resolution, when the file does not record it.
    #[arg(long)]
    pub dpi: Option<f64>,
    #[command(flatten)]
    pub fonts: FontArgs,
}

/// Writes the calibration sheet, or measures its scan into a calibration file.
pub fn run(args: &CalibrateArgs) -> anyhow::Result<()> {
    use certpress::qa::{calibrate, scan::Scan};
    let template = args.fonts.template(&args.spec)?;
    let spec = template.model();
    if let Some(path) = &args.sheet {
        let bytes = match path.extension().and_then(|e| e.to_str()) {
            Some("pdf") => template.calibration_sheet_pdf()?,
            Some("png") => template.calibration_sheet_png(&RasterOptions::default())?,
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

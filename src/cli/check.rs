//! `certpress check`: where every element landed, against the spec.

use std::path::PathBuf;

use anyhow::Context;

use certpress::output::write_atomic;
use certpress::qa::check::CheckReport;
use certpress::qa::register::ResolutionFrom;
use certpress::qa::Basis;
use certpress::record;
use certpress::spec::Passes;
use certpress::units::Mm;

use super::options::FontArgs;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The spec (RON).
    pub spec: PathBuf,
    /// The record: JSON (.json) or RON (.ron).
    #[arg(long)]
    pub data: PathBuf,
    /// Measures the ink in this capture of a printed sheet (a scan or a phone photo: PNG,
    /// JPEG or TIFF, on any bed, under uneven light) instead of in our own 300 dpi
    /// rendering.
    #[arg(long)]
    pub image: Option<PathBuf>,
    /// Resolution of --image, over what its file records. A photo needs none: the frame
    /// gives it.
    #[arg(long)]
    pub dpi: Option<f64>,
    /// Writes a picture of the result: the sheet as measured, each element's box,
    /// tolerance band and ink, green where it passes and red where it fails.
    #[arg(long, value_name = "OUT.png")]
    pub overlay: Option<PathBuf>,
    /// Checks only the elements of one pass (for an image of that pass).
    #[arg(long, value_enum, default_value_t = Passes::All)]
    pub pass: Passes,
    /// A pixel darker than this luma (0–255) is ink.
    #[arg(long, default_value_t = certpress::qa::ink::DEFAULT_THRESHOLD)]
    pub threshold: u8,
    /// Prints the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub fonts: FontArgs,
}

/// Runs the conformance check; `Ok(false)` when anything is out of tolerance.
pub fn run(args: &CheckArgs) -> anyhow::Result<bool> {
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
    print_capture(&report);
    print_layout(args, &report, tolerance);
    print_ink(args, &report);
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

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "FAIL"
    }
}

fn mm(v: Option<Mm>) -> String {
    v.map_or("-".to_string(), |v| format!("{:.2}", v.get()))
}

/// How a capture was registered and lit, when the check measured one.
fn print_capture(report: &CheckReport) {
    if let Some(capture) = &report.capture {
        let r = &capture.registration;
        let from = match r.resolution_from {
            ResolutionFrom::File => "as the file says",
            ResolutionFrom::Frame => "taken from the frame",
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
}

/// The layout's rows: a placed part says so (its verdict is its ink row's); a fitted
/// content and a snapped QR carry the layout's verdict.
fn print_layout(args: &CheckArgs, report: &CheckReport, tolerance: Mm) {
    println!(
        "layout against {} (tolerance ±{:.2} mm)",
        args.spec.display(),
        tolerance.get()
    );
    println!(
        "{:<22} {:<8} {:<6} {:>16} {:>16} {:>7} {:>8} {:>5}  {:<6}  faces",
        "element", "part", "pass", "spec x, y", "laid out x, y", "dev mm", "size pt", "lines", ""
    );
    for e in &report.layout {
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
        let judged = match e.basis {
            Basis::Placed => "placed",
            Basis::Fitted | Basis::Snapped => verdict(e.pass_check),
        };
        println!(
            "{:<22} {:<8} {:<6} {:>16} {:>16} {:>7} {:>8} {:>5}  {:<6}  {faces}",
            p.element,
            format!("{:?}", p.part),
            format!("{:?}", p.pass),
            at,
            laid,
            mm(e.deviation),
            size,
            lines,
            judged
        );
    }
    let placed = report
        .layout
        .iter()
        .filter(|e| e.basis == Basis::Placed)
        .count();
    println!(
        "{} rows checked in the layout (contents inside their boxes, the QR on its grid); {placed} placed at the spec's position, which the layout cannot miss: not a measurement (the texts and labels among them are measured in the ink below)",
        report.layout.len() - placed
    );
}

/// The ink rows: where each element printed, in our rendering or the capture.
fn print_ink(args: &CheckArgs, report: &CheckReport) {
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
    for e in &report.ink {
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
}

//! `certpress diff`: two renderings compared pixel by pixel.

use std::path::PathBuf;

use anyhow::Context;

use certpress::output::write_atomic;

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The reference picture (PNG).
    pub a: PathBuf,
    /// The picture to compare with it (PNG, same size and resolution).
    pub b: PathBuf,
    /// Writes a difference picture here: A faded to grey, differing pixels in red.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A pixel differs when a channel differs by more than this (0–255).
    #[arg(long, default_value_t = certpress::qa::diff::Tolerance::default().channel)]
    pub channel: u8,
    /// The pictures match when at most this share (0–1) of pixels differ.
    #[arg(long, default_value_t = certpress::qa::diff::Tolerance::default().share)]
    pub max_share: f64,
    /// Resolution of pictures that do not record it.
    #[arg(long)]
    pub dpi: Option<f64>,
    /// Prints the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Compares two pictures; `Ok(false)` beyond the tolerance.
pub fn run(args: &DiffArgs) -> anyhow::Result<bool> {
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

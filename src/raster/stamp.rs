//! One element's paths alone on a transparent ground, as a PNG: the picture an electronic
//! seal carries when its artwork is vector.
//!
//! GB/T 38540 names GIF, BMP, JPG and PNG for a seal's picture (`SES_ESPictureInfo`), and
//! OFD readers draw the stamp from it; an SVG there is drawn by none. So an SVG seal is
//! rasterised here, at a resolution fine enough to print (at least 600 dpi), in the ink's
//! daylight proof colour, transparent where there is no ink.

use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Transform};

use super::proof_rgb;
use crate::display::{Page, Shape};
use crate::error::{Error, Result};
use crate::units::Rect;

/// Resolution of a stamp's picture.
pub const STAMP_DPI: f64 = 600.0;

/// The largest stamp picture's side, pixels (a 20 cm seal at 600 dpi).
const MAX_SIDE: u32 = 5000;

fn failed(message: impl std::fmt::Display) -> Error {
    Error::Render {
        message: format!("the seal's picture: {message}"),
    }
}

/// The paths of `element` within `area` (mm on the sheet) as an RGBA PNG at `dpi`.
pub fn element_png(page: &Page, element: &str, area: Rect, dpi: f64) -> Result<Vec<u8>> {
    let scale = dpi / 25.4;
    let side = |mm: f64| -> Result<u32> {
        let px = (mm * scale).ceil();
        if !(1.0..=f64::from(MAX_SIDE)).contains(&px) {
            return Err(failed(format!(
                "{mm:.1} mm at {dpi} dpi is no picture size"
            )));
        }
        Ok(px as u32)
    };
    let (width, height) = (side(area.width().get())?, side(area.height().get())?);
    let mut pixmap = Pixmap::new(width, height).ok_or_else(|| failed("no pixmap"))?;
    let to_pixels = Transform::from_row(
        scale as f32,
        0.0,
        0.0,
        scale as f32,
        (-area.left().get() * scale) as f32,
        (-area.top().get() * scale) as f32,
    );
    let mut drawn = 0;
    for item in page.items.iter().filter(|i| i.element == element) {
        let Shape::Path(path) = &item.shape else {
            continue;
        };
        let [r, g, b] = proof_rgb(page.inks[item.ink.0].kind.proof());
        let mut builder = PathBuilder::new();
        path.walk(|p| (p.x.get() as f32, p.y.get() as f32), &mut builder);
        let Some(outline) = builder.finish() else {
            continue;
        };
        let mut paint = Paint::default();
        paint.set_color_rgba8(r, g, b, 255);
        let rule = if path.even_odd {
            FillRule::EvenOdd
        } else {
            FillRule::Winding
        };
        pixmap.fill_path(&outline, &paint, rule, to_pixels, None);
        drawn += 1;
    }
    if drawn == 0 {
        return Err(failed(format!("the element `{element}` draws no paths")));
    }
    encode(&pixmap, dpi)
}

/// An RGBA PNG of `pixmap` (un-premultiplied), with its resolution.
fn encode(pixmap: &Pixmap, dpi: f64) -> Result<Vec<u8>> {
    let mut rgba = Vec::with_capacity(pixmap.data().len());
    for pixel in pixmap.pixels() {
        let c = pixel.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let per_metre = (dpi / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(&rgba).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

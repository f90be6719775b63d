//! One element's paths alone on a transparent ground, as a PNG: the picture an electronic
//! seal carries when its artwork is vector.
//!
//! GB/T 38540 names GIF, BMP, JPG and PNG for a seal's picture (`SES_ESPictureInfo`), and
//! OFD readers draw the stamp from it; an SVG there is drawn by none. So an SVG seal is
//! rasterised here, at a resolution fine enough to print (at least 600 dpi), in the ink's
//! daylight proof colour, transparent where there is no ink.

use std::sync::Arc;

use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Transform};

use crate::colour::proof_rgb;
use crate::display::{Page, Path, Segment, Shape};
use crate::error::{Error, Result};
use crate::memo::Memo;
use crate::units::{Mm, Point, Rect};

/// Resolution of a stamp's picture.
pub(crate) const STAMP_DPI: f64 = 600.0;

/// The largest stamp picture's side, pixels (a 20 cm seal at 600 dpi).
const MAX_SIDE: u32 = 5000;

fn failed(message: impl std::fmt::Display) -> Error {
    Error::Render {
        message: format!("the seal's picture: {message}"),
    }
}

/// Stamp pictures made from vector artwork, by what they draw. A seal's artwork is the
/// same on every licence of a spec (or of an office), and rasterising and compressing it
/// at 600 dpi was most of sealing's work.
#[derive(Debug)]
pub(crate) struct Stamps(Memo<Vec<u8>, [u8]>);

/// Stamp pictures remembered: a spec has one seal; a few offices' seals may alternate.
const STAMPS: usize = 8;

impl Default for Stamps {
    fn default() -> Self {
        Self(Memo::new(STAMPS))
    }
}

/// The paths of `element` within `area` (mm on the sheet) as an RGBA PNG at `dpi`,
/// remembered in `stamps` by every coordinate, rule and colour drawn, the area and `dpi`.
pub(crate) fn element_png(
    page: &Page,
    element: &str,
    area: Rect,
    dpi: f64,
    stamps: &Stamps,
) -> Result<Arc<[u8]>> {
    let paths: Vec<(&Path, [u8; 3])> = page
        .items
        .iter()
        .filter(|i| i.element == element)
        .filter_map(|item| match &item.shape {
            Shape::Path(path) => Some((path, proof_rgb(page.inks[item.ink.0].kind.proof()))),
            _ => None,
        })
        .collect();
    if paths.is_empty() {
        return Err(failed(format!("the element `{element}` draws no paths")));
    }
    let mut key = Vec::new();
    let mut number = |v: f64| key.extend_from_slice(&v.to_bits().to_le_bytes());
    for v in [area.left(), area.top(), area.right(), area.bottom()] {
        number(v.get());
    }
    number(dpi);
    for (path, rgb) in &paths {
        number(f64::from(u32::from_le_bytes([rgb[0], rgb[1], rgb[2], 0])));
        number(if path.even_odd { 1.0 } else { 0.0 });
        for segment in &path.segments {
            let (tag, points) = match *segment {
                Segment::MoveTo(p) => (1.0, [p, p, p]),
                Segment::LineTo(p) => (2.0, [p, p, p]),
                Segment::CubicTo(a, b, c) => (3.0, [a, b, c]),
                Segment::Close => (4.0, [Point::new(Mm(0.0), Mm(0.0)); 3]),
            };
            number(tag);
            for p in points {
                number(p.x.get());
                number(p.y.get());
            }
        }
    }
    stamps
        .0
        .get_or_try_make(&key, || paths_png(&paths, area, dpi).map(Arc::from))
}

/// SVG artwork scaled into a `width` × `height` mm box, in one colour, as an RGBA PNG at
/// `dpi`: a seal's picture made from its vector artwork.
pub(crate) fn svg_png(
    asset: &crate::assets::SvgAsset,
    (width, height): (f64, f64),
    rgb: [u8; 3],
    dpi: f64,
) -> Result<Vec<u8>> {
    let area = Rect::from_ltrb(Mm(0.0), Mm(0.0), Mm(width), Mm(height))
        .ok_or_else(|| failed(format!("a {width} × {height} mm picture")))?;
    let paths = crate::layout::svg_paths(asset, area);
    let painted: Vec<(&Path, [u8; 3])> = paths.iter().map(|p| (p, rgb)).collect();
    if painted.is_empty() {
        return Err(failed("the artwork draws no paths"));
    }
    paths_png(&painted, area, dpi)
}

/// `paths` in their colours within `area` (mm), transparent elsewhere, as a PNG.
fn paths_png(paths: &[(&Path, [u8; 3])], area: Rect, dpi: f64) -> Result<Vec<u8>> {
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
    for (path, [r, g, b]) in paths {
        let mut builder = PathBuilder::new();
        path.walk(|p| (p.x.get() as f32, p.y.get() as f32), &mut builder);
        let Some(outline) = builder.finish() else {
            continue;
        };
        let mut paint = Paint::default();
        paint.set_color_rgba8(*r, *g, *b, 255);
        let rule = if path.even_odd {
            FillRule::EvenOdd
        } else {
            FillRule::Winding
        };
        pixmap.fill_path(&outline, &paint, rule, to_pixels, None);
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

//! A picture of a check: the sheet as measured (our rendering, or a capture as
//! registered), and over it, for every measured element, where its ink belongs, the band
//! its tolerance allows and the ink found, green where it passes and red where it fails,
//! with the element's id. A person sees the failing element at a glance.

use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use super::check::CheckReport;
use super::image::Picture;
use crate::error::{Error, Result};
use crate::fonts::FontBook;
use crate::units::{Mm, Rect};

/// The colours: a pass, a failure.
const PASS: [u8; 3] = [0, 150, 60];
const FAIL: [u8; 3] = [220, 20, 20];
/// The element's id, this high.
const LABEL: Mm = Mm(2.4);

/// Draws `report`'s findings over the sheet it measured; the ids in the first face of
/// `fonts` that has their characters.
pub(crate) fn draw(report: &CheckReport, fonts: &FontBook) -> Result<Picture> {
    let sheet = &report.sheet;
    let (w, h) = (sheet.width as u32, sheet.height as u32);
    let mut pixmap = Pixmap::new(w, h).ok_or_else(|| Error::Render {
        message: format!("an overlay of {w} × {h} pixels cannot be made"),
    })?;
    // The sheet, faded toward white so that the marks over it stand out.
    for (out, p) in pixmap
        .data_mut()
        .chunks_exact_mut(4)
        .zip(sheet.rgb.chunks_exact(3))
    {
        for c in 0..3 {
            out[c] = (255 - (255 - u16::from(p[c])) * 3 / 4) as u8;
        }
        out[3] = 255;
    }
    let px = |v: Mm| v.to_px(sheet.dpi) as f32;
    let tolerance = Mm(report.tolerance_mm);
    let face = fonts
        .faces()
        .iter()
        .find(|f| f.parse().is_ok_and(|p| p.glyph_index('a').is_some()));
    let parsed = face.map(|f| f.parse()).transpose()?;
    let (mut passed, mut failed) = (0, 0);
    for entry in &report.ink {
        // An element not measured (invisible, under a picture) shows nothing.
        if entry.found.is_none() && entry.pass_check {
            continue;
        }
        let colour = if entry.pass_check {
            passed += 1;
            PASS
        } else {
            failed += 1;
            FAIL
        };
        let expected = entry.expected;
        // The tolerance band: the expected box's edges, ± the tolerance.
        if let (Some(outer), Some(inner)) = (
            expected.outset(tolerance),
            expected.outset(Mm(-tolerance.get())),
        ) {
            let mut band = PathBuilder::new();
            push_rect(&mut band, outer, &px);
            push_rect(&mut band, inner, &px);
            if let Some(band) = band.finish() {
                pixmap.fill_path(
                    &band,
                    &paint(colour, 60),
                    FillRule::EvenOdd,
                    Transform::identity(),
                    None,
                );
            }
        }
        stroke_rect(&mut pixmap, expected, &px, colour, 140, px(Mm(0.15)));
        if let Some(found) = entry.found {
            stroke_rect(&mut pixmap, found, &px, colour, 255, px(Mm(0.3)));
        }
        if let Some(parsed) = &parsed {
            let part = match entry.part {
                crate::layout::Part::Label => " (label)",
                crate::layout::Part::Content => " (content)",
                _ => "",
            };
            let mut text = format!("{}{part}", entry.element);
            if let Some(d) = entry.deviation {
                text.push_str(&format!(" {:.2} mm", d.get()));
            }
            let at = (
                px(expected.left() - tolerance),
                px(expected.top() - tolerance) - px(Mm(0.6)),
            );
            write(&mut pixmap, parsed, &text, at, px(LABEL), colour);
        }
    }
    if let Some(parsed) = &parsed {
        let summary = format!(
            "certpress check: {passed} pass, {failed} fail (tolerance {:.1} mm{})",
            tolerance.get(),
            if report.specks > 0 {
                format!(", {} specks of dust left out", report.specks)
            } else {
                String::new()
            }
        );
        let colour = if failed == 0 { PASS } else { FAIL };
        write(
            &mut pixmap,
            parsed,
            &summary,
            (px(Mm(5.0)), px(Mm(9.0))),
            px(Mm(4.0)),
            colour,
        );
    }
    let rgb = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    Ok(Picture {
        width: sheet.width,
        height: sheet.height,
        dpi: sheet.dpi,
        rgb,
    })
}

fn paint(colour: [u8; 3], alpha: u8) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color(Color::from_rgba8(colour[0], colour[1], colour[2], alpha));
    paint.anti_alias = true;
    paint
}

fn push_rect(path: &mut PathBuilder, r: Rect, px: &impl Fn(Mm) -> f32) {
    path.move_to(px(r.left()), px(r.top()));
    path.line_to(px(r.right()), px(r.top()));
    path.line_to(px(r.right()), px(r.bottom()));
    path.line_to(px(r.left()), px(r.bottom()));
    path.close();
}

fn stroke_rect(
    pixmap: &mut Pixmap,
    r: Rect,
    px: &impl Fn(Mm) -> f32,
    colour: [u8; 3],
    alpha: u8,
    width: f32,
) {
    let mut path = PathBuilder::new();
    push_rect(&mut path, r, px);
    if let Some(path) = path.finish() {
        let stroke = Stroke {
            width: width.max(1.0),
            ..Stroke::default()
        };
        pixmap.stroke_path(
            &path,
            &paint(colour, alpha),
            &stroke,
            Transform::identity(),
            None,
        );
    }
}

/// Writes `text` with its baseline's left end at `at`, `size` pixels to the em, on a
/// white backing so it reads over anything.
fn write(
    pixmap: &mut Pixmap,
    face: &ttf_parser::Face<'_>,
    text: &str,
    at: (f32, f32),
    size: f32,
    colour: [u8; 3],
) {
    let scale = size / f32::from(face.units_per_em());
    let glyphs: Vec<(Option<ttf_parser::GlyphId>, f32)> = text
        .chars()
        .map(|c| {
            let glyph = face.glyph_index(c);
            let advance = glyph
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(size / 2.0, |a| f32::from(a) * scale);
            (glyph, advance)
        })
        .collect();
    let width: f32 = glyphs.iter().map(|g| g.1).sum();
    if let Some(backing) = tiny_skia::Rect::from_xywh(
        at.0 - size * 0.1,
        at.1 - size * 0.9,
        width + size * 0.2,
        size * 1.15,
    ) {
        pixmap.fill_rect(
            backing,
            &paint([255, 255, 255], 210),
            Transform::identity(),
            None,
        );
    }
    let mut x = at.0;
    for (glyph, advance) in glyphs {
        if let Some(outline) = glyph.and_then(|g| crate::raster::glyph_outline(face, g.0)) {
            // Font units are y-up; the picture is y-down.
            let transform = Transform::from_row(scale, 0.0, 0.0, -scale, x, at.1);
            pixmap.fill_path(
                &outline,
                &paint(colour, 255),
                FillRule::Winding,
                transform,
                None,
            );
        }
        x += advance;
    }
}

//! Measuring ink in a raster: where did each element actually print?
//!
//! For every text and label, the left and top edges of the ink near the spec's position
//! are compared with that position (the specification measures "文字的左边缘…文字上边缘").
//! For every fitted content, the ink must stay inside its box. For a QR code, all four
//! edges of its ink are compared with its box. The raster can be ours, another system's
//! or a scan: a pixel is ink when its luma is below a threshold.

use serde::Serialize;

use crate::display::{InkKind, Page, Shape};
use crate::layout::{Layout, Part, Placement};
use crate::qa::image::Picture;
use crate::spec::Pass;
use crate::units::{Mm, Rect};

/// Default ink threshold: a pixel darker than this luma (0–255) is ink. Black text, the
/// gold proof colour (luma ≈ 150) and the QR code are ink; the beige background (≈ 240)
/// is not.
pub const DEFAULT_THRESHOLD: u8 = 200;

/// Slack added to the search window around an expected position, beyond the tolerance, so
/// that ink out of tolerance is still found and reported with its distance.
const SEARCH: Mm = Mm(3.0);

/// Margin around a neighbour's box whose ink is left out of an element's search.
const MASK_MARGIN: Mm = Mm(0.3);

/// What was measured for one part of an element.
#[derive(Debug, Clone, Serialize)]
pub struct InkEntry {
    /// Element id.
    pub element: String,
    /// Which part.
    pub part: Part,
    /// What the ink was compared with.
    pub expected: Rect,
    /// The ink found.
    pub found: Option<Rect>,
    /// The largest distance of a measured edge from where it belongs (for contents: how
    /// far the ink runs past its box, zero when inside).
    pub deviation: Option<Mm>,
    /// Within tolerance.
    pub pass_check: bool,
    /// Specks of dust near it, left out of its ink.
    pub specks: usize,
    /// Why an element was not measured, or what failed.
    pub note: String,
}

/// The opaque picture painted after the placement at `index` that hides it whole, in an
/// output of `pass`.
fn covered_by(layout: &Layout, index: usize, pass: Option<Pass>) -> Option<&str> {
    let hidden = layout.report[index].laid_out;
    layout.report[index + 1..]
        .iter()
        .filter(|later| later.pass.selected_by(pass) && later.laid_out.contains(&hidden, Mm::ZERO))
        .find(|later| {
            layout.page.items.iter().any(|item| {
                item.element == later.element
                    && matches!(&item.shape, Shape::Image(image) if !image.in_ink)
            })
        })
        .map(|later| later.element.as_str())
}

/// The boxes whose ink is not `placement`'s: every other part's laid-out box (a text, a
/// code, a frame, a seal over it), grown by [`MASK_MARGIN`] since glyph outlines may
/// overshoot their em box a little, less `placement`'s own box; a part that holds that
/// box whole (a background holds everything) masks nothing.
fn neighbours(layout: &Layout, placement: &Placement) -> Vec<Rect> {
    let page = &layout.page;
    let own = placement.area.unwrap_or(placement.laid_out);
    layout
        .report
        .iter()
        .filter(|other| {
            let itself = other.element == placement.element && other.part == placement.part;
            !itself && !invisible(page, &other.element)
        })
        .filter_map(|other| other.laid_out.outset(MASK_MARGIN))
        .filter(|other| !other.contains(&own, Mm::ZERO))
        .flat_map(|other| other.minus(&[own]))
        .collect()
}

/// How far a content's ink is off: out of its box on the right or at the bottom, or
/// moved from where the layout started it (`start`, the layout's glyph ink).
fn content_deviation(ink: Rect, area: Rect, start: Option<Rect>) -> Mm {
    let overflow = (ink.right() - area.right())
        .max(ink.bottom() - area.bottom())
        .max(Mm::ZERO);
    let moved = start.map_or(Mm::ZERO, |start| {
        (ink.left() - start.left())
            .abs()
            .max((ink.top() - start.top()).abs())
    });
    overflow.max(moved)
}

/// An entry's verdict and note from what was found: no ink, within or beyond the
/// tolerance, and the specks of dust left out.
fn judge(entry: &mut InkEntry, tolerance: Mm) {
    match (entry.found, entry.deviation) {
        (None, _) => entry.note = "no ink found".into(),
        (Some(_), Some(d)) if d <= tolerance => entry.pass_check = true,
        (Some(_), Some(d)) => entry.note = format!("{d} off, beyond the {tolerance} tolerance"),
        (Some(_), None) => {}
    }
    if entry.specks > 0 {
        let specks = format!(
            "{} speck{} of dust left out",
            entry.specks,
            if entry.specks == 1 { "" } else { "s" }
        );
        entry.note = if entry.note.is_empty() {
            specks
        } else {
            format!("{}; {specks}", entry.note)
        };
    }
}

/// Measures the ink of `layout`'s elements in `image`, as [`crate::Licence::check`]
/// does, for driving QA on a layout alone.
#[cfg(feature = "stages")]
pub fn measure(
    image: &Picture,
    layout: &Layout,
    tolerance: Mm,
    threshold: u8,
    pass: Option<Pass>,
) -> Vec<InkEntry> {
    measure_layout(image, layout, tolerance, threshold, pass)
}

/// Measures the ink of every text, label, content and QR code of `layout` in `image`.
///
/// `pass` restricts the check to one production pass (for an image of that pass only).
/// Elements in an ink invisible in daylight are reported as not measured.
pub(crate) fn measure_layout(
    image: &Picture,
    layout: &Layout,
    tolerance: Mm,
    threshold: u8,
    pass: Option<Pass>,
) -> Vec<InkEntry> {
    let page = &layout.page;
    let mut entries = Vec::new();
    for (index, placement) in layout.report.iter().enumerate() {
        if !placement.pass.selected_by(pass) || placement.part == Part::Shape {
            continue;
        }
        let mut entry = InkEntry {
            element: placement.element.clone(),
            part: placement.part,
            expected: placement.laid_out,
            found: None,
            deviation: None,
            pass_check: false,
            specks: 0,
            note: String::new(),
        };
        if invisible(page, &placement.element) {
            entry.pass_check = true;
            entry.note = "invisible in daylight: not measured".into();
            entries.push(entry);
            continue;
        }
        if let Some(cover) = covered_by(layout, index, pass) {
            // A pre-printed hint under the holder's photo: hidden by design.
            entry.pass_check = true;
            entry.note = format!("under the picture `{cover}`: not measured");
            entries.push(entry);
            continue;
        }
        let grow = tolerance + SEARCH;
        let masks = neighbours(layout, placement);
        let found = |window: Option<Rect>| {
            window.map_or((None, 0), |w| {
                let ink = image.ink_outside(w, threshold, &masks);
                (ink.bounds, ink.specks)
            })
        };
        match (placement.part, placement.expected, placement.area) {
            (Part::Text | Part::Label, Some(at), _) => {
                // Left and top edges, as the specification measures text.
                let window = Rect::from_ltrb(
                    at.x - grow,
                    at.y - grow,
                    placement.laid_out.right(),
                    placement.laid_out.bottom(),
                );
                entry.expected = Rect::from_ltrb(
                    at.x,
                    at.y,
                    placement.laid_out.right(),
                    placement.laid_out.bottom(),
                )
                .unwrap_or(placement.laid_out);
                (entry.found, entry.specks) = found(window);
                entry.deviation = entry
                    .found
                    .map(|ink| (ink.left() - at.x).abs().max((ink.top() - at.y).abs()));
            }
            (Part::Content, _, Some(area)) => {
                // Everything inside the box: search a little beyond its right and bottom.
                let window = Rect::from_ltrb(
                    area.left(),
                    area.top(),
                    area.right() + grow,
                    area.bottom() + Mm(1.0),
                );
                entry.expected = area;
                (entry.found, entry.specks) = found(window);
                // It must stay inside its box, and start where the layout started it: the
                // left edge of its first line and its top, against the ink the layout's
                // glyphs make (a content on the wrong baseline can still be in its box).
                let start = placement.ink;
                entry.deviation = entry.found.map(|ink| content_deviation(ink, area, start));
                if let Some(start) = start {
                    entry.expected = start;
                }
            }
            (Part::Qr, _, Some(area)) => {
                let window = Rect::from_ltrb(
                    area.left() - grow,
                    area.top() - grow,
                    area.right() + grow,
                    area.bottom() + grow,
                );
                entry.expected = area;
                (entry.found, entry.specks) = found(window);
                entry.deviation = entry.found.map(|ink| {
                    [
                        ink.left() - area.left(),
                        ink.top() - area.top(),
                        ink.right() - area.right(),
                        ink.bottom() - area.bottom(),
                    ]
                    .into_iter()
                    .map(Mm::abs)
                    .fold(Mm::ZERO, Mm::max)
                });
            }
            _ => continue,
        }
        judge(&mut entry, tolerance);
        entries.push(entry);
    }
    entries
}

fn invisible(page: &Page, element: &str) -> bool {
    page.items.iter().filter(|i| i.element == element).all(|i| {
        matches!(
            page.inks[i.ink.0].kind,
            InkKind::Spot {
                invisible: true,
                ..
            }
        )
    })
}

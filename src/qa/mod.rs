//! QA: where each element landed, in millimetres, against the spec and its tolerance.
//!
//! Two measurements: the layout's own boxes ([`conformance`]), and the ink found in a
//! raster ([`ink::measure`]): our own rendering, another system's, or a 300 dpi scan.
//! And the spec's own QA: [`lint`] warns about what renders but is probably wrong.

pub mod diff;
pub mod image;
pub mod ink;
pub mod lint;

use serde::Serialize;

use crate::layout::{Layout, Part};
use crate::spec::Pass;
use crate::units::{Mm, Point, Pt, Rect};

/// One row of a conformance report.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Element id.
    pub element: String,
    /// Which part of it.
    pub part: Part,
    /// Production pass.
    pub pass: Pass,
    /// The spec's position (top-left), when it gives one.
    pub expected: Option<Point>,
    /// The laid-out box.
    pub laid_out: Rect,
    /// The box a fitted content had to stay in.
    pub area: Option<Rect>,
    /// Distance between spec and layout, along the worse axis.
    pub deviation: Option<Mm>,
    /// Faces that set the text.
    pub faces: Vec<String>,
    /// Whether a stand-in or fallback face set any of it.
    pub substituted: bool,
    /// Type size chosen.
    pub size: Option<Pt>,
    /// Lines used.
    pub lines: Option<usize>,
    /// Within tolerance (and, for contents, inside the box).
    pub pass_check: bool,
}

/// The layout's conformance: every placement against the spec's position and tolerance.
pub fn conformance(layout: &Layout, tolerance: Mm) -> Vec<Entry> {
    layout
        .report
        .iter()
        .map(|p| {
            let deviation = p.deviation();
            let within = deviation.is_none_or(|d| d <= tolerance);
            let inside = p
                .area
                .is_none_or(|area| p.part != Part::Content || area.contains(&p.laid_out, Mm(1e-6)));
            Entry {
                element: p.element.clone(),
                part: p.part,
                pass: p.pass,
                expected: p.expected,
                laid_out: p.laid_out,
                area: p.area,
                deviation,
                faces: p.faces.clone(),
                substituted: p.substituted,
                size: p.size,
                lines: p.lines,
                pass_check: within && inside,
            }
        })
        .collect()
}

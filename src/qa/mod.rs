//! QA: where each element landed, in millimetres, against the spec and its tolerance.
//!
//! Two measurements: the layout's own boxes ([`conformance`]), and the ink found in a
//! raster ([`ink::measure`]): our own rendering, another system's, or a capture of a
//! printed sheet. A capture ([`scan::Scan`]: a scan or a phone photo) is flattened
//! ([`flatten`]: the bed left out, each pixel against its own paper white), registered on
//! the spec's frame ([`register`]: a homography) and resampled into sheet millimetres
//! before its ink is measured. [`check`] is the one check the CLI and the service call
//! (through `Licence::check`); [`overlay`] draws its findings over the sheet. And the
//! spec's own QA: [`lint`] warns about what renders but is probably wrong.

pub mod calibrate;
pub mod check;
pub mod diff;
pub mod flatten;
pub mod image;
pub mod ink;
pub mod lint;
pub mod overlay;
pub mod register;
pub mod scan;

use serde::Serialize;

use crate::layout::{Layout, Part, Placement};
use crate::units::Mm;

/// One row of a conformance report: where the layout put a part of an element, and
/// whether that is within the spec's tolerance.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The layout's placement, as the layout reports it.
    #[serde(flatten)]
    pub placement: Placement,
    /// Distance between spec and layout, along the worse axis.
    pub deviation: Option<Mm>,
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
                placement: p.clone(),
                deviation,
                pass_check: within && inside,
            }
        })
        .collect()
}

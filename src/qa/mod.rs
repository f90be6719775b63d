//! QA: where each element landed, in millimetres, against the spec and its tolerance.
//!
//! Two measurements: the layout's own boxes ([`crate::Licence::conformance`]), and the
//! ink found in a raster ([`ink`]): our own rendering, another system's, or a capture of a
//! printed sheet. A capture ([`scan::Scan`]: a scan or a phone photo) is flattened
//! ([`flatten`]: the bed left out, each pixel against its own paper white), registered on
//! the spec's frame ([`register`]: a homography) and resampled into sheet millimetres
//! before its ink is measured. [`check`] is the one check the CLI and the service call
//! (through [`crate::Licence::check`]); `overlay` draws its findings over the sheet. And the
//! spec's own QA: [`lint`] warns about what renders but is probably wrong.

pub mod calibrate;
pub mod check;
pub mod diff;
pub mod flatten;
pub mod image;
pub mod ink;
pub mod lint;
pub(crate) mod overlay;
pub mod register;
pub mod scan;

use serde::Serialize;

use crate::layout::{Layout, Part, Placement};
use crate::units::Mm;

/// One row of a conformance report: where the layout put a part of an element, and
/// what that row's verdict rests on ([`Basis`]).
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The layout's placement, as the layout reports it.
    #[serde(flatten)]
    pub placement: Placement,
    /// What the verdict rests on: a part placed at the spec's own position is no evidence
    /// and says so.
    pub basis: Basis,
    /// Distance between the spec's position and the layout's, along the worse axis; only
    /// where the layout moved the part (a QR snapped to its grid). `None` for a placed
    /// part, whose distance is zero by construction.
    pub deviation: Option<Mm>,
    /// The layout's verdict: a fitted content inside its box, a snapped QR within
    /// tolerance. Always true for a placed part: its verdict is its ink row's.
    pub pass_check: bool,
}

/// What a layout row's verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Placed at the spec's own position (a fixed text, a label, a shape, artwork): the
    /// layout cannot miss it, so the row measures nothing and is not counted. Where it
    /// printed is measured in the ink ([`ink`]).
    Placed,
    /// A field's content, fitted by the layout: checked to stay inside its box.
    Fitted,
    /// A QR symbol, snapped by the layout onto its module grid: checked against the
    /// spec's position and kept inside its box.
    Snapped,
}

impl Basis {
    /// The basis of a part's row.
    pub fn of(part: Part) -> Self {
        match part {
            Part::Content => Basis::Fitted,
            Part::Qr => Basis::Snapped,
            Part::Text | Part::Label | Part::Shape => Basis::Placed,
        }
    }
}

/// The layout's conformance (what [`crate::Licence::conformance`] gives), for driving
/// QA on a layout alone.
#[cfg(feature = "stages")]
pub fn conformance(layout: &Layout, tolerance: Mm) -> Vec<Entry> {
    conformance_rows(layout, tolerance)
}

/// The layout's conformance: every placement with what its verdict rests on; fitted
/// contents inside their boxes, snapped QR symbols within the spec's tolerance.
pub(crate) fn conformance_rows(layout: &Layout, tolerance: Mm) -> Vec<Entry> {
    layout
        .report
        .iter()
        .map(|p| {
            let basis = Basis::of(p.part);
            let deviation = match basis {
                Basis::Placed => None,
                Basis::Fitted | Basis::Snapped => p.deviation(),
            };
            let within = deviation.is_none_or(|d| d <= tolerance);
            let inside = match basis {
                Basis::Placed => true,
                Basis::Fitted | Basis::Snapped => p
                    .area
                    .is_none_or(|area| area.contains(&p.laid_out, Mm(1e-6))),
            };
            Entry {
                placement: p.clone(),
                basis,
                deviation,
                pass_check: within && inside,
            }
        })
        .collect()
}

//! The conformance check, one for every shell (the CLI's `check`, the service's
//! `/check`): the layout against the spec, and the ink measured in a picture of the sheet
//! (our own rendering, or a capture registered on the frame), with the picture kept for
//! the overlay that shows it.

use serde::Serialize;

use super::flatten::Lighting;
use super::image::Picture;
use super::ink::{self, InkEntry};
use super::register::{self, Registration, Similarity};
use super::Entry;
use crate::layout::Layout;
use crate::spec::Pass;
use crate::units::Mm;

/// What a check reads the ink with.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Only the elements of one pass (for a picture of that pass); `None` for all.
    pub pass: Option<Pass>,
    /// A pixel darker than this luma (0–255) is ink.
    pub threshold: u8,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            pass: None,
            threshold: ink::DEFAULT_THRESHOLD,
        }
    }
}

/// Where a captured sheet lay and what its light was.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Capture {
    /// Where the sheet lies in the capture.
    pub registration: Registration,
    /// What the light and the bed did.
    pub lighting: Lighting,
}

/// A check's findings.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The spec's tolerance, mm.
    pub tolerance_mm: f64,
    /// The resolution the ink was measured at.
    pub image_dpi: f64,
    /// For a capture: where the sheet lay, and its light.
    #[serde(flatten)]
    pub capture: Option<Capture>,
    /// For a 套打 sheet's capture: how the print pass landed on the blank.
    pub print_pass: Option<Similarity>,
    /// Every placement of the layout against the spec.
    pub layout: Vec<Entry>,
    /// Every measured element's ink.
    pub ink: Vec<InkEntry>,
    /// Specks of dust left out of the elements' ink, in all.
    pub specks: usize,
    /// Everything within tolerance.
    pub pass: bool,
    /// The sheet the ink was measured in (in sheet millimetres), for the overlay.
    #[serde(skip)]
    pub sheet: Picture,
}

/// Checks `layout` against its spec (`layout_rows`, its conformance) and in `sheet`.
pub(crate) fn check(
    layout: &Layout,
    tolerance: Mm,
    layout_rows: Vec<Entry>,
    sheet: Picture,
    capture: Option<Capture>,
    options: CheckOptions,
) -> CheckReport {
    let pass = options.pass;
    let layout_rows: Vec<Entry> = layout_rows
        .into_iter()
        .filter(|e| e.placement.pass.selected_by(pass))
        .collect();
    let inks = ink::measure_layout(&sheet, layout, tolerance, options.threshold, pass);
    // A 套打 sheet: the capture was placed on the blank's frame; how the print pass landed
    // on it is the office printer's misregistration.
    let print_pass = capture
        .filter(|_| pass.is_none())
        .and_then(|_| register::pass_misregistration(layout, &inks, Pass::Print));
    let ok = layout_rows.iter().all(|e| e.pass_check) && inks.iter().all(|e| e.pass_check);
    CheckReport {
        tolerance_mm: tolerance.get(),
        image_dpi: sheet.dpi,
        capture,
        print_pass,
        specks: inks.iter().map(|e| e.specks).sum(),
        layout: layout_rows,
        ink: inks,
        pass: ok,
        sheet,
    }
}

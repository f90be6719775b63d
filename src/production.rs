//! Print production: which layer an item belongs to, the office printer's calibration for
//! the print pass (套打), and the sheet's bleed and crop marks.
//!
//! These are the print shop's and the issuing office's concerns, shared by the back ends:
//! the PDF groups items into optional-content layers and draws crop marks; the raster and
//! the PDF both apply a calibration so the variable data registers on the pre-printed blank.

use std::path::Path as FsPath;

use serde::Deserialize;

use crate::display::{InkKind, Item, Page};
use crate::error::{Error, Result};
use crate::spec::Pass;
use crate::units::Mm;

/// An optional-content layer, as a print shop names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Layer {
    /// What the print shop prints on blank stock in visible inks (border, background,
    /// emblem, title).
    PressArtwork,
    /// Invisible fluorescent ink: seen only under a UV lamp.
    Fluorescent,
    /// What the issuing office prints onto the blank.
    VariableData,
}

impl Layer {
    /// The name a PDF viewer's layers panel shows.
    pub fn name(self) -> &'static str {
        match self {
            Layer::PressArtwork => "Press artwork (印制)",
            Layer::Fluorescent => "Fluorescent UV ink (荧光防伪)",
            Layer::VariableData => "Variable data (套打)",
        }
    }

    /// The layer of an item: print-pass items are variable data; press items in an
    /// invisible ink are the fluorescent layer; the rest is press artwork.
    pub fn of(page: &Page, item: &Item) -> Layer {
        match item.pass {
            Pass::Print => Layer::VariableData,
            Pass::Press => match page.inks[item.ink.0].kind {
                InkKind::Spot {
                    invisible: true, ..
                } => Layer::Fluorescent,
                _ => Layer::PressArtwork,
            },
        }
    }
}

/// Largest offset a calibration may apply.
const MAX_OFFSET: Mm = Mm(30.0);
/// Range of a calibration's scale: a printer that is off by more needs repair, not this.
const SCALE_RANGE: std::ops::RangeInclusive<f64> = 0.9..=1.1;

/// The office printer's registration: where it actually puts a point of the sheet.
///
/// A sheet point `p` is drawn at `p × scale + offset` (mm, from the top-left corner), so
/// that, fed a pre-printed blank, the printer lands the variable data where the spec says.
/// Measure it once per printer: print the print pass on a blank, measure how far the
/// content landed from where it should, and give the opposite offset.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Shift to the right, mm. Default 0.
    #[serde(default)]
    pub offset_x: Mm,
    /// Shift down, mm. Default 0.
    #[serde(default)]
    pub offset_y: Mm,
    /// Scale about the sheet's top-left corner. Default 1.
    #[serde(default = "one")]
    pub scale: f64,
}

fn one() -> f64 {
    1.0
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            offset_x: Mm(0.0),
            offset_y: Mm(0.0),
            scale: 1.0,
        }
    }
}

impl Calibration {
    /// The calibration given part by part (command-line flags, query parameters): each
    /// part left out is the default's.
    pub fn from_parts(offset_x: Option<f64>, offset_y: Option<f64>, scale: Option<f64>) -> Self {
        let default = Calibration::default();
        Calibration {
            offset_x: offset_x.map_or(default.offset_x, Mm),
            offset_y: offset_y.map_or(default.offset_y, Mm),
            scale: scale.unwrap_or(default.scale),
        }
    }

    /// Reads a calibration file (RON): `(offset_x: 0.8, offset_y: -0.5, scale: 1.002)`.
    pub fn load(path: &FsPath) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let calibration: Calibration = ron::from_str(&text).map_err(|e| Error::Options {
            message: format!(
                "{}:{}:{}: {}; write e.g. (offset_x: 0.8, offset_y: -0.5, scale: 1.0)",
                path.display(),
                e.span.start.line,
                e.span.start.col,
                e.code
            ),
        })?;
        calibration.check().map_err(|message| Error::Options {
            message: format!("{}: {message}", path.display()),
        })?;
        Ok(calibration)
    }

    /// Refuses offsets and scales no printer needs (and NaN).
    pub fn check(&self) -> std::result::Result<(), String> {
        for (name, v) in [("offset_x", self.offset_x), ("offset_y", self.offset_y)] {
            if v.0.is_nan() || v.0.abs() > MAX_OFFSET.0 {
                return Err(format!(
                    "calibration {name} = {} mm is outside ±{} mm",
                    v.0, MAX_OFFSET.0
                ));
            }
        }
        if !SCALE_RANGE.contains(&self.scale) {
            return Err(format!(
                "calibration scale {} is outside {}–{}",
                self.scale,
                SCALE_RANGE.start(),
                SCALE_RANGE.end()
            ));
        }
        Ok(())
    }

    /// True when it moves nothing.
    pub fn is_identity(&self) -> bool {
        *self == Calibration::default()
    }
}

/// The rule every output follows: a calibration is in range, and registers only the print
/// pass (moving the press artwork with the office printer's error would misplace what the
/// print shop printed). The PDF and raster back ends both check it, so a library caller
/// meets the same refusal as the command line.
pub fn check_registration(calibration: Calibration, pass: Option<Pass>) -> Result<()> {
    calibration
        .check()
        .map_err(|message| Error::Options { message })?;
    if !calibration.is_identity() && pass != Some(Pass::Print) {
        return Err(Error::Options {
            message: "a calibration registers the print pass on pre-printed blanks; \
                      render the print pass alone (`--pass print`, `pass: Some(Pass::Print)`)"
                .into(),
        });
    }
    Ok(())
}

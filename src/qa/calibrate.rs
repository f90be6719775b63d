//! Calibrating the office printer for 套打 from a scan.
//!
//! Every office printer feeds paper a little differently: the print pass lands offset and
//! scaled on the pre-printed blank. The calibration sheet is the print pass of nine black
//! marks (4 mm squares) in a 3 × 3 grid inside the spec's registration frame, 15 mm in
//! from it. Printed onto a blank and scanned, the scan is registered on the blank's frame
//! ([`super::register`]); each mark's centre is found (the centroid of the near-black
//! pixels within 12 mm of where it belongs); the printer's map `found = s · placed + o`
//! is fitted over the nine (least squares), and the calibration is its inverse, which
//! `render --calibration` applies so that the printer lands the data where the spec says.
//! A printer that turns the print (which a calibration cannot correct) by more than moves
//! a corner of the frame 0.5 mm is refused, saying so.

use serde::Serialize;

use super::register::{self, Registration};
use super::scan::Scan;
use crate::display::{InkKind, Item, Page, PageInk, Path, Shape};
use crate::error::{Error, Result};
use crate::production::Calibration;
use crate::spec::{Cmyk, InkId, Pass, Spec};
use crate::units::{Mm, Point, Rect};

/// A mark's side.
pub(crate) const MARK: Mm = Mm(4.0);
/// How far inside the frame the outer marks sit.
const INSET: Mm = Mm(15.0);
/// How far from its place a mark is looked for.
const SEARCH: Mm = Mm(12.0);
/// A pixel darker than this is the office printer's black.
const BLACK: u8 = 90;
/// The most a turned print may move a corner of the frame before it is refused.
const MAX_TURN_AT_CORNER: Mm = Mm(0.5);

/// Where the marks go: a 3 × 3 grid inside the spec's registration frame.
pub(crate) fn marks(spec: &Spec) -> Result<Vec<Point>> {
    let frame = register::frame(spec).map(|f| f.centre).ok_or_else(|| Error::Options {
        message: format!(
            "the spec `{}` names no registration frame (`registration: \"<element id>\"`): a calibration sheet is measured against it",
            spec.name
        ),
    })?;
    let xs = [
        frame.left() + INSET,
        (frame.left() + frame.right()) / 2.0,
        frame.right() - INSET,
    ];
    let ys = [
        frame.top() + INSET,
        (frame.top() + frame.bottom()) / 2.0,
        frame.bottom() - INSET,
    ];
    Ok(ys
        .iter()
        .flat_map(|&y| xs.iter().map(move |&x| Point::new(x, y)))
        .collect())
}

/// The calibration sheet's display list, for driving a back end alone.
#[cfg(feature = "stages")]
pub fn sheet(spec: &Spec) -> Result<Page> {
    sheet_page(spec)
}

/// The calibration sheet: the print pass of the marks, in black (K only), for any back
/// end ([`crate::Template::calibration_sheet_pdf`] and `_png`).
pub(crate) fn sheet_page(spec: &Spec) -> Result<Page> {
    let half = MARK / 2.0;
    let items = marks(spec)?
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let mut path = Path::default();
            path.rect(c.x - half, c.y - half, c.x + half, c.y + half);
            Item {
                element: format!("calibration_mark_{}", i + 1),
                fixed: true,
                pass: Pass::Print,
                ink: InkId(0),
                shape: Shape::Path(path),
            }
        })
        .collect();
    Ok(Page {
        size: spec.page,
        inks: vec![PageInk {
            key: "black".into(),
            kind: InkKind::Process(Cmyk {
                c: 0.0,
                m: 0.0,
                y: 0.0,
                k: 100.0,
            }),
        }],
        items,
        marks: None,
    })
}

/// One mark: where it belongs and where the printer put it, sheet mm.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MarkFound {
    /// Where the sheet placed it.
    pub placed: Point,
    /// Where it landed.
    pub found: Point,
}

/// What the calibration sheet's scan showed.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    /// How the scan lay on the bed.
    pub registration: Registration,
    /// The printer's scale (landed over placed).
    pub printer_scale: f64,
    /// The printer's offset, mm.
    pub printer_offset: (Mm, Mm),
    /// How far the printer turns the print, degrees.
    pub printer_rotation_deg: f64,
    /// RMS distance of the marks from the fitted map, mm.
    pub residual: Mm,
    /// Every mark.
    pub marks: Vec<MarkFound>,
    /// What `render --calibration` needs: the printer's map undone.
    #[serde(skip)]
    pub calibration: Calibration,
}

fn failed(message: impl Into<String>) -> Error {
    Error::Render {
        message: format!("calibration failed: {}", message.into()),
    }
}

/// Measures a scan of the calibration sheet printed onto a blank of `spec`.
pub fn measure(scan: Scan, spec: &Spec) -> Result<Measured> {
    let register::RegisteredScan {
        registration,
        sheet,
        ..
    } = register::register_sheet(scan, spec)?;
    let luma = sheet.luma();
    let px = |v: Mm| v.to_px(sheet.dpi);
    let mut marks = Vec::new();
    for (i, placed) in self::marks(spec)?.into_iter().enumerate() {
        let window = Rect::from_ltrb(
            placed.x - SEARCH,
            placed.y - SEARCH,
            placed.x + SEARCH,
            placed.y + SEARCH,
        )
        .ok_or_else(|| failed("a mark's window"))?;
        let (x0, x1) = (
            px(window.left()).max(0.0) as usize,
            (px(window.right()) as usize).min(sheet.width),
        );
        let (y0, y1) = (
            px(window.top()).max(0.0) as usize,
            (px(window.bottom()) as usize).min(sheet.height),
        );
        let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
        for y in y0..y1 {
            for x in x0..x1 {
                if luma[y * sheet.width + x] < BLACK {
                    sx += x as f64 + 0.5;
                    sy += y as f64 + 0.5;
                    n += 1.0;
                }
            }
        }
        let expected = px(MARK) * px(MARK);
        if n < 0.5 * expected || n > 2.0 * expected {
            return Err(failed(format!(
                "mark {} (placed at {:.0}, {:.0} mm) is not within {:.0} mm of its place, or something else is as black there: scan the calibration sheet printed onto a blank",
                i + 1,
                placed.x.get(),
                placed.y.get(),
                SEARCH.get()
            )));
        }
        let to_mm = |v: f64| Mm(v * 25.4 / sheet.dpi);
        marks.push(MarkFound {
            placed,
            found: Point::new(to_mm(sx / n), to_mm(sy / n)),
        });
    }
    // found = s · placed + o, least squares, one scale for both axes.
    let pairs: Vec<_> = marks
        .iter()
        .map(|m| {
            (
                (m.placed.x.get(), m.placed.y.get()),
                (m.found.x.get(), m.found.y.get()),
            )
        })
        .collect();
    let fit = register::fit_similarity(&pairs).ok_or_else(|| failed("the marks coincide"))?;
    let (scale, rotation) = (fit.scale, fit.rotation_deg.to_radians());
    let offset = (fit.offset_x.get(), fit.offset_y.get());
    let residual = fit.residual.get();
    let frame = register::frame(spec)
        .ok_or_else(|| failed("no frame"))?
        .centre;
    let reach = frame.width().get().hypot(frame.height().get()) / 2.0;
    if rotation.abs() * reach > MAX_TURN_AT_CORNER.get() {
        return Err(failed(format!(
            "the printer turns the print by {:.3}°, which moves a corner of the frame {:.2} mm; a calibration corrects offset and scale only: straighten the paper guide and print the sheet again",
            rotation.to_degrees(),
            rotation.abs() * reach
        )));
    }
    let calibration = Calibration {
        offset_x: Mm(-offset.0 / scale),
        offset_y: Mm(-offset.1 / scale),
        scale: 1.0 / scale,
    };
    calibration.check().map_err(|m| {
        failed(format!(
            "the printer is off beyond what a calibration takes: {m}"
        ))
    })?;
    Ok(Measured {
        registration,
        printer_scale: scale,
        printer_offset: (Mm(offset.0), Mm(offset.1)),
        printer_rotation_deg: rotation.to_degrees(),
        residual: Mm(residual),
        marks,
        calibration,
    })
}

/// The calibration file `render --calibration` reads.
pub fn calibration_file(measured: &Measured) -> String {
    let c = measured.calibration;
    format!(
        "// certpress calibrate: the office printer landed the print pass scaled {:.5} and offset {:.3}, {:.3} mm (turned {:.3}°, residual {:.3} mm over {} marks).\n(offset_x: {:.3}, offset_y: {:.3}, scale: {:.5})\n",
        measured.printer_scale,
        measured.printer_offset.0.get(),
        measured.printer_offset.1.get(),
        measured.printer_rotation_deg,
        measured.residual.get(),
        measured.marks.len(),
        c.offset_x.get(),
        c.offset_y.get(),
        c.scale
    )
}

//! Registration of a capture: where the sheet lies in a scan or a photo, turned, scaled
//! and seen at an angle, so that its elements can be measured in sheet millimetres.
//!
//! A scan holds the sheet anywhere on a larger bed, turned by a few degrees and scaled by
//! up to ±3 % (scanner and paper); a phone photo also sees it at an angle (keystone: the
//! far edge shorter than the near one) and records no resolution. The spec names a printed
//! frame to register on (the Liuzhou border's outer keyline): four straight edges at known
//! places. The capture is flattened first ([`super::flatten`]: the paper white, the bed
//! gone), then:
//!
//! 1. Coarse: on a copy shrunk to about 3 pixels a millimetre (each pixel the darkest of
//!    its block, so thin lines survive), the dark pixels are projected across each edge's
//!    direction at every angle from −6° to 6° in 0.1° steps, for each of the four edges on
//!    its own (under keystone the edges are not parallel). An edge is the outermost
//!    projection at least 40 % as long as the longest line of its direction, at the angle
//!    that makes it sharpest.
//! 2. A frame found shorter one way than its shape says is a capture that shows part of
//!    the sheet, and is refused as such.
//! 3. Fine: along each edge, at full resolution, the first dark pixel met coming in from
//!    outside, to a sub-pixel, at 60 places; a line is fitted to them (least squares,
//!    then again without the points more than three median deviations off).
//! 4. The four lines' corners give the projective map (homography) from sheet millimetres
//!    to capture pixels: exact at the four corners, straight lines to straight lines, so a
//!    photo's perspective is undone as well as a scan's turn. It is reported as offset,
//!    turn and scale at the frame's centre, and keystone (how far opposite edges differ in
//!    length); its residual is the RMS distance of every edge point from the mapped frame.
//!    A capture without a resolution takes it from the frame's size.
//!
//! A frame not found, a map beyond what a capture can be, or a residual over 0.3 mm is an
//! error that names what failed ([`ScanFailure`]) and what to do: never a report of
//! nonsense.

mod coarse;

use rayon::prelude::*;
use serde::Serialize;

use super::flatten::{self, Lighting};
use super::image::Picture;
use super::scan::Scan;
use crate::error::{Error, Result, ScanFailure};
use crate::units::{Mm, Rect, Size};

/// How far a capture may be turned.
pub(crate) const MAX_ROTATION_DEG: f64 = 5.5;
/// How far a capture's scale may be off the resolution its file records.
pub(crate) const MAX_SCALE_ERROR: f64 = 0.03;
/// How far opposite edges of the frame may differ in length (a phone held off-axis).
pub(crate) const MAX_KEYSTONE: f64 = 0.04;
/// The largest residual a registration is trusted with.
pub(crate) const MAX_RESIDUAL: Mm = Mm(0.3);
/// A pixel darker than this is ink, for finding the frame.
const DARK: u8 = 160;

/// Where the resolution a capture was measured at comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResolutionFrom {
    /// The file records it, or `--dpi` gave it.
    File,
    /// The frame's size in the capture (a photo).
    Frame,
}

/// Where the sheet lies in a capture.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Registration {
    /// Where the sheet's top-left corner lies on the capture, mm from its top-left.
    pub offset_x: Mm,
    /// The same, down.
    pub offset_y: Mm,
    /// How far the sheet is turned, degrees, clockwise (at the frame's centre).
    pub rotation_deg: f64,
    /// Scale across, capture over sheet (1 = the resolution says the truth), at the
    /// frame's centre.
    pub scale_x: f64,
    /// Scale down.
    pub scale_y: f64,
    /// How far the frame's opposite edges differ in length: 0 for a scan, 0.02 for a
    /// photo whose far edge is 2 % shorter than the near one.
    pub keystone: f64,
    /// The resolution the capture was measured at, dots per inch.
    pub dpi: f64,
    /// Where that resolution comes from.
    pub resolution_from: ResolutionFrom,
    /// RMS distance of the frame's measured edges from where the map puts them.
    pub residual: Mm,
    /// Edge points measured.
    pub points: usize,
    /// Sheet mm → capture pixels, a homography: (h0·x + h1·y + h2, h3·x + h4·y + h5) /
    /// (h6·x + h7·y + 1).
    #[serde(skip)]
    map: [f64; 8],
}

impl Registration {
    /// Where the sheet point `(x, y)` mm lies in the capture, pixels.
    pub fn to_capture(&self, x: f64, y: f64) -> (f64, f64) {
        project(&self.map, x, y)
    }
}

fn project(h: &[f64; 8], x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + 1.0;
    (
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    )
}

fn failed(failure: ScanFailure, message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::Scan {
        failure,
        message: message.into(),
        hint: hint.into(),
    }
}

fn not_found(message: impl Into<String>) -> Error {
    failed(
        ScanFailure::Registration,
        message,
        "the capture must show the whole frame the spec registers on, turned by at most 5°; scan flat, or photograph the sheet square-on",
    )
}

/// The printed rectangle captures register on, sheet mm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    /// The line's centre-line: what is measured, as blur and threshold move a dark line's
    /// two edges apart but leave its middle where it was.
    pub centre: Rect,
    /// The line's width.
    pub width: Mm,
}

/// A line: a point on it and its unit direction, capture pixels.
type Line = ((f64, f64), (f64, f64));

/// Registers `scan` (flattened) on the printed rectangle `frame` of a sheet of `sheet`.
pub(crate) fn register(scan: &Scan, frame: Frame, sheet: Size) -> Result<Registration> {
    // Pixels a millimetre: the file's, or a first guess from the picture's size (the sheet
    // fills most of a photo), corrected from the frame below.
    let guess = scan.dpi.map_or_else(
        || (scan.width as f64 / sheet.width.get()).min(scan.height as f64 / sheet.height.get()),
        |dpi| dpi / 25.4,
    );
    let coarse = coarse::edges(scan, guess)?;
    let corners =
        corners_of(&coarse).ok_or_else(|| not_found("two edges of the frame are parallel"))?;
    let (across, down) = frame_extent(&corners);
    let (frame_w, frame_h) = (frame.centre.width().get(), frame.centre.height().get());
    let (ppm_w, ppm_h) = (across / frame_w, down / frame_h);
    check_whole(scan, &corners, ppm_w, ppm_h, frame)?;
    let px_per_mm = scan.dpi.map_or((ppm_w + ppm_h) / 2.0, |dpi| dpi / 25.4);
    let line_px = frame.width.get() * px_per_mm;

    let (lines, all_points) = fine_edges(scan, &corners, px_per_mm, line_px)?;
    let mut found = [(0.0, 0.0); 4];
    for (i, corner) in found.iter_mut().enumerate() {
        *corner = intersect(lines[(i + 3) % 4], lines[i])
            .ok_or_else(|| not_found("two edges of the frame are parallel"))?;
    }
    // Sheet corners in the same order: top-left, top-right, bottom-right, bottom-left.
    let f = frame.centre;
    let sheet_corners = [
        (f.left().get(), f.top().get()),
        (f.right().get(), f.top().get()),
        (f.right().get(), f.bottom().get()),
        (f.left().get(), f.bottom().get()),
    ];
    let map = homography(&sheet_corners, &found)
        .ok_or_else(|| not_found("the frame's corners give no map"))?;

    // What the map says at the frame's centre: its local turn and scale.
    let (cx, cy) = (
        (f.left().get() + f.right().get()) / 2.0,
        (f.top().get() + f.bottom().get()) / 2.0,
    );
    let (p0, px, py) = (
        project(&map, cx, cy),
        project(&map, cx + 1.0, cy),
        project(&map, cx, cy + 1.0),
    );
    let (a, b) = (px.0 - p0.0, px.1 - p0.1);
    let (c, d) = (py.0 - p0.0, py.1 - p0.1);
    let (measured_x, measured_y) = (a.hypot(b), c.hypot(d));
    let (found_w, found_h) = frame_extent(&found);
    let (dpi, resolution_from) = match scan.dpi {
        Some(dpi) => (dpi, ResolutionFrom::File),
        None => (
            25.4 * (found_w / frame_w + found_h / frame_h) / 2.0,
            ResolutionFrom::Frame,
        ),
    };
    let px_per_mm = dpi / 25.4;
    let side = |i: usize| {
        let (p, q) = (found[i], found[(i + 1) % 4]);
        (q.0 - p.0).hypot(q.1 - p.1)
    };
    let keystone = (side(0) / side(2) - 1.0)
        .abs()
        .max((side(1) / side(3) - 1.0).abs());
    let origin = project(&map, 0.0, 0.0);
    // The residual: each measured point's distance from its mapped frame edge.
    let mut sum = 0.0;
    let mut count = 0;
    for (side, points) in all_points.iter().enumerate() {
        let (s0, s1) = (found[side], found[(side + 1) % 4]);
        let (dx, dy) = (s1.0 - s0.0, s1.1 - s0.1);
        let len = dx.hypot(dy);
        for &(x, y) in points {
            let distance = ((x - s0.0) * dy - (y - s0.1) * dx) / len;
            sum += distance * distance;
            count += 1;
        }
    }
    let registration = Registration {
        offset_x: Mm(origin.0 / px_per_mm),
        offset_y: Mm(origin.1 / px_per_mm),
        rotation_deg: b.atan2(a).to_degrees(),
        scale_x: measured_x / px_per_mm,
        scale_y: measured_y / px_per_mm,
        keystone,
        dpi,
        resolution_from,
        residual: Mm((sum / count.max(1) as f64).sqrt() / px_per_mm),
        points: count,
        map,
    };
    check_plausible(&registration, scan.dpi)?;
    Ok(registration)
}

/// Fine: each edge from the coarse corners, clockwise (top, right, bottom, left), fitted
/// to its measured points; the lines and the points kept.
#[allow(clippy::type_complexity)]
fn fine_edges(
    scan: &Scan,
    corners: &[(f64, f64); 4],
    px_per_mm: f64,
    line_px: f64,
) -> Result<(Vec<Line>, Vec<Vec<(f64, f64)>>)> {
    let mut lines = Vec::with_capacity(4);
    let mut all_points = Vec::new();
    for side in 0..4 {
        let (a, b) = (corners[side], corners[(side + 1) % 4]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let length = dx.hypot(dy);
        let dir = (dx / length, dy / length);
        // Corners run clockwise on the y-down capture: inward is the direction turned right.
        let inward = (-dir.1, dir.0);
        let points = edge_points(scan, a, dir, inward, length, px_per_mm, line_px);
        if points.len() < 12 {
            return Err(not_found(format!(
                "the frame's {} edge shows too little ink ({} of 60 places)",
                SIDES[side],
                points.len()
            )));
        }
        // Points off the line (a picture crossing the frame) are left out of the fit and
        // of the residual.
        let (line, points) = fit_line(&points).ok_or_else(|| {
            not_found(format!("the frame's {} edge is not straight", SIDES[side]))
        })?;
        all_points.push(points);
        lines.push(line);
    }
    Ok((lines, all_points))
}

/// The edges' names, clockwise from the top, as the fine step walks them.
const SIDES: [&str; 4] = ["top", "right", "bottom", "left"];

/// A registration beyond what a capture can be is an error that says which limit, and
/// what to do about it.
fn check_plausible(r: &Registration, file_dpi: Option<f64>) -> Result<()> {
    let numbers = [
        r.offset_x.get(),
        r.offset_y.get(),
        r.rotation_deg,
        r.scale_x,
        r.scale_y,
        r.keystone,
        r.dpi,
        r.residual.get(),
    ];
    if numbers.iter().any(|v| !v.is_finite()) || r.map.iter().any(|v| !v.is_finite()) {
        return Err(not_found("the frame's edges give no map"));
    }
    if file_dpi.is_none() && !(30.0..=2400.0).contains(&r.dpi) {
        return Err(failed(
            ScanFailure::Resolution,
            format!("the frame found says the capture is {:.0} dpi", r.dpi),
            "capture the sheet at 100–1200 dpi (a phone photo: the sheet filling the picture), or give --dpi",
        ));
    }
    if r.rotation_deg.abs() > MAX_ROTATION_DEG {
        return Err(not_found(format!(
            "the frame found is turned {:.2}°, beyond the {MAX_ROTATION_DEG}° a capture may be",
            r.rotation_deg
        )));
    }
    if r.keystone > MAX_KEYSTONE {
        return Err(failed(
            ScanFailure::Registration,
            format!(
                "the frame's opposite edges differ in length by {:.1} %, beyond the {:.0} % a photo may be taken at an angle",
                r.keystone * 100.0,
                MAX_KEYSTONE * 100.0
            ),
            "hold the phone square over the sheet, or scan it flat",
        ));
    }
    let aspect = r.scale_x / r.scale_y;
    if (aspect - 1.0).abs() > MAX_SCALE_ERROR {
        return Err(not_found(format!(
            "the frame found is {:.1} % wider for its height than the spec's",
            (aspect - 1.0) * 100.0
        )));
    }
    if let Some(dpi) = file_dpi {
        let scale = (r.scale_x + r.scale_y) / 2.0;
        if (scale - 1.0).abs() > MAX_SCALE_ERROR {
            return Err(failed(
                ScanFailure::Resolution,
                format!(
                    "at {dpi:.0} dpi the frame measures {:.1} % of its size",
                    scale * 100.0
                ),
                format!(
                    "the file's resolution is not the capture's: give --dpi {:.0} (what the frame shows), or leave the resolution out to take it from the frame",
                    dpi * scale
                ),
            ));
        }
    }
    if r.residual > MAX_RESIDUAL {
        return Err(not_found(format!(
            "the frame's edges lie {:.2} mm (RMS) from any straight frame, over the {:.2} mm a registration is trusted with (a crumpled or curled sheet?)",
            r.residual.get(),
            MAX_RESIDUAL.get()
        )));
    }
    Ok(())
}

/// The frame's mean extent across (top and bottom edges) and down (left and right), from
/// its corners clockwise from the top-left.
fn frame_extent(corners: &[(f64, f64); 4]) -> (f64, f64) {
    let d = |p: (f64, f64), q: (f64, f64)| (q.0 - p.0).hypot(q.1 - p.1);
    (
        (d(corners[0], corners[1]) + d(corners[3], corners[2])) / 2.0,
        (d(corners[0], corners[3]) + d(corners[1], corners[2])) / 2.0,
    )
}

/// A frame found shorter one way than its shape says: the edge found on that side is
/// something inside the frame, and the frame's own edge is off the picture when the
/// frame, at the scale of its other direction, reaches past the picture.
fn check_whole(
    scan: &Scan,
    corners: &[(f64, f64); 4],
    ppm_w: f64,
    ppm_h: f64,
    frame: Frame,
) -> Result<()> {
    if (ppm_w / ppm_h - 1.0).abs() <= 0.06 {
        return Ok(());
    }
    let (w, h) = (scan.width as f64, scan.height as f64);
    let (frame_w, frame_h) = (frame.centre.width().get(), frame.centre.height().get());
    // Does the frame's line run on past `corner`, away from `other` (the corner at the
    // line's other end)? Then the edge found there is not the frame's.
    let runs_on = |corner: (f64, f64), other: (f64, f64)| {
        let (dx, dy) = (corner.0 - other.0, corner.1 - other.1);
        let length = dx.hypot(dy);
        let (ux, uy) = (dx / length, dy / length);
        let ppm = ppm_w.max(ppm_h);
        let dark = (3..15)
            .filter(|&mm| {
                let t = mm as f64 * ppm;
                (-3..=3).any(|across| {
                    let (x, y) = (
                        corner.0 + ux * t - uy * f64::from(across),
                        corner.1 + uy * t + ux * f64::from(across),
                    );
                    x >= 0.0
                        && y >= 0.0
                        && (x as usize) < scan.width
                        && (y as usize) < scan.height
                        && scan.luma[y as usize * scan.width + x as usize] < DARK
                })
            })
            .count();
        dark >= 8
    };
    let [tl, tr, br, bl] = *corners;
    // The frame as tall (or wide) as the longer direction says: does it fit?
    let off = if ppm_h < ppm_w {
        let needed = frame_h * ppm_w;
        let (top, bottom) = ((tl.1 + tr.1) / 2.0, (bl.1 + br.1) / 2.0);
        if runs_on(tl, bl) || runs_on(tr, br) {
            (bottom - needed < -0.02 * needed).then_some("top")
        } else {
            (top + needed > h + 0.02 * needed).then_some("bottom")
        }
    } else {
        let needed = frame_w * ppm_h;
        let (left, right) = ((tl.0 + bl.0) / 2.0, (tr.0 + br.0) / 2.0);
        if runs_on(tl, tr) || runs_on(bl, br) {
            (right - needed < -0.02 * needed).then_some("left")
        } else {
            (left + needed > w + 0.02 * needed).then_some("right")
        }
    };
    match off {
        Some(side) => Err(failed(
            ScanFailure::PartialSheet,
            format!("the frame runs off the picture at the {side}"),
            "capture the whole sheet: an A3 sheet needs an A3 bed, or a photo with a margin round the sheet",
        )),
        None => Err(not_found(format!(
            "the edges found do not make the spec's frame ({:.0} × {:.0} mm): they are {:.1} % out of its shape",
            frame_w,
            frame_h,
            (ppm_w / ppm_h - 1.0).abs() * 100.0
        ))),
    }
}

/// The corners of the coarse edges (left, top, right, bottom), clockwise from the
/// top-left.
fn corners_of(edges: &[((f64, f64), f64); 4]) -> Option<[(f64, f64); 4]> {
    let meet = |(n, c): ((f64, f64), f64), (m, d): ((f64, f64), f64)| {
        let det = n.0 * m.1 - n.1 * m.0;
        (det.abs() > 1e-9).then(|| ((c * m.1 - n.1 * d) / det, (n.0 * d - c * m.0) / det))
    };
    let [left, top, right, bottom] = *edges;
    Some([
        meet(left, top)?,
        meet(right, top)?,
        meet(right, bottom)?,
        meet(left, bottom)?,
    ])
}

/// The sheet as the capture shows it, resampled into sheet millimetres at `dpi`: what the
/// ink measurement reads (grey). Outside the capture is white.
pub(crate) fn rectify(scan: &Scan, registration: &Registration, sheet: Size, dpi: f64) -> Picture {
    let map = registration.map;
    let (width, height) = (
        sheet.width.to_px(dpi).round() as usize,
        sheet.height.to_px(dpi).round() as usize,
    );
    let mm_per_px = 25.4 / dpi;
    let mut rgb = vec![255u8; width * height * 3];
    rgb.par_chunks_mut(width * 3)
        .enumerate()
        .for_each(|(row, line)| {
            let y = (row as f64 + 0.5) * mm_per_px;
            for (col, pixel) in line.chunks_exact_mut(3).enumerate() {
                let x = (col as f64 + 0.5) * mm_per_px;
                let (sx, sy) = project(&map, x, y);
                if let Some(v) = bilinear(scan, sx - 0.5, sy - 0.5) {
                    pixel.fill(v);
                }
            }
        });
    Picture {
        width,
        height,
        dpi,
        rgb,
    }
}

fn bilinear(scan: &Scan, x: f64, y: f64) -> Option<u8> {
    if !(x >= 0.0 && y >= 0.0) {
        return None;
    }
    let (x0, y0) = (x as usize, y as usize);
    if x0 + 1 >= scan.width || y0 + 1 >= scan.height {
        return None;
    }
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    let at = |x: usize, y: usize| f64::from(scan.luma[y * scan.width + x]);
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
    let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
    Some((top * (1.0 - fy) + bottom * fy).round() as u8)
}

/// Points of the frame's line along the edge from `start` in direction `dir`: at each of
/// 60 places, coming in along `inward` from 3 mm outside, the first dark run, its middle
/// to a sub-pixel (where the luma crosses the threshold going in and coming out). A run
/// more than twice the line's width (the line merged with what lies next to it) gives no
/// point.
fn edge_points(
    scan: &Scan,
    start: (f64, f64),
    dir: (f64, f64),
    inward: (f64, f64),
    length: f64,
    px_per_mm: f64,
    line_px: f64,
) -> Vec<(f64, f64)> {
    let sample = |x: f64, y: f64| -> Option<f64> {
        let (xi, yi) = (x.round(), y.round());
        if xi < 0.0 || yi < 0.0 || xi as usize >= scan.width || yi as usize >= scan.height {
            return None;
        }
        Some(f64::from(scan.luma[yi as usize * scan.width + xi as usize]))
    };
    let dark = f64::from(DARK);
    // Where the luma crosses the threshold between steps k − 1 (value a) and k (value b).
    let crossing =
        |k: usize, a: f64, b: f64| k as f64 - 1.0 + ((a - dark) / (a - b)).clamp(0.0, 1.0);
    let reach = 3.0 * px_per_mm;
    let mut points = Vec::new();
    for i in 0..60 {
        // Away from the corners, where the other edges are.
        let t = length * (0.1 + 0.8 * i as f64 / 59.0);
        let base = (
            start.0 + dir.0 * t - inward.0 * reach,
            start.1 + dir.1 * t - inward.1 * reach,
        );
        let steps = (2.0 * reach) as usize;
        let mut previous: Option<f64> = None;
        let mut entered: Option<f64> = None;
        for k in 0..steps {
            let (x, y) = (base.0 + inward.0 * k as f64, base.1 + inward.1 * k as f64);
            let Some(value) = sample(x, y) else {
                previous = None;
                continue;
            };
            match (entered, previous) {
                (None, Some(before)) if value < dark => entered = Some(crossing(k, before, value)),
                (Some(into), Some(before)) if value >= dark => {
                    let out = crossing(k, before, value);
                    if out - into <= 2.0 * line_px.max(1.0) + 1.0 {
                        let middle = (into + out) / 2.0;
                        // Pixel centres lie at half-integers of the continuous capture.
                        points.push((
                            base.0 + inward.0 * middle + 0.5,
                            base.1 + inward.1 * middle + 0.5,
                        ));
                    }
                    break;
                }
                _ => {}
            }
            previous = Some(value);
        }
    }
    points
}

/// A line through `points` (point, unit direction): least squares, then again without
/// the points more than three median deviations off.
fn fit_line(points: &[(f64, f64)]) -> Option<(Line, Vec<(f64, f64)>)> {
    let fit = |points: &[(f64, f64)]| -> Option<Line> {
        let n = points.len() as f64;
        if n < 2.0 {
            return None;
        }
        let (mx, my) = points
            .iter()
            .fold((0.0, 0.0), |(a, b), p| (a + p.0, b + p.1));
        let (mx, my) = (mx / n, my / n);
        let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
        for &(x, y) in points {
            sxx += (x - mx) * (x - mx);
            sxy += (x - mx) * (y - my);
            syy += (y - my) * (y - my);
        }
        // The principal direction of the points.
        let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
        Some(((mx, my), (theta.cos(), theta.sin())))
    };
    let line = fit(points)?;
    let distance = |(p, d): Line, q: (f64, f64)| ((q.0 - p.0) * d.1 - (q.1 - p.1) * d.0).abs();
    let mut deviations: Vec<f64> = points.iter().map(|&q| distance(line, q)).collect();
    deviations.sort_by(f64::total_cmp);
    let median = deviations[deviations.len() / 2].max(0.25);
    let kept: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|&q| distance(line, q) <= 3.0 * median)
        .collect();
    Some((fit(&kept)?, kept))
}

fn intersect(a: Line, b: Line) -> Option<(f64, f64)> {
    let ((p, r), (q, s)) = (a, b);
    let cross = r.0 * s.1 - r.1 * s.0;
    if cross.abs() < 1e-9 {
        return None;
    }
    let t = ((q.0 - p.0) * s.1 - (q.1 - p.1) * s.0) / cross;
    Some((p.0 + t * r.0, p.1 + t * r.1))
}

/// The homography taking each `from` point to its `to` point (four pairs, exact): the
/// eight unknowns of (h0·x + h1·y + h2) / (h6·x + h7·y + 1) and its y twin, by Gaussian
/// elimination with partial pivoting. Coordinates are centred and scaled first, so that
/// millimetres and thousands of pixels meet on equal terms.
fn homography(from: &[(f64, f64); 4], to: &[(f64, f64); 4]) -> Option<[f64; 8]> {
    let normaliser = |points: &[(f64, f64); 4]| {
        let (mx, my) = points
            .iter()
            .fold((0.0, 0.0), |a, p| (a.0 + p.0 / 4.0, a.1 + p.1 / 4.0));
        let spread = points
            .iter()
            .map(|p| (p.0 - mx).hypot(p.1 - my))
            .sum::<f64>()
            / 4.0;
        (mx, my, if spread > 0.0 { 1.0 / spread } else { 1.0 })
    };
    let (fx, fy, fs) = normaliser(from);
    let (tx, ty, ts) = normaliser(to);
    let mut m = [[0.0f64; 9]; 8];
    for (k, (&(x, y), &(u, v))) in from.iter().zip(to).enumerate() {
        let (x, y) = ((x - fx) * fs, (y - fy) * fs);
        let (u, v) = ((u - tx) * ts, (v - ty) * ts);
        m[2 * k] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * k + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let factor = m[row][col] / m[col][col];
                let pivot_row = m[col];
                for (value, pivot) in m[row].iter_mut().zip(pivot_row).skip(col) {
                    *value -= factor * pivot;
                }
            }
        }
    }
    let n: Vec<f64> = (0..8).map(|i| m[i][8] / m[i][i]).collect();
    // Undo the normalisations: H = T⁻¹ · N · F, with F = [fs 0 −fs·fx; 0 fs −fs·fy; 0 0 1]
    // and T⁻¹ = [1/ts 0 tx; 0 1/ts ty; 0 0 1].
    let nm = [[n[0], n[1], n[2]], [n[3], n[4], n[5]], [n[6], n[7], 1.0]];
    let f = [[fs, 0.0, -fs * fx], [0.0, fs, -fs * fy], [0.0, 0.0, 1.0]];
    let t = [[1.0 / ts, 0.0, tx], [0.0, 1.0 / ts, ty], [0.0, 0.0, 1.0]];
    let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
        let mut c = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                c[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        c
    };
    let h = mul(t, mul(nm, f));
    let s = h[2][2];
    if s.abs() < 1e-12 {
        return None;
    }
    Some([
        h[0][0] / s,
        h[0][1] / s,
        h[0][2] / s,
        h[1][0] / s,
        h[1][1] / s,
        h[1][2] / s,
        h[2][0] / s,
        h[2][1] / s,
    ])
}

/// The frame `spec` registers scans on: its `registration` element, a stroked rectangle
/// (the line's centre-line and width from its stroke), or any element with a fixed box
/// (its edges as a hairline).
pub(crate) fn frame(spec: &crate::spec::Spec) -> Option<Frame> {
    use crate::spec::{Element, StrokeAlign};
    let id = spec.registration.as_ref()?;
    let element = spec.elements.iter().find(|e| e.id() == id)?;
    let outline = element.fixed_box()?;
    match element {
        Element::Rect(shape) => match &shape.stroke {
            Some(stroke) => {
                let centre = match stroke.align {
                    StrokeAlign::Inside => outline.outset(Mm(-stroke.width.get() / 2.0))?,
                    StrokeAlign::Centre => outline,
                };
                Some(Frame {
                    centre,
                    width: stroke.width,
                })
            }
            None => Some(Frame {
                centre: outline,
                width: Mm(0.2),
            }),
        },
        _ => Some(Frame {
            centre: outline,
            width: Mm(0.2),
        }),
    }
}

/// A capture registered on its spec's frame.
#[derive(Debug, Clone)]
pub struct RegisteredScan {
    /// Where the sheet lies in the capture.
    pub registration: Registration,
    /// What the light and the bed did.
    pub lighting: Lighting,
    /// The sheet, resampled into sheet millimetres (at most 300 dpi, what the ink
    /// measurement needs), flattened: paper is white.
    pub sheet: Picture,
}

/// A capture of a sheet of `spec` registered and resampled as [`crate::Licence::check`]
/// does, for driving registration alone.
#[cfg(feature = "stages")]
pub fn sheet_of_scan(scan: Scan, spec: &crate::spec::Spec) -> Result<RegisteredScan> {
    register_sheet(scan, spec)
}

/// A capture of a sheet of `spec` as the sheet itself: flattened, registered on the
/// spec's frame and resampled into sheet millimetres at the capture's resolution, at most
/// 300 dpi.
pub(crate) fn register_sheet(mut scan: Scan, spec: &crate::spec::Spec) -> Result<RegisteredScan> {
    let frame = frame(spec).ok_or_else(|| Error::Options {
        message: format!(
            "the spec `{}` names no registration frame (`registration: \"<element id>\"`): a scan cannot be placed",
            spec.name
        ),
    })?;
    if scan.luma.len() != scan.width * scan.height {
        return Err(Error::Unreadable {
            what: "the capture".into(),
            message: format!(
                "{} luma values for {} × {} pixels",
                scan.luma.len(),
                scan.width,
                scan.height
            ),
        });
    }
    // About a millimetre: from the resolution, or from the picture's size for a photo.
    let px_per_mm = scan.dpi.map_or_else(
        || {
            (scan.width as f64 / spec.page.width.get())
                .min(scan.height as f64 / spec.page.height.get())
        },
        |dpi| dpi / 25.4,
    );
    let lighting = flatten::flatten(&mut scan, px_per_mm.round() as usize);
    let registration = register(&scan, frame, spec.page)?;
    let sheet = rectify(&scan, &registration, spec.page, registration.dpi.min(300.0));
    Ok(RegisteredScan {
        registration,
        lighting,
        sheet,
    })
}

/// A similarity map `found = scale · R(rotation) · placed + offset`, fitted over pairs of
/// points (sheet mm), with the RMS distance of the points from it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Similarity {
    /// Scale.
    pub scale: f64,
    /// Turn, degrees, clockwise.
    pub rotation_deg: f64,
    /// Offset across, mm (the top-left corner's landing).
    pub offset_x: Mm,
    /// Offset down, mm.
    pub offset_y: Mm,
    /// RMS distance of the found points from the map's.
    pub residual: Mm,
    /// Pairs fitted.
    pub points: usize,
}

/// A point where it belongs and where it was found, sheet mm.
pub(crate) type PointPair = ((f64, f64), (f64, f64));

/// The least-squares similarity taking `pairs.0` to `pairs.1`; `None` for fewer than two
/// distinct points. Scale and offset are fitted with the turn left out (a print pass or a
/// printer is moved and scaled, and a turn is reported, not applied).
pub(crate) fn fit_similarity(pairs: &[PointPair]) -> Option<Similarity> {
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return None;
    }
    let (mut px, mut py, mut fx, mut fy) = (0.0, 0.0, 0.0, 0.0);
    for &((a, b), (c, d)) in pairs {
        px += a;
        py += b;
        fx += c;
        fy += d;
    }
    let (px, py, fx, fy) = (px / n, py / n, fx / n, fy / n);
    let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
    for &((a, b), (c, d)) in pairs {
        let (ex, ey, gx, gy) = (a - px, b - py, c - fx, d - fy);
        dot += ex * gx + ey * gy;
        cross += ex * gy - ey * gx;
        norm += ex * ex + ey * ey;
    }
    if norm <= 1e-9 {
        return None;
    }
    let scale = dot / norm;
    let (ox, oy) = (fx - scale * px, fy - scale * py);
    let residual = (pairs
        .iter()
        .map(|&((a, b), (c, d))| {
            let (dx, dy) = (c - (scale * a + ox), d - (scale * b + oy));
            dx * dx + dy * dy
        })
        .sum::<f64>()
        / n)
        .sqrt();
    Some(Similarity {
        scale,
        rotation_deg: cross.atan2(dot).to_degrees(),
        offset_x: Mm(ox),
        offset_y: Mm(oy),
        residual: Mm(residual),
        points: pairs.len(),
    })
}

/// How one production pass landed against the sheet (a 套打 sheet's print pass against
/// the pre-printed blank the scan was registered on): fitted over the top-left corners of
/// its texts' and labels' ink, where the layout put them and where `entries` found them
/// (the corner, as a label's right edge meets its content, whose ink the measurement
/// leaves out). A blurred scan spreads ink outward, which moves the corners found up and
/// left by a fraction of a pixel: about 0.2 mm at 150 dpi, less at 300.
pub(crate) fn pass_misregistration(
    layout: &crate::layout::Layout,
    entries: &[super::ink::InkEntry],
    pass: crate::spec::Pass,
) -> Option<Similarity> {
    use crate::layout::Part;
    let corner = |r: &Rect| (r.left().get(), r.top().get());
    let pairs: Vec<_> = layout
        .report
        .iter()
        .filter(|p| p.pass == pass && matches!(p.part, Part::Label | Part::Text))
        .filter_map(|p| {
            let expected = p.ink.as_ref()?;
            let found = entries
                .iter()
                .find(|e| e.element == p.element && e.part == p.part)?
                .found
                .as_ref()?;
            Some((corner(expected), corner(found)))
        })
        .collect();
    fit_similarity(&pairs)
}

//! Registration of a scan: where the sheet lies on the scanner bed, turned and scaled, so
//! that its elements can be measured in sheet millimetres.
//!
//! A scan holds the sheet anywhere on a larger bed, turned by up to ±3° and scaled by up to
//! ±2 % (scanner and paper). The spec names a printed frame to register on (the Liuzhou
//! border's outer keyline): four straight edges at known places.
//!
//! 1. Coarse: on a copy shrunk to about 3 pixels a millimetre (each pixel the darkest of
//!    its block, so thin lines survive), the dark pixels are projected on both axes of
//!    every angle from −3.5° to 3.5° in 0.1° steps; the frame's long edges make the
//!    sharpest projections at the sheet's angle. The outermost projections as long as
//!    half an edge are the frame's edges.
//! 2. Fine: along each edge, at full resolution, the first dark pixel met coming in from
//!    outside, to a sub-pixel, at 60 places; a line is fitted to them (least squares,
//!    then again without the points more than three median deviations off).
//! 3. The four lines' corners give the affine map from sheet millimetres to scan pixels
//!    (least squares over the four), reported as offset, rotation and scale; its residual
//!    is the RMS distance of every edge point from the mapped frame.
//!
//! A frame not found, a transform beyond the turn and scale a scan can have, or a residual
//! over 0.3 mm is an error that says so: never a report of nonsense.

use serde::Serialize;

use super::image::Picture;
use crate::error::{Error, Result};
use crate::units::{Mm, Rect, Size};

/// How far a scan may be turned.
pub const MAX_ROTATION_DEG: f64 = 3.5;
/// How far a scan's scale may be off.
pub const MAX_SCALE_ERROR: f64 = 0.03;
/// The largest residual a registration is trusted with.
pub const MAX_RESIDUAL: Mm = Mm(0.3);
/// A pixel darker than this is ink, for finding the frame.
const DARK: u8 = 160;

/// Where the sheet lies in a scan.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Registration {
    /// Where the sheet's top-left corner lies on the scan, mm from its top-left.
    pub offset_x: Mm,
    /// The same, down.
    pub offset_y: Mm,
    /// How far the sheet is turned, degrees, clockwise.
    pub rotation_deg: f64,
    /// Scale across, scan over sheet (1 = the resolution says the truth).
    pub scale_x: f64,
    /// Scale down.
    pub scale_y: f64,
    /// RMS distance of the frame's measured edges from where the transform puts them.
    pub residual: Mm,
    /// Edge points measured.
    pub points: usize,
    /// Sheet mm → scan pixels: x' = a·x + c·y + e, y' = b·x + d·y + f.
    #[serde(skip)]
    map: [f64; 6],
}

fn not_found(message: impl Into<String>) -> Error {
    Error::Render {
        message: format!(
            "registration failed: {}. The scan must show the whole frame the spec registers on",
            message.into()
        ),
    }
}

/// The printed rectangle scans register on, sheet mm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The line's centre-line: what is measured, as blur and threshold move a dark line's
    /// two edges apart but leave its middle where it was.
    pub centre: Rect,
    /// The line's width.
    pub width: Mm,
}

/// Registers `scan` on the printed rectangle `frame`.
pub fn register(scan: &Picture, frame: Frame) -> Result<Registration> {
    let line_px = frame.width.to_px(scan.dpi);
    let frame_box = frame.centre;
    let px_per_mm = scan.dpi / 25.4;
    let luma = scan.luma();
    let (angle, coarse) = coarse(scan, &luma, frame_box, px_per_mm)?;
    // The four edges, each from outside inward: (a point on it, its direction, the
    // inward normal, its length in pixels).
    let (sin, cos) = angle.to_radians().sin_cos();
    let to_scan = |u: f64, v: f64| (u * cos - v * sin, u * sin + v * cos);
    let [left, top, right, bottom] = coarse;
    let corners = [
        to_scan(left, top),
        to_scan(right, top),
        to_scan(right, bottom),
        to_scan(left, bottom),
    ];
    let mut lines = Vec::with_capacity(4);
    let mut all_points = Vec::new();
    for side in 0..4 {
        let (a, b) = (corners[side], corners[(side + 1) % 4]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let length = dx.hypot(dy);
        let dir = (dx / length, dy / length);
        // Corners run clockwise on the y-down scan: inward is the direction turned right.
        let inward = (-dir.1, dir.0);
        let points = edge_points(scan, &luma, a, dir, inward, length, px_per_mm, line_px);
        if points.len() < 12 {
            return Err(not_found(format!(
                "edge {} of the frame shows too little ink",
                side + 1
            )));
        }
        // Points off the line (a picture crossing the frame) are left out of the fit and
        // of the residual.
        let (line, points) =
            fit_line(&points).ok_or_else(|| not_found("an edge is not straight"))?;
        all_points.push(points);
        lines.push(line);
    }
    let mut found = Vec::with_capacity(4);
    for i in 0..4 {
        let corner = intersect(lines[(i + 3) % 4], lines[i])
            .ok_or_else(|| not_found("two edges are parallel"))?;
        found.push(corner);
    }
    // Sheet corners in the same order: top-left, top-right, bottom-right, bottom-left.
    let sheet = [
        (frame_box.left().get(), frame_box.top().get()),
        (frame_box.right().get(), frame_box.top().get()),
        (frame_box.right().get(), frame_box.bottom().get()),
        (frame_box.left().get(), frame_box.bottom().get()),
    ];
    // found[i] is where edge i-1 meets edge i: edge 0 is the top (corner 0 → 1).
    let found = [found[0], found[1], found[2], found[3]];
    let map = affine(&sheet, &found).ok_or_else(|| not_found("the corners give no transform"))?;
    let [a, b, c, d, e, f] = map;
    let scale_x = a.hypot(b) / px_per_mm;
    let scale_y = c.hypot(d) / px_per_mm;
    let rotation_deg = b.atan2(a).to_degrees();
    // The residual: each measured point's distance from its mapped frame edge.
    let mut sum = 0.0;
    let mut count = 0;
    for (side, points) in all_points.iter().enumerate() {
        let p = |(x, y): (f64, f64)| (a * x + c * y + e, b * x + d * y + f);
        let (s0, s1) = (p(sheet[side]), p(sheet[(side + 1) % 4]));
        let (dx, dy) = (s1.0 - s0.0, s1.1 - s0.1);
        let len = dx.hypot(dy);
        for &(x, y) in points {
            let distance = ((x - s0.0) * dy - (y - s0.1) * dx) / len;
            sum += distance * distance;
            count += 1;
        }
    }
    let residual = Mm((sum / count.max(1) as f64).sqrt() / px_per_mm);
    let registration = Registration {
        offset_x: Mm(e / px_per_mm),
        offset_y: Mm(f / px_per_mm),
        rotation_deg,
        scale_x,
        scale_y,
        residual,
        points: count,
        map,
    };
    if rotation_deg.abs() > MAX_ROTATION_DEG
        || (scale_x - 1.0).abs() > MAX_SCALE_ERROR
        || (scale_y - 1.0).abs() > MAX_SCALE_ERROR
    {
        return Err(not_found(format!(
            "the frame found is turned {rotation_deg:.2}° and scaled {scale_x:.4} × {scale_y:.4}, beyond what a scan can be (±{MAX_ROTATION_DEG}°, ±{:.0} %); check the scan's resolution (--dpi)",
            MAX_SCALE_ERROR * 100.0
        )));
    }
    if residual > MAX_RESIDUAL {
        return Err(not_found(format!(
            "the frame's edges lie {:.2} mm (RMS) from any straight frame, over the {:.2} mm a registration is trusted with",
            residual.get(),
            MAX_RESIDUAL.get()
        )));
    }
    Ok(registration)
}

/// The sheet as the scan shows it, resampled into sheet millimetres at `dpi`: what the
/// ink measurement reads. Outside the scan is white.
pub fn rectify(scan: &Picture, registration: &Registration, sheet: Size, dpi: f64) -> Picture {
    let [a, b, c, d, e, f] = registration.map;
    let (width, height) = (
        sheet.width.to_px(dpi).round() as usize,
        sheet.height.to_px(dpi).round() as usize,
    );
    let mm_per_px = 25.4 / dpi;
    let mut rgb = vec![255u8; width * height * 3];
    for (row, line) in rgb.chunks_exact_mut(width * 3).enumerate() {
        let y = (row as f64 + 0.5) * mm_per_px;
        for col in 0..width {
            let x = (col as f64 + 0.5) * mm_per_px;
            let (sx, sy) = (a * x + c * y + e - 0.5, b * x + d * y + f - 0.5);
            if let Some(pixel) = bilinear(scan, sx, sy) {
                line[col * 3..col * 3 + 3].copy_from_slice(&pixel);
            }
        }
    }
    Picture {
        width,
        height,
        dpi,
        rgb,
    }
}

fn bilinear(scan: &Picture, x: f64, y: f64) -> Option<[u8; 3]> {
    if !(x >= 0.0 && y >= 0.0) {
        return None;
    }
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    if x0 + 1 >= scan.width || y0 + 1 >= scan.height {
        return None;
    }
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    let at = |x: usize, y: usize, c: usize| f64::from(scan.rgb[(y * scan.width + x) * 3 + c]);
    Some([0, 1, 2].map(|c| {
        let top = at(x0, y0, c) * (1.0 - fx) + at(x0 + 1, y0, c) * fx;
        let bottom = at(x0, y0 + 1, c) * (1.0 - fx) + at(x0 + 1, y0 + 1, c) * fx;
        (top * (1.0 - fy) + bottom * fy).round() as u8
    }))
}

/// The sheet's angle and the frame's edges in the turned frame (scan pixels along the
/// turned axes: left, top, right, bottom).
fn coarse(scan: &Picture, luma: &[u8], frame: Rect, px_per_mm: f64) -> Result<(f64, [f64; 4])> {
    // About 3 pixels a millimetre, each the darkest of its block.
    let step = ((px_per_mm / 3.0).floor() as usize).max(1);
    let (w, h) = (scan.width / step, scan.height / step);
    let mut dark: Vec<(f64, f64)> = Vec::new();
    for by in 0..h {
        for bx in 0..w {
            let mut min = 255u8;
            for y in by * step..(by + 1) * step {
                let row = &luma[y * scan.width + bx * step..y * scan.width + (bx + 1) * step];
                min = min.min(*row.iter().min().unwrap_or(&255));
            }
            if min < DARK {
                dark.push((
                    (bx as f64 + 0.5) * step as f64,
                    (by as f64 + 0.5) * step as f64,
                ));
            }
        }
    }
    if dark.is_empty() {
        return Err(not_found("the scan holds no ink"));
    }
    let bin = step as f64;
    let diagonal = ((scan.width * scan.width + scan.height * scan.height) as f64).sqrt();
    let bins = (2.0 * diagonal / bin) as usize + 2;
    let project = |angle: f64| {
        let (sin, cos) = angle.to_radians().sin_cos();
        let mut us = vec![0u32; bins];
        let mut vs = vec![0u32; bins];
        for &(x, y) in &dark {
            // Into the turned frame: u along the sheet's width, v down its height.
            let u = x * cos + y * sin;
            let v = -x * sin + y * cos;
            us[((u + diagonal) / bin) as usize] += 1;
            vs[((v + diagonal) / bin) as usize] += 1;
        }
        (us, vs)
    };
    let sharpness = |(us, vs): &(Vec<u32>, Vec<u32>)| -> f64 {
        us.iter().chain(vs).map(|&n| (n as f64) * (n as f64)).sum()
    };
    let mut best = (f64::MIN, 0.0);
    let mut angle = -MAX_ROTATION_DEG;
    while angle <= MAX_ROTATION_DEG + 1e-9 {
        let score = sharpness(&project(angle));
        if score > best.0 {
            best = (score, angle);
        }
        angle += 0.1;
    }
    let angle = best.1;
    let (us, vs) = project(angle);
    // An edge: a projection as long as half the frame's side (in blocks), the outermost.
    let long = |side: Mm| side.get() * px_per_mm / bin * 0.5;
    let outer = |hist: &[u32], side: Mm| -> Option<(f64, f64)> {
        let first = hist.iter().position(|&n| f64::from(n) >= long(side))?;
        let last = hist.iter().rposition(|&n| f64::from(n) >= long(side))?;
        Some((
            first as f64 * bin - diagonal,
            (last + 1) as f64 * bin - diagonal,
        ))
    };
    let (left, right) = outer(&us, frame.height()).ok_or_else(|| not_found("no upright edge"))?;
    let (top, bottom) = outer(&vs, frame.width()).ok_or_else(|| not_found("no level edge"))?;
    Ok((angle, [left, top, right, bottom]))
}

/// Points of the frame's line along the edge from `start` in direction `dir`: at each of
/// 60 places, coming in along `inward` from 3 mm outside, the first dark run, its middle
/// to a sub-pixel (where the luma crosses the threshold going in and coming out). A run
/// more than twice the line's width (the line merged with what lies next to it) gives no
/// point.
#[allow(clippy::too_many_arguments)]
fn edge_points(
    scan: &Picture,
    luma: &[u8],
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
        Some(f64::from(luma[yi as usize * scan.width + xi as usize]))
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
                        // Pixel centres lie at half-integers of the continuous scan.
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

/// A line: a point on it and its unit direction, scan pixels.
type Line = ((f64, f64), (f64, f64));

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

/// The affine map taking each `from` point to its `to` point, least squares.
fn affine(from: &[(f64, f64); 4], to: &[(f64, f64); 4]) -> Option<[f64; 6]> {
    // Normal equations for x' = a·x + c·y + e (and the same for y'), shared matrix.
    let mut m = [[0.0f64; 3]; 3];
    let mut rx = [0.0f64; 3];
    let mut ry = [0.0f64; 3];
    for (&(x, y), &(u, v)) in from.iter().zip(to) {
        let row = [x, y, 1.0];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += row[i] * row[j];
            }
            rx[i] += row[i] * u;
            ry[i] += row[i] * v;
        }
    }
    let solve = |r: [f64; 3]| -> Option<[f64; 3]> {
        let det = |m: &[[f64; 3]; 3]| {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        };
        let d = det(&m);
        if d.abs() < 1e-12 {
            return None;
        }
        let mut out = [0.0; 3];
        for (k, slot) in out.iter_mut().enumerate() {
            let mut mk = m;
            for i in 0..3 {
                mk[i][k] = r[i];
            }
            *slot = det(&mk) / d;
        }
        Some(out)
    };
    let [a, c, e] = solve(rx)?;
    let [b, d, f] = solve(ry)?;
    Some([a, b, c, d, e, f])
}

/// The frame `spec` registers scans on: its `registration` element, a stroked rectangle
/// (the line's centre-line and width from its stroke), or any element with a fixed box
/// (its edges as a hairline).
pub fn frame(spec: &crate::spec::Spec) -> Option<Frame> {
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

/// A scan of a sheet of `spec` as the sheet itself: registered on the spec's frame and
/// resampled into sheet millimetres at the scan's resolution (at most 300 dpi, what the
/// ink measurement needs).
pub fn sheet_of_scan(scan: &Picture, spec: &crate::spec::Spec) -> Result<(Registration, Picture)> {
    let frame = frame(spec).ok_or_else(|| Error::Options {
        message: format!(
            "the spec `{}` names no registration frame (`registration: \"<element id>\"`): a scan cannot be placed",
            spec.name
        ),
    })?;
    let registration = register(scan, frame)?;
    let sheet = rectify(scan, &registration, spec.page, scan.dpi.min(300.0));
    Ok((registration, sheet))
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
pub fn pass_misregistration(
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

//! Guilloche: fine-line security patterns generated from the spec's parameters.
//!
//! A pattern is a *tile* of centre-lines drawn at several places and clipped: one period of
//! a frame's waves repeated along each side, one row of a background's waves repeated down
//! the area, one rosette in each corner. The back ends stroke the tiles, so a PDF defines
//! each tile once and every copy costs a few bytes; the raster strokes the same curves.
//!
//! Curves are cubic Béziers through points of the exact curve with the exact tangents
//! (Hermite interpolation), four per period of a wave, eight per petal of a rosette: within
//! 0.017 of the amplitude of the true sine (0.02 mm for the Liuzhou border), a quarter of a
//! 300 dpi pixel.

use std::f64::consts::TAU;
use std::sync::Arc;

use crate::display::{Affine, Lines, Path, Segment, Tile};
use crate::spec::{GuillocheElement, Pattern, PatternArea, Rosette, Spec, Waves};
use crate::units::{Mm, Point, Rect};

/// Most cubic segments one pattern may generate, tiles and copies counted: a bound on the
/// work a spec can ask of the back ends.
pub const MAX_SEGMENTS: usize = 4_000_000;

/// The boxes `g` leaves clear: each cleared element's box, grown by its margin.
pub fn holes(spec: &Spec, g: &GuillocheElement) -> Vec<Rect> {
    g.clear
        .iter()
        .filter_map(|clear| {
            let element = spec.elements.iter().find(|e| e.id() == clear.element)?;
            element.fixed_box()?.outset(clear.margin)
        })
        .collect()
}

/// The stroked lines of `g`, leaving `holes` clear. Errors say what is too dense.
pub fn generate(g: &GuillocheElement, holes: &[Rect]) -> Result<Vec<Lines>, String> {
    let too_dense = |segments: f64| {
        format!(
            "the pattern needs {segments:.0} curve segments, over the limit of {MAX_SEGMENTS}; raise the wavelength or the spacing, or lower the curves or rings"
        )
    };
    // Refused before anything is generated: a tile alone may be large.
    let estimate = estimate(g);
    // (Spec checks keep every parameter finite; a NaN would be refused all the same.)
    if estimate.is_nan() || estimate > MAX_SEGMENTS as f64 {
        return Err(too_dense(estimate));
    }
    let mut out = Vec::new();
    match g.area {
        PatternArea::Rect { at, size } => {
            let area = Rect::from_origin_size(at, size).ok_or("the area has no finite extent")?;
            let clip = area.minus(holes);
            match &g.pattern {
                Pattern::Waves(w) => out.push(background_waves(w, area, g.line_width, clip)),
                Pattern::Rosette(r) => {
                    let centre = Point::new(
                        (area.left() + area.right()) / 2.0,
                        (area.top() + area.bottom()) / 2.0,
                    );
                    out.push(Lines {
                        tile: Arc::new(Tile::new(rosette(r), g.line_width)),
                        copies: vec![Affine::rotate_then_move(0.0, centre)],
                        clip,
                    });
                }
            }
        }
        PatternArea::Frame { at, size, width } => {
            let outer = Rect::from_origin_size(at, size).ok_or("the frame has no finite extent")?;
            out.extend(frame(g, outer, width, holes));
        }
    }
    let segments: usize = out
        .iter()
        .map(|lines| lines.tile.path.segments.len() * lines.copies.len())
        .sum();
    if segments > MAX_SEGMENTS {
        return Err(too_dense(segments as f64));
    }
    Ok(out)
}

/// About how many curve segments `g` generates, tiles times copies (an upper bound, up to
/// rounding).
fn estimate(g: &GuillocheElement) -> f64 {
    let rosette =
        |r: &Rosette| f64::from(r.rings) * f64::from(r.curves) * f64::from(r.petals) * 8.0;
    let wave = |w: &Waves| {
        let per_period = if w.harmonic > 0.0 { 12.0 } else { 4.0 };
        f64::from(w.curves) * per_period
    };
    match (g.area, &g.pattern) {
        (PatternArea::Rect { size, .. }, Pattern::Waves(w)) => {
            let periods = size.width.get() / w.wavelength.get() + 2.0;
            let rows = (size.height.get() + 2.0 * (w.amplitude.get() + g.line_width.get()))
                / w.spacing.get()
                + 2.0;
            wave(w) * periods * rows
        }
        (PatternArea::Rect { .. }, Pattern::Rosette(r)) => rosette(r),
        (PatternArea::Frame { size, width, .. }, pattern) => {
            let sides = match pattern {
                Pattern::Waves(w) => {
                    let rows = width.get() / w.spacing.get() + 1.0;
                    let perimeter = 2.0 * (size.width.get() + size.height.get());
                    wave(w) * rows * (perimeter / w.wavelength.get() + 8.0)
                }
                Pattern::Rosette(_) => 0.0,
            };
            let corners = match (&g.corners, pattern) {
                (Some(r), _) | (None, Pattern::Rosette(r)) => 4.0 * rosette(r),
                (None, Pattern::Waves(_)) => 0.0,
            };
            sides + corners
        }
    }
}

/// Rows of waves across a rectangle: one row is the tile, shifted for each row.
fn background_waves(w: &Waves, area: Rect, line_width: Mm, clip: Vec<Rect>) -> Lines {
    let wavelength = w.wavelength.get();
    // One wavelength more than the area, so that a row shifted back by up to a period
    // still reaches the right edge.
    let periods = (area.width().get() / wavelength).ceil() as usize + 1;
    let tile = Arc::new(Tile::new(wave_rows(w, periods, &[0.0]), line_width));
    let reach = w.amplitude.get() + line_width.get();
    let rows = ((area.height().get() + 2.0 * reach) / w.spacing.get()).ceil() as usize + 1;
    let copies = (0..rows)
        .map(|r| {
            let turns = (r as f64 * w.shift / 360.0).rem_euclid(1.0);
            let x = area.left().get() - turns * wavelength;
            let y = area.top().get() - reach + r as f64 * w.spacing.get();
            Affine::rotate_then_move(0.0, Point::new(Mm(x), Mm(y)))
        })
        .collect();
    Lines { tile, copies, clip }
}

/// A border band: waves along each side between the corner squares, running clockwise with
/// a whole number of periods per side (so every side starts and ends alike), and the
/// corner rosettes.
fn frame(g: &GuillocheElement, outer: Rect, band: Mm, holes: &[Rect]) -> Vec<Lines> {
    let (l, t, r, b) = (outer.left(), outer.top(), outer.right(), outer.bottom());
    let half = band / 2.0;
    let p = Point::new;
    let rect = |l, t, r, b| Rect::from_ltrb(l, t, r, b);
    // (side, clockwise start on the band's centre line, direction in degrees, length)
    let sides = [
        (
            rect(l + band, t, r - band, t + band),
            p(l + band, t + half),
            0.0,
        ),
        (
            rect(r - band, t + band, r, b - band),
            p(r - half, t + band),
            90.0,
        ),
        (
            rect(l + band, b - band, r - band, b),
            p(r - band, b - half),
            180.0,
        ),
        (
            rect(l, t + band, l + band, b - band),
            p(l + half, b - band),
            270.0,
        ),
    ];
    let mut out = Vec::new();
    if let Pattern::Waves(w) = &g.pattern {
        // Rows across the band, centred on its centre line, none closer to the band's edge
        // than its amplitude.
        let room = (band.get() - 2.0 * w.amplitude.get() - g.line_width.get()).max(0.0);
        let rows = (room / w.spacing.get()).floor() as usize + 1;
        let offsets: Vec<f64> = (0..rows)
            .map(|i| (i as f64 - (rows - 1) as f64 / 2.0) * w.spacing.get())
            .collect();
        let mut tiles: Vec<(u64, Arc<Tile>)> = Vec::new();
        for (side, start, degrees) in sides {
            let Some(side) = side else { continue };
            let length = if degrees % 180.0 == 0.0 {
                side.width()
            } else {
                side.height()
            }
            .get();
            // A whole number of periods, as near the spec's wavelength as can be.
            let periods = (length / w.wavelength.get()).round().max(1.0);
            let wavelength = length / periods;
            let stretched = Waves {
                wavelength: Mm(wavelength),
                ..*w
            };
            let key = wavelength.to_bits();
            let tile = match tiles.iter().find(|(k, _)| *k == key) {
                Some((_, tile)) => tile.clone(),
                None => {
                    let tile =
                        Arc::new(Tile::new(wave_rows(&stretched, 1, &offsets), g.line_width));
                    tiles.push((key, tile.clone()));
                    tile
                }
            };
            let direction = Affine::rotate_then_move(degrees, Point::new(Mm::ZERO, Mm::ZERO));
            let copies = (0..periods as usize)
                .map(|i| {
                    let along = direction.apply(Point::new(Mm(i as f64 * wavelength), Mm::ZERO));
                    Affine::rotate_then_move(
                        degrees,
                        Point::new(start.x + along.x, start.y + along.y),
                    )
                })
                .collect();
            out.push(Lines {
                tile,
                copies,
                clip: side.minus(holes),
            });
        }
    }
    if let Some(corners) = g.corners.as_ref().or(match &g.pattern {
        Pattern::Rosette(r) => Some(r),
        Pattern::Waves(_) => None,
    }) {
        let centres = [
            p(l + half, t + half),
            p(r - half, t + half),
            p(r - half, b - half),
            p(l + half, b - half),
        ];
        let squares = [
            rect(l, t, l + band, t + band),
            rect(r - band, t, r, t + band),
            rect(r - band, b - band, r, b),
            rect(l, b - band, l + band, b),
        ];
        out.push(Lines {
            tile: Arc::new(Tile::new(rosette(corners), g.line_width)),
            // Each corner the last one turned a quarter clockwise: alike around the frame.
            copies: centres
                .iter()
                .enumerate()
                .map(|(i, &c)| Affine::rotate_then_move(90.0 * i as f64, c))
                .collect(),
            clip: squares
                .into_iter()
                .flatten()
                .flat_map(|square| square.minus(holes))
                .collect(),
        });
    }
    out
}

/// `periods` periods of every wave of `w`, on a row at each offset (y, mm); x from 0.
fn wave_rows(w: &Waves, periods: usize, offsets: &[f64]) -> Path {
    let mut path = Path::default();
    let k = TAU / w.wavelength.get();
    let amplitude = w.amplitude.get();
    let h = w.harmonic;
    // A third harmonic needs three times the segments to be followed as closely.
    let per_period = if h > 0.0 { 12 } else { 4 };
    for (row, &offset) in offsets.iter().enumerate() {
        for curve in 0..w.curves {
            let phase = (w.phase + row as f64 * w.shift).to_radians()
                + TAU * f64::from(curve) / f64::from(w.curves);
            hermite(
                &mut path,
                periods * per_period,
                0.0,
                periods as f64 * w.wavelength.get(),
                |x| {
                    let u = k * x + phase;
                    let y = offset - amplitude * ((1.0 - h) * u.sin() + h * (3.0 * u).sin());
                    let dy = -amplitude * k * ((1.0 - h) * u.cos() + 3.0 * h * (3.0 * u).cos());
                    ((x, y), (1.0, dy))
                },
            );
        }
    }
    path
}

/// A rosette centred on the tile's origin.
fn rosette(r: &Rosette) -> Path {
    let mut path = Path::default();
    let petals = f64::from(r.petals);
    for ring in 0..r.rings {
        let radius = r.radius.get() - f64::from(ring) * r.ring_spacing.get();
        for curve in 0..r.curves {
            let phase = r.phase.to_radians() + TAU * f64::from(curve) / f64::from(r.curves);
            hermite(&mut path, r.petals as usize * 8, 0.0, TAU, |theta| {
                let u = petals * theta + phase;
                let rho = radius + r.amplitude.get() * u.sin();
                let drho = r.amplitude.get() * petals * u.cos();
                let (sin, cos) = theta.sin_cos();
                (
                    (rho * cos, rho * sin),
                    (drho * cos - rho * sin, drho * sin + rho * cos),
                )
            });
            path.segments.push(Segment::Close);
        }
    }
    path
}

/// Appends the curve `f(t) = (point, derivative)` for t in `from..to` as `n` cubics whose
/// ends and tangents are the curve's own.
fn hermite(
    path: &mut Path,
    n: usize,
    from: f64,
    to: f64,
    f: impl Fn(f64) -> ((f64, f64), (f64, f64)),
) {
    let step = (to - from) / n as f64;
    let point = |(x, y): (f64, f64)| Point::new(Mm(x), Mm(y));
    let (mut p0, mut d0) = f(from);
    path.segments.push(Segment::MoveTo(point(p0)));
    for i in 1..=n {
        let (p1, d1) = f(from + step * i as f64);
        let c0 = (p0.0 + d0.0 * step / 3.0, p0.1 + d0.1 * step / 3.0);
        let c1 = (p1.0 - d1.0 * step / 3.0, p1.1 - d1.1 * step / 3.0);
        path.segments
            .push(Segment::CubicTo(point(c0), point(c1), point(p1)));
        (p0, d0) = (p1, d1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wave_tile_follows_the_sine_within_two_hundredths_of_its_amplitude() {
        let w = Waves {
            wavelength: Mm(6.0),
            amplitude: Mm(1.0),
            curves: 1,
            spacing: Mm(1.0),
            phase: 0.0,
            shift: 0.0,
            harmonic: 0.0,
        };
        let path = wave_rows(&w, 1, &[0.0]);
        let mut start = Point::new(Mm(0.0), Mm(0.0));
        for segment in &path.segments {
            match *segment {
                Segment::MoveTo(p) => start = p,
                Segment::CubicTo(c0, c1, end) => {
                    for i in 0..=10 {
                        let t = f64::from(i) / 10.0;
                        let bez = |a: Mm, b: Mm, c: Mm, d: Mm| {
                            let s = 1.0 - t;
                            a.get() * s * s * s
                                + 3.0 * b.get() * s * s * t
                                + 3.0 * c.get() * s * t * t
                                + d.get() * t * t * t
                        };
                        let x = bez(start.x, c0.x, c1.x, end.x);
                        let y = bez(start.y, c0.y, c1.y, end.y);
                        let exact = -(TAU * x / 6.0).sin();
                        // Hermite's bound for a quarter period: (π/2)⁴/384 ≈ 0.016.
                        assert!((y - exact).abs() < 0.017, "at x {x}: {y} vs {exact}");
                    }
                    start = end;
                }
                _ => {}
            }
        }
    }
}

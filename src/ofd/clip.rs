//! Guilloche lines cut to their region by geometry, not by a clip path.
//!
//! The PDF and the raster draw a tile at every copy and clip it. An OFD can clip too
//! (`Clips`, §8.5 of GB/T 33190), but readers differ in whether they honour it, and one
//! that does not would draw the pattern across the QR code's quiet zone, where a scanner
//! then fails. So the OFD gets the curves themselves cut where they leave the region: every
//! copy's cubics mapped onto the sheet, split where they cross a rectangle's edge, and the
//! pieces inside kept.

use crate::display::{Affine, Lines, Path, Segment};
use crate::units::{Mm, Point};

/// The centre-lines of `lines` on the sheet, inside its clip region only: open subpaths of
/// cubics and straight lines, in sheet millimetres.
pub fn cut(lines: &Lines) -> Path {
    let rects: Vec<[f64; 4]> = lines
        .clip
        .iter()
        .map(|r| {
            [
                r.left().get(),
                r.top().get(),
                r.right().get(),
                r.bottom().get(),
            ]
        })
        .collect();
    let mut xs: Vec<f64> = rects.iter().flat_map(|r| [r[0], r[2]]).collect();
    let mut ys: Vec<f64> = rects.iter().flat_map(|r| [r[1], r[3]]).collect();
    for v in [&mut xs, &mut ys] {
        v.sort_by(f64::total_cmp);
        v.dedup();
    }
    let inside = |p: [f64; 2]| {
        rects
            .iter()
            .any(|r| p[0] >= r[0] && p[0] <= r[2] && p[1] >= r[1] && p[1] <= r[3])
    };
    let mut out = Path::default();
    for copy in &lines.copies {
        let mut pen: Option<[f64; 2]> = None;
        let mut start: Option<[f64; 2]> = None;
        // Where the last kept piece ended: a piece starting there continues the subpath.
        let mut open_end: Option<[f64; 2]> = None;
        for segment in &lines.tile.path.segments {
            let curve = match *segment {
                Segment::MoveTo(p) => {
                    let p = map(copy, p);
                    pen = Some(p);
                    start = Some(p);
                    continue;
                }
                Segment::LineTo(p) => {
                    let Some(from) = pen else { continue };
                    let to = map(copy, p);
                    pen = Some(to);
                    line_as_cubic(from, to)
                }
                Segment::CubicTo(a, b, p) => {
                    let Some(from) = pen else { continue };
                    let to = map(copy, p);
                    pen = Some(to);
                    [from, map(copy, a), map(copy, b), to]
                }
                Segment::Close => {
                    let (Some(from), Some(to)) = (pen, start) else {
                        continue;
                    };
                    pen = Some(to);
                    line_as_cubic(from, to)
                }
            };
            for piece in split(curve, &xs, &ys) {
                if !inside(eval(&piece, 0.5)) {
                    continue;
                }
                if open_end != Some(piece[0]) {
                    out.segments.push(Segment::MoveTo(point(piece[0])));
                }
                out.segments.push(Segment::CubicTo(
                    point(piece[1]),
                    point(piece[2]),
                    point(piece[3]),
                ));
                open_end = Some(piece[3]);
            }
        }
    }
    out
}

type Cubic = [[f64; 2]; 4];

fn map(copy: &Affine, p: Point) -> [f64; 2] {
    let q = copy.apply(p);
    [q.x.get(), q.y.get()]
}

fn point(p: [f64; 2]) -> Point {
    Point::new(Mm(p[0]), Mm(p[1]))
}

fn line_as_cubic(a: [f64; 2], b: [f64; 2]) -> Cubic {
    let lerp = |t: f64| [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    [a, lerp(1.0 / 3.0), lerp(2.0 / 3.0), b]
}

fn eval(c: &Cubic, t: f64) -> [f64; 2] {
    let u = 1.0 - t;
    let (b0, b1, b2, b3) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    [0, 1].map(|k| b0 * c[0][k] + b1 * c[1][k] + b2 * c[2][k] + b3 * c[3][k])
}

/// The part of `c` between `t0` and `t1`, by de Casteljau.
fn sub(c: &Cubic, t0: f64, t1: f64) -> Cubic {
    let (p0, p3) = (eval(c, t0), eval(c, t1));
    // Derivatives at the ends, scaled to the sub-interval, give the inner control points.
    let d = |t: f64| {
        let u = 1.0 - t;
        [0, 1].map(|k| {
            3.0 * (u * u * (c[1][k] - c[0][k])
                + 2.0 * u * t * (c[2][k] - c[1][k])
                + t * t * (c[3][k] - c[2][k]))
        })
    };
    let h = (t1 - t0) / 3.0;
    let (d0, d1) = (d(t0), d(t1));
    [
        p0,
        [p0[0] + d0[0] * h, p0[1] + d0[1] * h],
        [p3[0] - d1[0] * h, p3[1] - d1[1] * h],
        p3,
    ]
}

/// Samples per curve when looking for crossings: a cubic crosses a line at most three
/// times, so two crossings inside one sixteenth of a tile's curve (a few tenths of a mm)
/// are all that can be missed, and they cancel out.
const SAMPLES: usize = 16;

/// `c` cut where it crosses any of the vertical lines `xs` or horizontal lines `ys`.
fn split(c: Cubic, xs: &[f64], ys: &[f64]) -> Vec<Cubic> {
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in &c {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let mut ts: Vec<f64> = Vec::new();
    for (k, lines) in [(0, xs), (1, ys)] {
        for &v in lines.iter().filter(|&&v| v > lo[k] && v < hi[k]) {
            let f = |t: f64| eval(&c, t)[k] - v;
            let mut prev = (0.0, f(0.0));
            for i in 1..=SAMPLES {
                let t = i as f64 / SAMPLES as f64;
                let ft = f(t);
                if prev.1 == 0.0 && prev.0 > 0.0 {
                    ts.push(prev.0);
                } else if prev.1 * ft < 0.0 {
                    ts.push(bisect(&f, prev.0, t));
                }
                prev = (t, ft);
            }
        }
    }
    if ts.is_empty() {
        return vec![c];
    }
    ts.sort_by(f64::total_cmp);
    ts.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    let mut pieces = Vec::with_capacity(ts.len() + 1);
    let mut from = 0.0;
    for t in ts.into_iter().chain([1.0]) {
        if t - from > 1e-9 {
            pieces.push(sub(&c, from, t));
        }
        from = t;
    }
    pieces
}

fn bisect(f: &impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let fa = f(a);
    for _ in 0..40 {
        let m = (a + b) / 2.0;
        if (f(m) < 0.0) == (fa < 0.0) {
            a = m;
        } else {
            b = m;
        }
    }
    (a + b) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::Tile;
    use crate::units::Rect;
    use std::sync::Arc;

    fn rect(l: f64, t: f64, r: f64, b: f64) -> Rect {
        Rect::from_ltrb(Mm(l), Mm(t), Mm(r), Mm(b)).unwrap()
    }

    #[test]
    fn a_line_through_a_hole_keeps_both_outer_pieces() {
        let mut path = Path::default();
        path.segments.push(Segment::MoveTo(point([0.0, 5.0])));
        path.segments.push(Segment::LineTo(point([30.0, 5.0])));
        let lines = Lines {
            tile: Arc::new(Tile::new(path, Mm(0.1))),
            copies: vec![Affine::rotate_then_move(0.0, point([0.0, 0.0]))],
            // [0, 30] × [0, 10] less a hole [10, 20] × [0, 10].
            clip: vec![rect(0.0, 0.0, 10.0, 10.0), rect(20.0, 0.0, 30.0, 10.0)],
        };
        let cut = cut(&lines);
        let ends: Vec<[f64; 2]> = cut
            .segments
            .iter()
            .filter_map(|s| match s {
                Segment::MoveTo(p) | Segment::CubicTo(_, _, p) => Some([p.x.get(), p.y.get()]),
                _ => None,
            })
            .collect();
        // Two subpaths: 0 → 10 and 20 → 30, nothing between.
        let moves = cut
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::MoveTo(_)))
            .count();
        assert_eq!(moves, 2, "{ends:?}");
        assert!(
            ends.iter()
                .all(|p| p[0] <= 10.0 + 1e-6 || p[0] >= 20.0 - 1e-6),
            "{ends:?}"
        );
        assert!((ends.last().unwrap()[0] - 30.0).abs() < 1e-6);
    }

    #[test]
    fn a_curve_leaving_the_region_is_cut_at_its_edge() {
        // A wave from (0, 0) to (10, 0) bulging to y = 3, the region y ≤ 2.
        let mut path = Path::default();
        path.segments.push(Segment::MoveTo(point([0.0, 0.0])));
        path.segments.push(Segment::CubicTo(
            point([0.0, 4.0]),
            point([10.0, 4.0]),
            point([10.0, 0.0]),
        ));
        let lines = Lines {
            tile: Arc::new(Tile::new(path, Mm(0.1))),
            copies: vec![Affine::rotate_then_move(0.0, point([0.0, 0.0]))],
            clip: vec![rect(-1.0, -1.0, 11.0, 2.0)],
        };
        let cut = cut(&lines);
        for s in &cut.segments {
            if let Segment::CubicTo(_, _, p) | Segment::MoveTo(p) = s {
                assert!(p.y.get() <= 2.0 + 1e-6, "{s:?}");
            }
        }
        // Two pieces: up to the edge, and back down from it.
        assert_eq!(
            cut.segments
                .iter()
                .filter(|s| matches!(s, Segment::MoveTo(_)))
                .count(),
            2
        );
    }
}

//! Paths whose fill does not depend on the fill rule.
//!
//! Some readers ignore a path's fill rule and fill everything non-zero: the frame's ring
//! (an outer and an inner rectangle, even-odd) then fills solid and hides what lies inside
//! it. A path whose contours nest without crossing can be wound so that both rules agree:
//! contours at an even depth (inside an even number of others) run one way, those at an
//! odd depth the other, so the winding number is 1 inside the ink and 0 in every hole.
//! Contours that cross one another have no such form, and are left as they are.

use super::{Path, Segment};
use crate::units::Point;

/// Segments a cubic is cut into to find a contour's area and containment.
const CURVE_STEPS: usize = 8;

/// One closed contour: its segments (from its `MoveTo`) and a polygon through it.
struct Contour {
    segments: Vec<Segment>,
    polygon: Vec<(f64, f64)>,
}

impl Path {
    /// The same region under the non-zero rule as `self` under its own: for an even-odd
    /// path, contours re-wound by their nesting depth and the rule set to non-zero. A
    /// non-zero path, or one whose contours cross, is returned as it is.
    pub fn nonzero_equivalent(&self) -> Path {
        if !self.even_odd {
            return self.clone();
        }
        let contours = split(&self.segments);
        if crossing(&contours) {
            return self.clone();
        }
        let mut segments = Vec::with_capacity(self.segments.len() + contours.len());
        for (i, contour) in contours.iter().enumerate() {
            let probe = contour.polygon[0];
            let depth = contours
                .iter()
                .enumerate()
                .filter(|&(j, other)| j != i && inside(probe, &other.polygon))
                .count();
            let clockwise = area(&contour.polygon) > 0.0;
            // Even depths wound one way (positive area, y down), odd the other.
            if clockwise == (depth % 2 == 0) {
                segments.extend_from_slice(&contour.segments);
            } else {
                segments.extend(reversed(&contour.segments));
            }
        }
        Path {
            segments,
            even_odd: false,
        }
    }
}

/// The contours of `segments`, each closed (an open one is closed by its fill anyway).
fn split(segments: &[Segment]) -> Vec<Contour> {
    let mut contours: Vec<Contour> = Vec::new();
    let mut last = Point::new(crate::units::Mm(0.0), crate::units::Mm(0.0));
    for &segment in segments {
        match segment {
            Segment::MoveTo(p) => {
                contours.push(Contour {
                    segments: vec![segment],
                    polygon: vec![xy(p)],
                });
                last = p;
            }
            Segment::Close => {
                if let Some(c) = contours.last_mut() {
                    c.segments.push(segment);
                }
            }
            Segment::LineTo(p) | Segment::CubicTo(_, _, p) => {
                if contours
                    .last()
                    .is_none_or(|c| c.segments.last() == Some(&Segment::Close))
                {
                    // A segment after a close starts from where the contour ended.
                    contours.push(Contour {
                        segments: vec![Segment::MoveTo(last)],
                        polygon: vec![xy(last)],
                    });
                }
                let contour = contours.last_mut().expect("pushed above");
                if let Segment::CubicTo(a, b, _) = segment {
                    let from = *contour.polygon.last().expect("starts with a point");
                    for step in 1..CURVE_STEPS {
                        let t = step as f64 / CURVE_STEPS as f64;
                        contour.polygon.push(cubic(from, xy(a), xy(b), xy(p), t));
                    }
                }
                contour.polygon.push(xy(p));
                contour.segments.push(segment);
                last = p;
            }
        }
    }
    contours.retain(|c| c.polygon.len() > 2);
    contours
}

fn xy(p: Point) -> (f64, f64) {
    (p.x.get(), p.y.get())
}

fn cubic(p0: (f64, f64), p1: (f64, f64), p2: (f64, f64), p3: (f64, f64), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p0.0 + b * p1.0 + c * p2.0 + d * p3.0,
        a * p0.1 + b * p1.1 + c * p2.1 + d * p3.1,
    )
}

/// Twice the signed area (shoelace); positive when the contour runs clockwise on a
/// y-down sheet.
fn area(polygon: &[(f64, f64)]) -> f64 {
    polygon
        .iter()
        .zip(polygon.iter().cycle().skip(1))
        .map(|(a, b)| a.0 * b.1 - b.0 * a.1)
        .sum()
}

/// Whether `p` lies inside `polygon` (even-odd ray cast).
fn inside(p: (f64, f64), polygon: &[(f64, f64)]) -> bool {
    let mut inside = false;
    for (a, b) in polygon.iter().zip(polygon.iter().cycle().skip(1)) {
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < a.0 + (p.1 - a.1) / (b.1 - a.1) * (b.0 - a.0) {
            inside = !inside;
        }
    }
    inside
}

/// Whether any two contours' edges cross. Quadratic in the edges, bounded by the paths
/// an even-odd fill is used for (rings, holes in artwork).
fn crossing(contours: &[Contour]) -> bool {
    let edges = |c: &Contour| -> Vec<((f64, f64), (f64, f64))> {
        c.polygon
            .iter()
            .copied()
            .zip(c.polygon.iter().copied().cycle().skip(1))
            .collect()
    };
    let all: Vec<_> = contours.iter().map(edges).collect();
    // Beyond this many edge pairs, the check costs more than a reader's rule is worth:
    // such a path keeps its even-odd rule.
    let total: usize = all.iter().map(Vec::len).sum();
    if total > 4_000 {
        return true;
    }
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            for &(p, q) in a {
                for &(r, s) in b {
                    if segments_cross(p, q, r, s) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

fn segments_cross(p: (f64, f64), q: (f64, f64), r: (f64, f64), s: (f64, f64)) -> bool {
    let orient = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| {
        (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
    };
    let (d1, d2) = (orient(r, s, p), orient(r, s, q));
    let (d3, d4) = (orient(p, q, r), orient(p, q, s));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

/// A contour run backwards: the same points, the curves' control points swapped.
fn reversed(segments: &[Segment]) -> Vec<Segment> {
    let closed = segments.last() == Some(&Segment::Close);
    let mut points = Vec::new();
    let mut pieces = Vec::new();
    for &segment in segments {
        match segment {
            Segment::MoveTo(p) | Segment::LineTo(p) => {
                points.push(p);
                pieces.push(None);
            }
            Segment::CubicTo(a, b, p) => {
                points.push(p);
                pieces.push(Some((a, b)));
            }
            Segment::Close => {}
        }
    }
    if closed && points.first() != points.last() {
        // The closing line made explicit, so that it is run backwards too.
        points.push(points[0]);
        pieces.push(None);
    }
    let mut out = vec![Segment::MoveTo(
        *points.last().expect("a contour has points"),
    )];
    for i in (1..points.len()).rev() {
        out.push(match pieces[i] {
            Some((a, b)) => Segment::CubicTo(b, a, points[i - 1]),
            None => Segment::LineTo(points[i - 1]),
        });
    }
    if closed {
        out.push(Segment::Close);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Mm;

    /// The path filled at 10 px a mm by tiny-skia under its own rule: the pixels inked.
    fn fill(path: &Path) -> Vec<u8> {
        let mut builder = tiny_skia::PathBuilder::new();
        for segment in &path.segments {
            match *segment {
                Segment::MoveTo(p) => {
                    builder.move_to(p.x.get() as f32 * 10.0, p.y.get() as f32 * 10.0)
                }
                Segment::LineTo(p) => {
                    builder.line_to(p.x.get() as f32 * 10.0, p.y.get() as f32 * 10.0)
                }
                Segment::CubicTo(a, b, p) => builder.cubic_to(
                    a.x.get() as f32 * 10.0,
                    a.y.get() as f32 * 10.0,
                    b.x.get() as f32 * 10.0,
                    b.y.get() as f32 * 10.0,
                    p.x.get() as f32 * 10.0,
                    p.y.get() as f32 * 10.0,
                ),
                Segment::Close => builder.close(),
            }
        }
        let shape = builder.finish().unwrap();
        let mut pixmap = tiny_skia::Pixmap::new(400, 400).unwrap();
        let paint = tiny_skia::Paint {
            anti_alias: false,
            ..Default::default()
        };
        let rule = if path.even_odd {
            tiny_skia::FillRule::EvenOdd
        } else {
            tiny_skia::FillRule::Winding
        };
        pixmap.fill_path(&shape, &paint, rule, tiny_skia::Transform::identity(), None);
        pixmap.data().chunks(4).map(|p| p[3]).collect()
    }

    #[test]
    fn nested_contours_fill_the_same_under_either_rule() {
        // A ring (both rectangles wound the same way, as the frame is drawn), an island in
        // its hole, and a circle with a hole of its own beside it.
        let mut path = Path {
            segments: Vec::new(),
            even_odd: true,
        };
        path.rect(Mm(1.0), Mm(1.0), Mm(30.0), Mm(30.0));
        path.rect(Mm(5.0), Mm(5.0), Mm(26.0), Mm(26.0));
        path.rect(Mm(10.0), Mm(10.0), Mm(20.0), Mm(20.0));
        path.ellipse(Mm(31.0), Mm(1.0), Mm(39.0), Mm(9.0));
        path.ellipse(Mm(33.0), Mm(3.0), Mm(37.0), Mm(7.0));
        let same_rule_wrongly = Path {
            even_odd: false,
            ..path.clone()
        };
        let converted = path.nonzero_equivalent();
        assert!(!converted.even_odd);
        let want = fill(&path);
        assert_ne!(
            fill(&same_rule_wrongly),
            want,
            "the test shape must tell the rules apart"
        );
        assert_eq!(fill(&converted), want);
        // Under even-odd too, the converted path is the same region.
        let both = Path {
            even_odd: true,
            ..converted
        };
        assert_eq!(fill(&both), want);
    }

    #[test]
    fn crossing_contours_are_left_alone() {
        let mut path = Path {
            segments: Vec::new(),
            even_odd: true,
        };
        path.rect(Mm(1.0), Mm(1.0), Mm(20.0), Mm(20.0));
        path.rect(Mm(10.0), Mm(10.0), Mm(30.0), Mm(30.0));
        assert_eq!(path.nonzero_equivalent(), path);
    }
}

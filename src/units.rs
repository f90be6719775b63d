//! Lengths with their unit in the type.
//!
//! Positions on the sheet are millimetres ([`Mm`]), type sizes are points ([`Pt`]). The
//! compiler keeps them apart; conversions are explicit (`Pt::to_mm`, `Mm::to_pt`). Back ends
//! turn both into `f32` device units only at their edge.

use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

use serde::{Deserialize, Deserializer};

/// Millimetres per PostScript point (1 pt = 1/72 in).
const MM_PER_PT: f64 = 25.4 / 72.0;

macro_rules! length_unit {
    ($(#[$doc:meta])* $name:ident, $suffix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Deserialize, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);

        impl $name {
            /// Zero length.
            pub const ZERO: Self = Self(0.0);

            /// The raw number in this unit.
            pub const fn get(self) -> f64 {
                self.0
            }

            /// The larger of two lengths.
            pub fn max(self, other: Self) -> Self {
                Self(self.0.max(other.0))
            }

            /// The smaller of two lengths.
            pub fn min(self, other: Self) -> Self {
                Self(self.0.min(other.0))
            }

            /// The absolute value.
            pub fn abs(self) -> Self {
                Self(self.0.abs())
            }

            /// Whether the number is finite (not NaN, not infinite).
            pub fn is_finite(self) -> bool {
                self.0.is_finite()
            }
        }

        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }

        impl Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }

        impl SubAssign for $name {
            fn sub_assign(&mut self, rhs: Self) {
                self.0 -= rhs.0;
            }
        }

        impl Neg for $name {
            type Output = Self;
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }

        impl Mul<f64> for $name {
            type Output = Self;
            fn mul(self, rhs: f64) -> Self {
                Self(self.0 * rhs)
            }
        }

        impl Div<f64> for $name {
            type Output = Self;
            fn div(self, rhs: f64) -> Self {
                Self(self.0 / rhs)
            }
        }

        impl Div for $name {
            type Output = f64;
            fn div(self, rhs: Self) -> f64 {
                self.0 / rhs.0
            }
        }

        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|v| v.0).sum())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Two decimals: a hundredth of a millimetre is below any press's registration.
                // Absurd values (from bad input) in scientific notation, to stay readable.
                if self.0.abs() < 1e6 || !self.0.is_finite() {
                    write!(f, "{:.2} {}", self.0, $suffix)
                } else {
                    write!(f, "{:.3e} {}", self.0, $suffix)
                }
            }
        }
    };
}

length_unit!(
    /// A length in millimetres: every position and box on the sheet.
    Mm,
    "mm"
);
length_unit!(
    /// A length in PostScript points (1/72 inch): type sizes and PDF user space.
    Pt,
    "pt"
);

impl Mm {
    /// The same length in points.
    pub fn to_pt(self) -> Pt {
        Pt(self.0 / MM_PER_PT)
    }

    /// The same length in device pixels at `dpi` dots per inch.
    pub fn to_px(self, dpi: f64) -> f64 {
        self.0 * dpi / 25.4
    }

    /// The length of `px` device pixels at `dpi`.
    pub fn from_px(px: f64, dpi: f64) -> Mm {
        Mm(px * 25.4 / dpi)
    }
}

impl Pt {
    /// The same length in millimetres.
    pub fn to_mm(self) -> Mm {
        Mm(self.0 * MM_PER_PT)
    }
}

/// A point on the sheet: origin top-left, x to the right, y down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Distance from the sheet's left edge.
    pub x: Mm,
    /// Distance from the sheet's top edge.
    pub y: Mm,
}

impl Point {
    /// A point from its coordinates.
    pub const fn new(x: Mm, y: Mm) -> Self {
        Self { x, y }
    }
}

/// A width and a height.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Size {
    /// Horizontal extent.
    pub width: Mm,
    /// Vertical extent.
    pub height: Mm,
}

/// An axis-aligned rectangle on the sheet.
///
/// # Guarantees
/// Every edge is finite, `left <= right` and `top <= bottom`: the fields are private and
/// every constructor checks them ([`Rect::from_ltrb`] and those built on it).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Rect {
    left: Mm,
    top: Mm,
    right: Mm,
    bottom: Mm,
}

impl Rect {
    /// Left edge.
    pub fn left(&self) -> Mm {
        self.left
    }

    /// Top edge.
    pub fn top(&self) -> Mm {
        self.top
    }

    /// Right edge.
    pub fn right(&self) -> Mm {
        self.right
    }

    /// Bottom edge.
    pub fn bottom(&self) -> Mm {
        self.bottom
    }

    /// The top-left corner.
    pub fn origin(&self) -> Point {
        Point::new(self.left, self.top)
    }

    /// A rectangle from its edges, or `None` when an edge is not finite or the edges are
    /// out of order.
    pub fn from_ltrb(left: Mm, top: Mm, right: Mm, bottom: Mm) -> Option<Self> {
        let finite = [left, top, right, bottom].iter().all(|v| v.is_finite());
        (finite && left <= right && top <= bottom).then_some(Self {
            left,
            top,
            right,
            bottom,
        })
    }

    /// A rectangle from its top-left corner and size.
    pub fn from_origin_size(origin: Point, size: Size) -> Option<Self> {
        Self::from_ltrb(
            origin.x,
            origin.y,
            origin.x + size.width,
            origin.y + size.height,
        )
    }

    /// Width of the rectangle.
    pub fn width(&self) -> Mm {
        self.right - self.left
    }

    /// Height of the rectangle.
    pub fn height(&self) -> Mm {
        self.bottom - self.top
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        Rect {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    /// Whether `other` lies inside this rectangle, allowing `slack` on every side.
    pub fn contains(&self, other: &Rect, slack: Mm) -> bool {
        other.left >= self.left - slack
            && other.top >= self.top - slack
            && other.right <= self.right + slack
            && other.bottom <= self.bottom + slack
    }

    /// The rectangle grown by `by` on every side (shrunk when negative), or `None` when
    /// that leaves it empty or not finite.
    pub fn outset(&self, by: Mm) -> Option<Rect> {
        Self::from_ltrb(
            self.left - by,
            self.top - by,
            self.right + by,
            self.bottom + by,
        )
    }

    /// This rectangle less the `holes`, as non-overlapping rectangles (a clip both back
    /// ends apply with either fill rule; a mask of neighbours in QA).
    pub fn minus(&self, holes: &[Rect]) -> Vec<Rect> {
        let area = *self;
        let holes: Vec<Rect> = holes
            .iter()
            .filter(|h| h.overlaps(&area))
            .copied()
            .collect();
        if holes.is_empty() {
            return vec![area];
        }
        let cuts = |edges: &mut Vec<f64>| {
            edges.sort_by(f64::total_cmp);
            edges.dedup();
        };
        let clamp_x = |v: Mm| v.max(area.left).min(area.right).get();
        let clamp_y = |v: Mm| v.max(area.top).min(area.bottom).get();
        let mut xs = vec![area.left.get(), area.right.get()];
        let mut ys = vec![area.top.get(), area.bottom.get()];
        for h in &holes {
            xs.extend([clamp_x(h.left), clamp_x(h.right)]);
            ys.extend([clamp_y(h.top), clamp_y(h.bottom)]);
        }
        cuts(&mut xs);
        cuts(&mut ys);
        let mut out = Vec::new();
        for band in ys.windows(2) {
            let mut run: Option<(f64, f64)> = None;
            for cell in xs.windows(2) {
                let centre = ((cell[0] + cell[1]) / 2.0, (band[0] + band[1]) / 2.0);
                let covered = holes.iter().any(|h| {
                    h.left.get() <= centre.0
                        && centre.0 <= h.right.get()
                        && h.top.get() <= centre.1
                        && centre.1 <= h.bottom.get()
                });
                match (&mut run, covered) {
                    (Some((_, end)), false) => *end = cell[1],
                    (None, false) => run = Some((cell[0], cell[1])),
                    (Some(_), true) => {
                        let (start, end) = run.take().unwrap_or_default();
                        out.extend(Rect::from_ltrb(
                            Mm(start),
                            Mm(band[0]),
                            Mm(end),
                            Mm(band[1]),
                        ));
                    }
                    (None, true) => {}
                }
            }
            if let Some((start, end)) = run {
                out.extend(Rect::from_ltrb(
                    Mm(start),
                    Mm(band[0]),
                    Mm(end),
                    Mm(band[1]),
                ));
            }
        }
        out
    }

    /// Whether the two rectangles share any area.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }
}

impl fmt::Display for Rect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "x {:.2}–{:.2} mm, y {:.2}–{:.2} mm",
            self.left.0, self.right.0, self.top.0, self.bottom.0
        )
    }
}

/// A type size: points, or one of the traditional Chinese size names (字号).
///
/// In a spec it is written as a number of points (`20`, `10.5`) or as a name in a string
/// (`"小一"`); `"24pt"` is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FontSize(pub Pt);

/// The traditional Chinese type sizes and their values in points.
pub(crate) const CHINESE_SIZES: [(&str, f64); 16] = [
    ("初号", 42.0),
    ("小初", 36.0),
    ("一号", 26.0),
    ("小一", 24.0),
    ("二号", 22.0),
    ("小二", 18.0),
    ("三号", 16.0),
    ("小三", 15.0),
    ("四号", 14.0),
    ("小四", 12.0),
    ("五号", 10.5),
    ("小五", 9.0),
    ("六号", 7.5),
    ("小六", 6.5),
    ("七号", 5.5),
    ("八号", 5.0),
];

impl FontSize {
    /// Parses a size name (`小一`) or a point value (`24`, `24pt`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some((_, pt)) = CHINESE_SIZES.iter().find(|(name, _)| *name == text) {
            return Some(Self(Pt(*pt)));
        }
        let number = text.strip_suffix("pt").unwrap_or(text).trim();
        number.parse::<f64>().ok().map(|v| Self(Pt(v)))
    }

    /// The size in points.
    pub fn pt(self) -> Pt {
        self.0
    }
}

impl<'de> Deserialize<'de> for FontSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = FontSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size in points (20, 10.5) or a Chinese size name (\"小一\")")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<FontSize, E> {
                Ok(FontSize(Pt(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FontSize, E> {
                Ok(FontSize(Pt(v as f64)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FontSize, E> {
                Ok(FontSize(Pt(v as f64)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FontSize, E> {
                FontSize::parse(v).ok_or_else(|| {
                    E::custom(format!(
                        "unknown type size {v:?}: use points (20, \"10.5pt\") or a Chinese \
                         size name such as \"小一\" (24 pt) or \"五号\" (10.5 pt)"
                    ))
                })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_and_millimetres_convert_both_ways() {
        assert!((Pt(72.0).to_mm().get() - 25.4).abs() < 1e-12);
        assert!((Mm(25.4).to_pt().get() - 72.0).abs() < 1e-12);
        assert!((Mm(420.0).to_pt().get() - 1190.551).abs() < 1e-3);
    }

    #[test]
    fn chinese_size_names_resolve_to_points() {
        assert_eq!(FontSize::parse("小一"), Some(FontSize(Pt(24.0))));
        assert_eq!(FontSize::parse("五号"), Some(FontSize(Pt(10.5))));
        assert_eq!(FontSize::parse("12pt"), Some(FontSize(Pt(12.0))));
        assert_eq!(FontSize::parse("大一"), None);
    }

    #[test]
    fn rect_refuses_reversed_or_nan_edges() {
        assert!(Rect::from_ltrb(Mm(1.0), Mm(0.0), Mm(0.0), Mm(1.0)).is_none());
        assert!(Rect::from_ltrb(Mm(f64::NAN), Mm(0.0), Mm(1.0), Mm(1.0)).is_none());
        assert!(Rect::from_ltrb(Mm(0.0), Mm(0.0), Mm(1.0), Mm(1.0)).is_some());
    }

    fn r(l: f64, t: f64, rr: f64, b: f64) -> Rect {
        Rect::from_ltrb(Mm(l), Mm(t), Mm(rr), Mm(b)).unwrap()
    }

    fn area(rects: &[Rect]) -> f64 {
        rects
            .iter()
            .map(|r| (r.width() * r.height().get()).get())
            .sum()
    }

    #[test]
    fn subtracting_a_hole_leaves_the_rest_in_disjoint_rectangles() {
        let out = r(0.0, 0.0, 10.0, 10.0).minus(&[r(2.0, 3.0, 5.0, 7.0)]);
        assert!((area(&out) - (100.0 - 12.0)).abs() < 1e-9);
        for (i, a) in out.iter().enumerate() {
            assert!(!a.overlaps(&r(2.0, 3.0, 5.0, 7.0)));
            for b in &out[i + 1..] {
                assert!(!a.overlaps(b), "{a} overlaps {b}");
            }
        }
        // Overlapping holes, one sticking out of the area.
        let out = r(0.0, 0.0, 10.0, 10.0).minus(&[r(2.0, 2.0, 6.0, 6.0), r(4.0, 4.0, 12.0, 8.0)]);
        assert!((area(&out) - (100.0 - 16.0 - 24.0 + 4.0)).abs() < 1e-9);
    }
}

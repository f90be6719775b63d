//! The display list: a laid-out page as positioned items, the one form every back end (PDF, raster, OFD) draws.
//!
//! Everything here is resolved: positions in millimetres from the sheet's top-left corner,
//! glyph ids in a face of the [`FontBook`](crate::fonts::FontBook), inks resolved to CMYK
//! or spot definitions. Back ends read nothing else: not the spec, not the record.

mod qr_outline;
mod winding;

use std::sync::Arc;

use crate::fonts::FaceId;
use crate::spec::{Cmyk, Pass};
use crate::units::{Mm, Point, Pt, Rect, Size};

pub use crate::spec::InkId;

/// An ink as the back ends need it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageInk {
    /// The spec's key for it.
    pub key: String,
    /// What it is.
    pub kind: InkKind,
}

/// Process colour or spot ink.
#[derive(Debug, Clone, PartialEq)]
pub enum InkKind {
    /// DeviceCMYK, percent.
    Process(Cmyk),
    /// A Separation with a CMYK proof colour.
    Spot {
        /// Colorant name.
        name: String,
        /// Proof and alternate colour.
        proof: Cmyk,
        /// Overprints instead of knocking out.
        overprint: bool,
        /// Invisible in daylight.
        invisible: bool,
    },
}

impl InkKind {
    /// The CMYK colour a proof shows for it.
    pub fn proof(&self) -> Cmyk {
        match self {
            InkKind::Process(cmyk) => *cmyk,
            InkKind::Spot { proof, .. } => *proof,
        }
    }
}

/// A laid-out page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The sheet.
    pub size: Size,
    /// Inks used by items.
    pub inks: Vec<PageInk>,
    /// Items in painting order.
    pub items: Vec<Item>,
    /// Bleed and crop marks (PDF only).
    pub(crate) marks: Option<crate::spec::PrintMarks>,
}

/// The leading run of `items` that does not depend on the record (the press artwork, the
/// pre-printed blank): how many, and a hash of their elements, shapes and inks. Within one
/// template the same run is the same artwork, so a back end keys what it makes of it once
/// by this (with whatever of its options changes the making).
pub(crate) fn fixed_run<'a>(items: impl IntoIterator<Item = &'a Item>) -> (usize, u64) {
    let mut hash = crate::stable_hash::StableHasher::default();
    let mut count = 0;
    for item in items.into_iter().take_while(|i| i.fixed) {
        let kind = match item.shape {
            Shape::Text(_) => 1,
            Shape::Path(_) => 2,
            Shape::Qr(_) => 3,
            Shape::Lines(_) => 4,
            Shape::Image(_) => 5,
        };
        hash.write(item.element.as_bytes());
        hash.write(&[0, kind, item.ink.0 as u8]);
        count += 1;
    }
    (count, hash.finish())
}

/// One painted thing, tagged with the spec element it comes from.
#[derive(Debug, Clone)]
pub struct Item {
    /// Id of the spec element (for reports, errors and layers).
    pub element: String,
    /// Whether the item is the same on every licence of the spec (it does not depend on
    /// the record): what a back end may prepare once.
    pub fixed: bool,
    /// Production pass.
    pub pass: Pass,
    /// Ink.
    pub ink: InkId,
    /// Geometry.
    pub shape: Shape,
}

/// The geometry of an item.
#[derive(Debug, Clone)]
pub enum Shape {
    /// Glyphs of one face on one baseline.
    Text(GlyphRun),
    /// A filled path, in millimetres.
    Path(Path),
    /// A QR symbol of square modules.
    Qr(QrSymbol),
    /// Fine lines: one tile of centre-lines drawn at several places, stroked, clipped.
    Lines(Lines),
    /// A raster picture.
    Image(PlacedImage),
}

/// A raster picture placed on the sheet: in its own CMYK (a photo), or in the item's ink
/// with the picture's [coverage](crate::bitmap::Bitmap::coverage) (a seal).
#[derive(Debug, Clone)]
pub struct PlacedImage {
    /// The decoded picture, shared by every licence that shows it.
    pub bitmap: Arc<crate::bitmap::Bitmap>,
    /// Where the whole picture lands (beyond `clip` when it covers its box).
    pub area: Rect,
    /// The box it is cut to.
    pub clip: Rect,
    /// Printed in the item's ink (true) or in the picture's own CMYK (false).
    pub in_ink: bool,
}

/// Fine stroked lines (guilloche): a tile drawn at each of `copies`, clipped to `clip`. One
/// tile serves many copies, so the PDF defines it once and the copies cost a few bytes each.
#[derive(Debug, Clone)]
pub struct Lines {
    /// The centre-lines and their width; shared by every copy, and by every licence of a
    /// spec (the pattern does not depend on the record).
    pub tile: Arc<Tile>,
    /// Where the tile is drawn: tile millimetres to sheet millimetres, rotation and
    /// translation only (the stroke width is the same everywhere).
    pub copies: Vec<Affine>,
    /// The region drawn into: a union of non-overlapping rectangles, on the sheet.
    pub clip: Vec<Rect>,
}

/// Open centre-lines in their own millimetres, stroked `width` wide.
#[derive(Debug)]
pub struct Tile {
    /// The centre-lines.
    pub path: Path,
    /// Stroke width.
    pub width: Mm,
}

impl Tile {
    /// A tile of `path` stroked `width` wide.
    pub fn new(path: Path, width: Mm) -> Self {
        Self { path, width }
    }
}

/// An affine map of millimetres: (x, y) ↦ (a·x + c·y + e, b·x + d·y + f).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// x from x.
    pub a: f64,
    /// y from x.
    pub b: f64,
    /// x from y.
    pub c: f64,
    /// y from y.
    pub d: f64,
    /// x offset, mm.
    pub e: f64,
    /// y offset, mm.
    pub f: f64,
}

impl Affine {
    /// A rotation by `degrees` (clockwise on the y-down sheet), then a move to `to`.
    pub fn rotate_then_move(degrees: f64, to: Point) -> Self {
        let (sin, cos) = degrees.to_radians().sin_cos();
        Self {
            a: cos,
            b: sin,
            c: -sin,
            d: cos,
            e: to.x.get(),
            f: to.y.get(),
        }
    }

    /// Where `p` goes.
    pub fn apply(&self, p: Point) -> Point {
        let (x, y) = (p.x.get(), p.y.get());
        Point::new(
            Mm(self.a * x + self.c * y + self.e),
            Mm(self.b * x + self.d * y + self.f),
        )
    }
}

/// Glyphs of one face, one size, on one baseline.
#[derive(Debug, Clone)]
pub struct GlyphRun {
    /// The face.
    pub face: FaceId,
    /// Type size.
    pub size: Pt,
    /// Baseline position from the top of the sheet.
    pub baseline: Mm,
    /// The glyphs, left to right.
    pub glyphs: Vec<PlacedGlyph>,
    /// Painted (true) or only present as searchable text (false).
    pub visible: bool,
}

/// A glyph at its pen position.
#[derive(Debug, Clone)]
pub struct PlacedGlyph {
    /// Glyph id in the face.
    pub id: u16,
    /// Pen x position (left edge of its advance).
    pub x: Mm,
    /// The glyph's natural advance at the run's size.
    pub advance: Mm,
    /// The text it stands for (for ToUnicode maps).
    pub text: char,
}

/// A filled path of straight and cubic segments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Path {
    /// The segments.
    pub segments: Vec<Segment>,
    /// Fill rule: even-odd (true) or non-zero winding (false).
    pub even_odd: bool,
}

/// A path segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Segment {
    /// Starts a subpath.
    MoveTo(Point),
    /// A straight line.
    LineTo(Point),
    /// A cubic Bézier curve: two control points and the end.
    CubicTo(Point, Point, Point),
    /// Closes the subpath.
    Close,
}

/// What a back end builds from a [`Path`]: its own path or content stream, in its own
/// units (points, pixels).
pub trait PathSink {
    /// Starts a subpath at `to`.
    fn move_to(&mut self, to: (f32, f32));
    /// A straight line to `to`.
    fn line_to(&mut self, to: (f32, f32));
    /// A cubic Bézier curve through the control points `c0`, `c1` to `to`.
    fn cubic_to(&mut self, c0: (f32, f32), c1: (f32, f32), to: (f32, f32));
    /// Closes the subpath.
    fn close(&mut self);
}

impl Path {
    /// Feeds every segment to `sink`, each point mapped from sheet (or tile) millimetres
    /// into the sink's space by `map`: the one walk every back end shares.
    pub fn walk(&self, mut map: impl FnMut(Point) -> (f32, f32), sink: &mut impl PathSink) {
        for segment in &self.segments {
            match *segment {
                Segment::MoveTo(p) => sink.move_to(map(p)),
                Segment::LineTo(p) => sink.line_to(map(p)),
                Segment::CubicTo(a, b, p) => {
                    let (c0, c1, to) = (map(a), map(b), map(p));
                    sink.cubic_to(c0, c1, to);
                }
                Segment::Close => sink.close(),
            }
        }
    }

    /// The box of the path's points and control points, in millimetres: `[left, top,
    /// right, bottom]`; `None` for a path without points. A curve lies inside it.
    pub fn control_box(&self) -> Option<[f64; 4]> {
        self.segments
            .iter()
            .flat_map(|segment| match *segment {
                Segment::MoveTo(p) | Segment::LineTo(p) => [Some(p), None, None],
                Segment::CubicTo(a, b, p) => [Some(a), Some(b), Some(p)],
                Segment::Close => [None; 3],
            })
            .flatten()
            .map(|p| [p.x.get(), p.y.get(), p.x.get(), p.y.get()])
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
    }

    /// Adds a closed rectangle.
    pub fn rect(&mut self, left: Mm, top: Mm, right: Mm, bottom: Mm) {
        self.segments.extend([
            Segment::MoveTo(Point::new(left, top)),
            Segment::LineTo(Point::new(right, top)),
            Segment::LineTo(Point::new(right, bottom)),
            Segment::LineTo(Point::new(left, bottom)),
            Segment::Close,
        ]);
    }

    /// Adds a closed ellipse inscribed in the box, as four cubic arcs.
    pub fn ellipse(&mut self, left: Mm, top: Mm, right: Mm, bottom: Mm) {
        // Control-point distance for a quarter circle of radius 1.
        const KAPPA: f64 = 0.552_284_749_830_793_4;
        let (cx, cy) = ((left + right) / 2.0, (top + bottom) / 2.0);
        let (rx, ry) = ((right - left) / 2.0, (bottom - top) / 2.0);
        let (kx, ky) = (rx * KAPPA, ry * KAPPA);
        let p = Point::new;
        self.segments.extend([
            Segment::MoveTo(p(right, cy)),
            Segment::CubicTo(p(right, cy + ky), p(cx + kx, bottom), p(cx, bottom)),
            Segment::CubicTo(p(cx - kx, bottom), p(left, cy + ky), p(left, cy)),
            Segment::CubicTo(p(left, cy - ky), p(cx - kx, top), p(cx, top)),
            Segment::CubicTo(p(cx + kx, top), p(right, cy - ky), p(right, cy)),
            Segment::Close,
        ]);
    }
}

/// A QR symbol placed on the sheet.
#[derive(Debug, Clone)]
pub struct QrSymbol {
    /// Top-left corner of the first module.
    pub origin: Point,
    /// Side of one module.
    pub module: Mm,
    /// Modules per side.
    pub width: usize,
    /// Dark modules, row by row.
    pub dark: Vec<bool>,
}

impl QrSymbol {
    /// Whether the module in `row`, `col` is dark.
    pub fn is_dark(&self, row: usize, col: usize) -> bool {
        self.dark[row * self.width + col]
    }

    /// Side of the whole symbol (without quiet zone).
    pub fn side(&self) -> Mm {
        self.module * self.width as f64
    }

    /// The runs of dark modules, row by row: `(row, first column, column after the last)`.
    /// What the vector back ends draw as one rectangle each. Each row is packed into bits
    /// first and its runs found by counting zeros: a module-by-module walk mispredicted a
    /// branch at every run's ends (the PDF's QR was 9 % of a batch's time, by perf).
    pub fn dark_runs(&self) -> DarkRuns {
        // One spare bit at least, always light: every run ends inside its row's words.
        let words = self.width / 64 + 1;
        let mut bits = vec![0u64; words * self.width];
        let rows = self.dark.chunks_exact(self.width.max(1)).take(self.width);
        for (row, modules) in rows.enumerate() {
            let packed = &mut bits[row * words..][..words];
            for (k, eight) in modules.chunks(8).enumerate() {
                let eight = std::array::from_fn(|i| eight.get(i).copied().unwrap_or(false));
                packed[k / 8] |= u64::from(gather_eight(eight)) << (8 * (k % 8));
            }
        }
        DarkRuns {
            bits,
            words,
            row: 0,
            col: 0,
        }
    }
}

/// The runs of a QR symbol's dark modules ([`QrSymbol::dark_runs`]).
#[derive(Debug)]
pub struct DarkRuns {
    /// The rows' modules, a bit each (dark set), `words` to a row.
    bits: Vec<u64>,
    words: usize,
    row: usize,
    col: usize,
}

impl Iterator for DarkRuns {
    type Item = (usize, usize, usize);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let packed = self.bits.get(self.row * self.words..(self.row + 1) * self.words)?;
            if let Some(start) = next_bit(packed, self.col, true) {
                let end = next_bit(packed, start, false)?;
                self.col = end;
                return Some((self.row, start, end));
            }
            self.row += 1;
            self.col = 0;
        }
    }
}

/// Eight modules (first lowest) as the bits of a byte: their bytes (0 or 1) read as one
/// word and gathered by one multiplication (each byte's bit lands in the top byte, in
/// order, without carries). Bit by bit, packing a symbol was a twentieth of a licence.
pub(crate) fn gather_eight(eight: [bool; 8]) -> u8 {
    (u64::from_le_bytes(eight.map(u8::from)).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// The first column at or after `from` whose bit is `set`, if any in `words`.
fn next_bit(words: &[u64], from: usize, set: bool) -> Option<usize> {
    let first = from / 64;
    for (i, &word) in words.iter().enumerate().skip(first) {
        let mut word = if set { word } else { !word };
        if i == first {
            word &= u64::MAX << (from % 64);
        }
        if word != 0 {
            return Some(i * 64 + word.trailing_zeros() as usize);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs found in packed bits are those of a walk module by module, for widths
    /// around the words' edges and rows dark or light to their ends.
    #[test]
    fn dark_runs_are_the_runs_of_a_walk_by_module() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for width in [0, 1, 2, 21, 63, 64, 65, 127, 128, 129, 177, 200] {
            for density in [0, 1, 2, 3] {
                let dark: Vec<bool> = (0..width * width)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        match density {
                            0 => false,
                            3 => true,
                            d => seed % 3 < d,
                        }
                    })
                    .collect();
                let symbol = QrSymbol {
                    origin: Point::new(Mm(0.0), Mm(0.0)),
                    module: Mm(1.0),
                    width,
                    dark,
                };
                let mut walked = Vec::new();
                for row in 0..width {
                    let mut col = 0;
                    while col < width {
                        if symbol.is_dark(row, col) {
                            let start = col;
                            while col < width && symbol.is_dark(row, col) {
                                col += 1;
                            }
                            walked.push((row, start, col));
                        } else {
                            col += 1;
                        }
                    }
                }
                assert_eq!(symbol.dark_runs().collect::<Vec<_>>(), walked, "{width}");
            }
        }
    }
}

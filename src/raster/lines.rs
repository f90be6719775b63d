//! Guilloche lines in the raster: thin strokes anti-aliased by distance.
//!
//! A background pattern crosses every scanline a few hundred times. tiny-skia's
//! supersampled anti-aliasing pays per crossing and per sub-scanline: about 350 ms for the
//! Liuzhou background at 300 dpi. Lines a pixel or two wide are drawn here instead from the
//! same centre-lines and width: each pixel's coverage is the share of its width, measured
//! across the line from its centre, that the stroke covers (a box filter); overlapping
//! pieces take the larger coverage (crossings and joins do not darken), and the result is
//! blended once in the ink's colour inside the clip. Curves are flattened to within 0.1 px.

use tiny_skia::{PixmapMut, Transform};

use crate::display::{Lines, PathSink};
use crate::units::{Mm, Point};

/// Flattening tolerance, pixels.
const TOLERANCE: f32 = 0.1;

/// Draws `lines` in `rgb`, through the calibration `base`, at `dpi`, into `band`: the
/// rows of the sheet from `top`. Coverage is computed in sheet pixels, so a page drawn band
/// by band is the same as drawn whole.
pub fn draw(
    band: &mut PixmapMut,
    top: u32,
    lines: &Lines,
    base: Transform,
    dpi: f64,
    rgb: [u8; 3],
) {
    let width = i64::from(band.width());
    let (band_top, band_bottom) = (i64::from(top), i64::from(top) + i64::from(band.height()));
    let s = (dpi / 25.4) as f32;
    let to_px = |x: f64, y: f64| {
        let mut p = tiny_skia::Point::from_xy(x as f32 * s, y as f32 * s);
        base.map_point(&mut p);
        (p.x, p.y)
    };
    // The clip, in whole pixels (a pixel is in when its centre is), within the band.
    let clip: Vec<[i64; 4]> = lines
        .clip
        .iter()
        .filter_map(|r| {
            let (l, t) = to_px(r.left().get(), r.top().get());
            let (rr, b) = to_px(r.right().get(), r.bottom().get());
            let edge = |v: f32, min: i64, max: i64| ((v - 0.5).ceil() as i64).clamp(min, max);
            let cell = [
                edge(l, 0, width),
                edge(t, band_top, band_bottom),
                edge(rr, 0, width),
                edge(b, band_top, band_bottom),
            ];
            (cell[0] < cell[2] && cell[1] < cell[3]).then_some(cell)
        })
        .collect();
    let Some(bounds) = clip.iter().copied().reduce(|a, b| {
        [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ]
    }) else {
        return;
    };
    let mut coverage = Coverage {
        left: bounds[0],
        top: bounds[1],
        width: (bounds[2] - bounds[0]) as usize,
        height: (bounds[3] - bounds[1]) as usize,
        cells: vec![0; ((bounds[2] - bounds[0]) * (bounds[3] - bounds[1])) as usize],
        // The calibration scales the stroke with everything else.
        radius: (lines.tile.width.get() as f32 * s * base.sx.abs()) / 2.0 + 0.5,
    };
    // The tile's extent (its control points bound its curves), to pass over copies that
    // miss the band.
    let extent = lines.tile.path.control_box();
    let (reach_top, reach_bottom) = (
        bounds[1] as f32 - coverage.radius - 1.0,
        bounds[3] as f32 + coverage.radius + 1.0,
    );
    for copy in &lines.copies {
        let place = |p: Point| {
            let q = copy.apply(p);
            to_px(q.x.get(), q.y.get())
        };
        if let Some([l, t, r, b]) = extent {
            let corners =
                [(l, t), (r, t), (l, b), (r, b)].map(|(x, y)| place(Point::new(Mm(x), Mm(y))).1);
            let (low, high) = corners
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &y| {
                    (lo.min(y), hi.max(y))
                });
            if high < reach_top || low > reach_bottom {
                continue;
            }
        }
        let mut pen = Pen {
            coverage: &mut coverage,
            at: (0.0, 0.0),
            start: (0.0, 0.0),
        };
        lines.tile.path.walk(place, &mut pen);
    }
    let pixels = band.data_mut();
    for [l, t, r, b] in clip {
        for y in t..b {
            // The clip lies inside the coverage box, which lies inside the band.
            let cells = &coverage.cells[(y - coverage.top) as usize * coverage.width..]
                [(l - coverage.left) as usize..(r - coverage.left) as usize];
            let row = &mut pixels[((y - band_top) * width + l) as usize * 4..][..cells.len() * 4];
            // Most of a row is clear of every line: eight cells at a time, read as one
            // word, are passed over when all are zero.
            let mut eights = cells.chunks_exact(8);
            let mut pixels = row.chunks_exact_mut(32);
            for (pixels, cells) in pixels.by_ref().zip(eights.by_ref()) {
                let word: [u8; 8] = cells.try_into().unwrap_or_default();
                if u64::from_ne_bytes(word) != 0 {
                    blend_cells(pixels, cells, rgb);
                }
            }
            blend_cells(pixels.into_remainder(), eights.remainder(), rgb);
        }
    }
}

/// Blends `rgb` over `pixels` (RGBA) by the coverage `cells`, one cell a pixel.
fn blend_cells(pixels: &mut [u8], cells: &[u8], rgb: [u8; 3]) {
    for (pixel, &c) in pixels.chunks_exact_mut(4).zip(cells) {
        if c == 0 {
            continue;
        }
        let c = u32::from(c);
        let blend =
            |under: u8, over: u8| ((u32::from(over) * c + u32::from(under) * (255 - c) + 127) / 255) as u8;
        pixel[0] = blend(pixel[0], rgb[0]);
        pixel[1] = blend(pixel[1], rgb[1]);
        pixel[2] = blend(pixel[2], rgb[2]);
        pixel[3] = blend(pixel[3], 255);
    }
}

/// Strokes a path's centre-lines into a [`Coverage`].
struct Pen<'a> {
    coverage: &'a mut Coverage,
    at: (f32, f32),
    /// The subpath's start, where a close draws back to.
    start: (f32, f32),
}

impl PathSink for Pen<'_> {
    fn move_to(&mut self, to: (f32, f32)) {
        self.at = to;
        self.start = to;
    }

    fn line_to(&mut self, to: (f32, f32)) {
        self.coverage.segment(self.at, to);
        self.at = to;
    }

    fn cubic_to(&mut self, c0: (f32, f32), c1: (f32, f32), to: (f32, f32)) {
        self.coverage.cubic(self.at, c0, c1, to);
        self.at = to;
    }

    fn close(&mut self) {
        self.coverage.segment(self.at, self.start);
        self.at = self.start;
    }
}

/// Per-pixel coverage of the clip's bounding box, 0–255.
struct Coverage {
    left: i64,
    top: i64,
    width: usize,
    height: usize,
    cells: Vec<u8>,
    /// Half the stroke width plus half a pixel.
    radius: f32,
}

impl Coverage {
    /// A cubic Bézier, flattened into segments within [`TOLERANCE`].
    fn cubic(&mut self, p0: (f32, f32), p1: (f32, f32), p2: (f32, f32), p3: (f32, f32)) {
        // The second differences bound how far a chord strays from the curve.
        let dd = |a: f32, b: f32, c: f32| a - 2.0 * b + c;
        let d1 = dd(p0.0, p1.0, p2.0).hypot(dd(p0.1, p1.1, p2.1));
        let d2 = dd(p1.0, p2.0, p3.0).hypot(dd(p1.1, p2.1, p3.1));
        let n = ((0.75 * d1.max(d2) / TOLERANCE).sqrt().ceil() as usize).clamp(1, 1024);
        let mut from = p0;
        for i in 1..=n {
            let t = i as f32 / n as f32;
            let u = 1.0 - t;
            let at = |a: f32, b: f32, c: f32, d: f32| {
                u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * c + t * t * t * d
            };
            let to = (at(p0.0, p1.0, p2.0, p3.0), at(p0.1, p1.1, p2.1, p3.1));
            self.segment(from, to);
            from = to;
        }
    }

    /// A straight piece of the stroke: every pixel within `radius` of it.
    fn segment(&mut self, a: (f32, f32), b: (f32, f32)) {
        if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) {
            return;
        }
        let r = self.radius;
        let x0 = ((a.0.min(b.0) - r).floor() as i64).max(self.left);
        let x1 = ((a.0.max(b.0) + r).ceil() as i64).min(self.left + self.width as i64 - 1);
        let y0 = ((a.1.min(b.1) - r).floor() as i64).max(self.top);
        let y1 = ((a.1.max(b.1) + r).ceil() as i64).min(self.top + self.height as i64 - 1);
        if x0 > x1 || y0 > y1 {
            // Wholly outside the clip's box.
            return;
        }
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let length2 = dx * dx + dy * dy;
        let inverse = if length2 > 0.0 { 1.0 / length2 } else { 0.0 };
        let r2 = r * r;
        let half = r - 0.5;
        let width = self.width;
        let x_start = (x0 - self.left) as usize;
        for y in y0..=y1 {
            let py = y as f32 + 0.5 - a.1;
            let row = &mut self.cells[(y - self.top) as usize * width..][..width];
            // The projection onto the segment grows by dx / length² per pixel.
            let mut px = x0 as f32 + 0.5 - a.0;
            let mut t = (px * dx + py * dy) * inverse;
            let step = dx * inverse;
            for cell in &mut row[x_start..=(x1 - self.left) as usize] {
                let tc = t.clamp(0.0, 1.0);
                let (ex, ey) = (px - tc * dx, py - tc * dy);
                let d2 = ex * ex + ey * ey;
                if d2 < r2 {
                    // The overlap of the pixel's width across the line, [d − ½, d + ½],
                    // with the stroke's, [−h, h].
                    let d = d2.sqrt();
                    let c = ((d + 0.5).min(half) - (d - 0.5).max(-half)).clamp(0.0, 1.0);
                    *cell = (*cell).max((c * 255.0 + 0.5) as u8);
                }
                px += 1.0;
                t += step;
            }
        }
    }
}

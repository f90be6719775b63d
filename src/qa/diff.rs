//! Comparing two renderings pixel by pixel, and saying where they differ in millimetres.
//!
//! A pixel differs when any of its channels differs by more than [`Tolerance::channel`];
//! two pictures match when the share of differing pixels is at most [`Tolerance::share`].
//! Differing pixels are grouped into regions (pixels within about a millimetre of each
//! other belong to one region) and each region's bounding box is reported in mm from the
//! sheet's top-left corner, which is what QA compares with the printed specification.

use serde::Serialize;

use crate::colour::luma;
use crate::error::{Error, Result};
use crate::qa::image::Picture;
use crate::units::{Mm, Rect};

/// How different two pictures may be and still match.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerance {
    /// Largest per-channel difference (0–255) of a pixel that still counts as equal.
    pub channel: u8,
    /// Largest share (0–1) of differing pixels of two matching pictures.
    pub share: f64,
}

impl Default for Tolerance {
    /// Strict: no pixel may differ by more than 16 levels in any channel.
    fn default() -> Self {
        Tolerance {
            channel: 16,
            share: 0.0,
        }
    }
}

/// One group of differing pixels.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// Its bounding box, mm from the sheet's top-left corner.
    pub area: Rect,
    /// How many pixels in it differ.
    pub pixels: usize,
}

/// The result of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// Pixels compared.
    pub total: usize,
    /// Pixels that differ beyond the channel tolerance.
    pub differing: usize,
    /// The largest channel difference seen anywhere.
    pub max_channel_delta: u8,
    /// Regions of differing pixels, largest first.
    pub regions: Vec<Region>,
    /// The tolerance applied.
    pub tolerance: Tolerance,
    /// Whether the pictures match within the tolerance.
    pub within_tolerance: bool,
    #[serde(skip)]
    mask: Vec<bool>,
}

impl Difference {
    /// Share of differing pixels, 0–1.
    pub fn share(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.differing as f64 / self.total as f64
        }
    }

    /// A picture of the difference: `base` faded to light grey, differing pixels in red.
    pub fn image(&self, base: &Picture) -> Picture {
        let rgb = base
            .rgb
            .chunks_exact(3)
            .zip(&self.mask)
            .flat_map(|(p, &differs)| {
                if differs {
                    [230, 0, 0]
                } else {
                    [(u16::from(luma(p[0], p[1], p[2])) / 4 + 180) as u8; 3]
                }
            })
            .collect();
        Picture { rgb, ..*base }
    }
}

/// Compares two pictures of the same size and resolution.
pub fn compare(a: &Picture, b: &Picture, tolerance: Tolerance) -> Result<Difference> {
    if (a.width, a.height) != (b.width, b.height) || (a.dpi - b.dpi).abs() > 0.5 {
        return Err(Error::Render {
            message: format!(
                "cannot compare a {} × {} picture at {:.0} dpi with a {} × {} one at {:.0} dpi; \
                 render both at the same resolution",
                a.width, a.height, a.dpi, b.width, b.height, b.dpi
            ),
        });
    }
    if !(0.0..=1.0).contains(&tolerance.share) {
        return Err(Error::Options {
            message: format!(
                "a share of differing pixels is 0–1, not {}",
                tolerance.share
            ),
        });
    }
    let mut max_channel_delta = 0;
    let mask: Vec<bool> = a
        .rgb
        .chunks_exact(3)
        .zip(b.rgb.chunks_exact(3))
        .map(|(p, q)| {
            let delta = (0..3).map(|c| p[c].abs_diff(q[c])).max().unwrap_or(0);
            max_channel_delta = max_channel_delta.max(delta);
            delta > tolerance.channel
        })
        .collect();
    let differing = mask.iter().filter(|&&d| d).count();
    let total = a.width * a.height;
    let regions = regions(&mask, a.width, a.height, a.dpi);
    let mut difference = Difference {
        total,
        differing,
        max_channel_delta,
        regions,
        tolerance,
        within_tolerance: false,
        mask,
    };
    difference.within_tolerance = difference.share() <= tolerance.share;
    Ok(difference)
}

/// Groups differing pixels: the page is cut into cells of about a millimetre; cells with
/// differing pixels that touch (also diagonally) form one region.
fn regions(mask: &[bool], width: usize, height: usize, dpi: f64) -> Vec<Region> {
    let cell = (Mm(1.0).to_px(dpi).round() as usize).max(1);
    let (columns, rows) = (width.div_ceil(cell), height.div_ceil(cell));
    // Per cell: differing pixels and their bounding box in pixels.
    #[derive(Clone, Copy)]
    struct Cell {
        pixels: usize,
        left: usize,
        top: usize,
        right: usize,
        bottom: usize,
    }
    let empty = Cell {
        pixels: 0,
        left: usize::MAX,
        top: usize::MAX,
        right: 0,
        bottom: 0,
    };
    let mut cells = vec![empty; columns * rows];
    for y in 0..height {
        for x in (0..width).filter(|&x| mask[y * width + x]) {
            let c = &mut cells[(y / cell) * columns + x / cell];
            c.pixels += 1;
            c.left = c.left.min(x);
            c.top = c.top.min(y);
            c.right = c.right.max(x + 1);
            c.bottom = c.bottom.max(y + 1);
        }
    }
    let mut seen = vec![false; cells.len()];
    let mut out = Vec::new();
    for start in 0..cells.len() {
        if seen[start] || cells[start].pixels == 0 {
            continue;
        }
        let mut region = empty;
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(i) = stack.pop() {
            let c = cells[i];
            region.pixels += c.pixels;
            region.left = region.left.min(c.left);
            region.top = region.top.min(c.top);
            region.right = region.right.max(c.right);
            region.bottom = region.bottom.max(c.bottom);
            let (row, column) = (i / columns, i % columns);
            for dy in -1isize..=1 {
                for dx in -1isize..=1 {
                    let (Some(r), Some(k)) = (
                        row.checked_add_signed(dy).filter(|&r| r < rows),
                        column.checked_add_signed(dx).filter(|&k| k < columns),
                    ) else {
                        continue;
                    };
                    let j = r * columns + k;
                    if !seen[j] && cells[j].pixels > 0 {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        let mm = |p: usize| Mm::from_px(p as f64, dpi);
        if let Some(area) = Rect::from_ltrb(
            mm(region.left),
            mm(region.top),
            mm(region.right),
            mm(region.bottom),
        ) {
            out.push(Region {
                area,
                pixels: region.pixels,
            });
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.pixels));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(dpi: f64) -> Picture {
        let (width, height) = (Mm(100.0).to_px(dpi) as usize, Mm(60.0).to_px(dpi) as usize);
        Picture {
            width,
            height,
            dpi,
            rgb: vec![255; width * height * 3],
        }
    }

    /// Paints a black square, `side` mm, with its top-left corner at (x, y) mm.
    fn square(picture: &mut Picture, x: f64, y: f64, side: f64) {
        let px = |v: f64| Mm(v).to_px(picture.dpi).round() as usize;
        for row in px(y)..px(y + side) {
            for col in px(x)..px(x + side) {
                let i = (row * picture.width + col) * 3;
                picture.rgb[i..i + 3].copy_from_slice(&[0, 0, 0]);
            }
        }
    }

    #[test]
    fn identical_pictures_match() {
        let a = blank(100.0);
        let d = compare(&a, &a.clone(), Tolerance::default()).unwrap();
        assert_eq!(d.differing, 0);
        assert!(d.regions.is_empty() && d.within_tolerance);
    }

    #[test]
    fn a_square_is_found_where_it_was_painted() {
        let a = blank(300.0);
        let mut b = a.clone();
        square(&mut b, 40.0, 20.0, 5.0);
        square(&mut b, 80.0, 50.0, 2.0);
        let d = compare(&a, &b, Tolerance::default()).unwrap();
        assert!(!d.within_tolerance);
        assert_eq!(d.regions.len(), 2, "{:?}", d.regions);
        let big = &d.regions[0].area;
        let px = 25.4 / 300.0;
        for (got, want) in [
            (big.left(), 40.0),
            (big.top(), 20.0),
            (big.right(), 45.0),
            (big.bottom(), 25.0),
        ] {
            assert!((got.0 - want).abs() <= px, "{big:?}");
        }
        assert!((d.regions[1].area.left().0 - 80.0).abs() <= px);
        // The difference image marks exactly the differing pixels in red.
        let image = d.image(&a);
        let red = image
            .rgb
            .chunks_exact(3)
            .filter(|p| p == &[230, 0, 0])
            .count();
        assert_eq!(red, d.differing);
    }

    #[test]
    fn the_channel_tolerance_and_the_share_decide() {
        let a = blank(50.0);
        let mut b = a.clone();
        b.rgb[0] = 250; // 5 levels: within the channel tolerance
        assert_eq!(compare(&a, &b, Tolerance::default()).unwrap().differing, 0);
        b.rgb[0] = 200; // 55 levels: one differing pixel
        let strict = compare(&a, &b, Tolerance::default()).unwrap();
        assert_eq!((strict.differing, strict.within_tolerance), (1, false));
        let lenient = Tolerance {
            share: 0.001,
            ..Default::default()
        };
        assert!(compare(&a, &b, lenient).unwrap().within_tolerance);
    }

    #[test]
    fn pictures_of_different_sizes_are_refused() {
        let err = compare(&blank(100.0), &blank(300.0), Tolerance::default()).unwrap_err();
        assert!(err.to_string().contains("same resolution"), "{err}");
    }
}

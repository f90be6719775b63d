//! The sheet on the bed and its paper's white, before anything is measured.
//!
//! Offices capture sheets under light that is not even (a scanner's lamp falls off toward
//! the lid's hinge, a desk lamp across a phone photo), on beds that are not white (a lid
//! left open is black, a desk is brown). A fixed ink threshold then reads the dim side's
//! paper as ink and the dark bed as a frame. So the capture is flattened first:
//!
//! 1. On a grid of about 1 mm blocks, each block's brightest pixel: a block holds paper
//!    somewhere unless it lies inside a solid mark.
//! 2. The bed: blocks far darker than the paper (under 40 % of its white) reached from the
//!    picture's border without crossing paper, grown by 2 mm to take in the sheet's
//!    shadowed edge. They become white, so the sheet's edge is no line to register on. (A
//!    solid dark mark printed to the sheet's edge would join the bed; a licence keeps its
//!    marks inside a margin.)
//! 3. The paper's white, locally: a closing over 6 mm either way (the brightest block
//!    within reach, then the dimmest of those: ink is darker than paper and narrower than
//!    the window, so it is filled with the paper around it, while a fall-off comes back
//!    where it was), then averaged over the same window to smooth the steps (a moving
//!    average of a smooth fall-off is the fall-off).
//! 4. Every pixel divided by its white (interpolated between block centres), so paper is
//!    255 and ink keeps its contrast: an edge where luma crosses the threshold stays where
//!    it was however dim the light there.
//!
//! Our own renderings are not flattened: their paper is the spec's.

use rayon::prelude::*;
use serde::Serialize;

use super::scan::Scan;

/// What the light and the bed did to a capture, as measured.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Lighting {
    /// The paper's white where the light is brightest (luma, 0–255).
    pub paper: u8,
    /// How far the paper's white falls off across the sheet, 1 − dimmest / brightest:
    /// uneven light, or the sheet's own tints (a beige field inside a white margin).
    pub falloff: f64,
    /// Share of the picture that is bed darker than the paper, left out.
    pub dark_bed: f64,
}

/// A block is bed when its brightest pixel is darker than this share of the paper.
const BED: f64 = 0.4;
/// How far the bed is grown into the sheet (its shadowed, blurred edge), in blocks.
const BED_GROWTH: usize = 2;
/// The white's window: blocks either side.
const RADIUS: usize = 6;

/// Flattens `scan` in place; `block` is about a millimetre, in pixels.
pub(crate) fn flatten(scan: &mut Scan, block: usize) -> Lighting {
    let block = block.max(1);
    let (width, height) = (scan.width, scan.height);
    let (bw, bh) = (width.div_ceil(block), height.div_ceil(block));
    if bw == 0 || bh == 0 || scan.luma.len() != width * height {
        return Lighting {
            paper: 255,
            falloff: 0.0,
            dark_bed: 0.0,
        };
    }
    // 1. Each block's brightest pixel.
    let brightest: Vec<u8> = scan
        .luma
        .par_chunks(width * block)
        .flat_map_iter(|rows| {
            let mut row_max = vec![0u8; bw];
            for row in rows.chunks_exact(width) {
                for (bx, slot) in row_max.iter_mut().enumerate() {
                    let part = &row[bx * block..((bx + 1) * block).min(width)];
                    *slot = (*slot).max(part.iter().copied().max().unwrap_or(0));
                }
            }
            row_max
        })
        .collect();
    let mut sorted = brightest.clone();
    sorted.sort_unstable();
    let paper = sorted[sorted.len() * 9 / 10].max(1);

    // 2. The bed: dark blocks reached from the border.
    let (bed, bed_share) = find_bed(&brightest, bw, bh, paper);

    // 3. The paper's white: the window's brightest paper block, then its mean.
    let level: Vec<f64> = brightest
        .iter()
        .zip(&bed)
        .map(|(&v, &b)| if b { 0.0 } else { f64::from(v) })
        .collect();
    let white = rank_filter(&level, &bed, bw, bh, RADIUS, f64::max);
    let white = rank_filter(&white, &bed, bw, bh, RADIUS, f64::min);
    let white = mean_filter(&white, &bed, bw, bh, RADIUS);
    let paper_whites = white.iter().zip(&bed).filter(|(_, &b)| !b).map(|(&w, _)| w);
    let (lo, hi) = paper_whites.fold((f64::MAX, 0.0f64), |(lo, hi), w| (lo.min(w), hi.max(w)));
    let falloff = if hi > 0.0 { 1.0 - lo / hi } else { 0.0 };

    // 4. Each pixel over its white, interpolated between block centres; the bed white.
    let centre = |b: usize| (b as f64 + 0.5) * block as f64;
    // Per block, 2^16 · 255 / white, so a pixel is one multiply and one shift.
    let gain: Vec<f64> = white
        .iter()
        .map(|&w| 255.0 * 65536.0 / w.max(8.0))
        .collect();
    scan.luma
        .par_chunks_mut(width)
        .enumerate()
        .for_each(|(y, row)| {
            let fy = ((y as f64 + 0.5 - centre(0)) / block as f64).clamp(0.0, (bh - 1) as f64);
            let (y0, t) = (fy.floor() as usize, fy.fract());
            let y1 = (y0 + 1).min(bh - 1);
            let by = (y / block).min(bh - 1);
            let column: Vec<f64> = (0..bw)
                .map(|bx| gain[y0 * bw + bx] * (1.0 - t) + gain[y1 * bw + bx] * t)
                .collect();
            for (x, value) in row.iter_mut().enumerate() {
                let bx = (x / block).min(bw - 1);
                if bed[by * bw + bx] {
                    *value = 255;
                    continue;
                }
                let fx = ((x as f64 + 0.5 - centre(0)) / block as f64).clamp(0.0, (bw - 1) as f64);
                let (x0, s) = (fx.floor() as usize, fx.fract());
                let x1 = (x0 + 1).min(bw - 1);
                let g = column[x0] * (1.0 - s) + column[x1] * s;
                *value = ((f64::from(*value) * g) as u32 >> 16).min(255) as u8;
            }
        });
    Lighting {
        paper,
        falloff,
        dark_bed: bed_share,
    }
}

/// The bed: blocks darker than [`BED`] of the paper reached from the picture's border,
/// grown by [`BED_GROWTH`]; with the share of the picture it covers before growing.
fn find_bed(brightest: &[u8], bw: usize, bh: usize, paper: u8) -> (Vec<bool>, f64) {
    let dark = (f64::from(paper) * BED) as u8;
    let mut bed = vec![false; bw * bh];
    let mut stack: Vec<usize> = (0..bw)
        .flat_map(|x| [x, (bh - 1) * bw + x])
        .chain((0..bh).flat_map(|y| [y * bw, y * bw + bw - 1]))
        .filter(|&i| brightest[i] < dark)
        .collect();
    while let Some(i) = stack.pop() {
        if bed[i] || brightest[i] >= dark {
            continue;
        }
        bed[i] = true;
        let (x, y) = (i % bw, i / bw);
        if x > 0 {
            stack.push(i - 1);
        }
        if x + 1 < bw {
            stack.push(i + 1);
        }
        if y > 0 {
            stack.push(i - bw);
        }
        if y + 1 < bh {
            stack.push(i + bw);
        }
    }
    let bed_share = bed.iter().filter(|&&b| b).count() as f64 / bed.len() as f64;
    let bed = if bed_share > 0.0 {
        grow(&bed, bw, bh, BED_GROWTH)
    } else {
        bed
    };
    (bed, bed_share)
}

/// `mask` grown by `by` blocks in every direction (a square neighbourhood).
fn grow(mask: &[bool], w: usize, h: usize, by: usize) -> Vec<bool> {
    let mut out = vec![false; mask.len()];
    for y in 0..h {
        for x in 0..w {
            if !mask[y * w + x] {
                continue;
            }
            for yy in y.saturating_sub(by)..(y + by + 1).min(h) {
                for xx in x.saturating_sub(by)..(x + by + 1).min(w) {
                    out[yy * w + xx] = true;
                }
            }
        }
    }
    out
}

/// The largest (`pick` = max) or smallest (min) paper value within `r` blocks, a square
/// window, rows then columns; bed blocks are left out and keep their value. A max then a
/// min is a closing: marks narrower than the window are filled with the paper around them,
/// and a smooth fall-off comes back as it was (a max alone would lean toward the bright
/// side by the window's reach).
fn rank_filter(
    values: &[f64],
    bed: &[bool],
    w: usize,
    h: usize,
    r: usize,
    pick: fn(f64, f64) -> f64,
) -> Vec<f64> {
    let fold = |items: &mut dyn Iterator<Item = usize>, source: &[f64], fallback: f64| {
        items
            .filter(|&i| !bed[i])
            .map(|i| source[i])
            .reduce(pick)
            .unwrap_or(fallback)
    };
    let mut across = values.to_vec();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let mut row = (x.saturating_sub(r)..(x + r + 1).min(w)).map(|xx| y * w + xx);
            across[i] = fold(&mut row, values, values[i]);
        }
    }
    let mut out = across.clone();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let mut column = (y.saturating_sub(r)..(y + r + 1).min(h)).map(|yy| yy * w + x);
            out[i] = fold(&mut column, &across, across[i]);
        }
    }
    out
}

/// The mean of the paper blocks' values within `r` blocks (a square window); a window of
/// bed only keeps its value.
fn mean_filter(values: &[f64], bed: &[bool], w: usize, h: usize, r: usize) -> Vec<f64> {
    let mut out = values.to_vec();
    for y in 0..h {
        for x in 0..w {
            let (mut sum, mut n) = (0.0, 0u32);
            for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                    if !bed[yy * w + xx] {
                        sum += values[yy * w + xx];
                        n += 1;
                    }
                }
            }
            if n > 0 {
                out[y * w + x] = sum / f64::from(n);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sheet of paper 240 dimming to 144 (40 %) across, a black bar on it, on a black bed.
    #[test]
    fn dim_paper_becomes_white_and_the_dark_bed_goes() {
        let (w, h) = (400, 200);
        let mut luma = vec![20u8; w * h];
        for y in 20..180 {
            for x in 20..380 {
                let light = 1.0 - 0.4 * (x as f64 / w as f64);
                // Bars that stop short of the sheet's edge (a solid mark touching it would
                // join the bed).
                let ink =
                    ((100..110).contains(&x) || (300..310).contains(&x)) && (40..160).contains(&y);
                luma[y * w + x] = (if ink { 30.0 } else { 240.0 } * light) as u8;
            }
        }
        let mut scan = Scan {
            width: w,
            height: h,
            dpi: Some(25.4 * 4.0),
            luma,
        };
        let lighting = flatten(&mut scan, 4);
        assert!(lighting.dark_bed > 0.1, "{lighting:?}");
        assert!((0.25..0.45).contains(&lighting.falloff), "{lighting:?}");
        let at = |x: usize, y: usize| scan.luma[y * w + x];
        // The bed and the paper on either side are white; the bars stay dark.
        for x in [5, 60, 200, 350, 395] {
            assert!(at(x, 100) >= 245, "{x}: {}", at(x, 100));
        }
        for x in [105, 305] {
            assert!(at(x, 100) < 50, "{x}: {}", at(x, 100));
        }
    }
}

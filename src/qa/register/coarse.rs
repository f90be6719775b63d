//! The coarse search for the frame's four edges: on a copy shrunk to about 3 pixels a
//! millimetre, the dark pixels projected across each edge's direction at every angle of
//! the search, each edge found on its own (under keystone they are not parallel).

use rayon::prelude::*;

use super::{not_found, DARK};
use crate::error::Result;
use crate::qa::scan::Scan;

/// How far the angle search reaches.
const SEARCH_DEG: f64 = 6.0;
/// The angle search's step.
const STEP_DEG: f64 = 0.1;

/// An edge as a line `n · p = c`: its unit normal and offset, capture pixels.
pub(super) type Edge = ((f64, f64), f64);

/// Both projections at one angle, across (u) and down (v).
type Projection = (Vec<u32>, Vec<u32>);
/// Which of the two projections an edge reads.
type Pick = fn(&Projection) -> &Vec<u32>;

/// The frame's four edges, each at its own angle: (left, top, right, bottom).
pub(super) fn edges(scan: &Scan, px_per_mm: f64) -> Result<[Edge; 4]> {
    // About 3 pixels a millimetre, each the darkest of its block.
    let step = ((px_per_mm / 3.0).floor() as usize).max(1);
    let dark = dark_blocks(scan, step);
    if dark.is_empty() {
        return Err(not_found("the capture holds no ink"));
    }
    let search = Search::new(scan, step as f64, &dark, px_per_mm);
    let normal_u = |angle: f64| {
        let (sin, cos) = f64::to_radians(angle).sin_cos();
        (cos, sin)
    };
    let normal_v = |angle: f64| {
        let (sin, cos) = f64::to_radians(angle).sin_cos();
        (-sin, cos)
    };
    let long_u = search.longest(|p| &p.0);
    let long_v = search.longest(|p| &p.1);
    let upright = |from_end| {
        search
            .edge(|p| &p.0, long_u, from_end)
            .map(|(a, c)| (normal_u(a), c))
            .ok_or_else(|| not_found("no upright edge"))
    };
    let level = |from_end| {
        search
            .edge(|p| &p.1, long_v, from_end)
            .map(|(a, c)| (normal_v(a), c))
            .ok_or_else(|| not_found("no level edge"))
    };
    Ok([upright(false)?, level(false)?, upright(true)?, level(true)?])
}

/// The centres of the shrunk copy's dark pixels, in capture pixels.
fn dark_blocks(scan: &Scan, step: usize) -> Vec<(f32, f32)> {
    let (w, h) = (scan.width / step, scan.height / step);
    (0..h)
        .into_par_iter()
        .flat_map_iter(|by| {
            let mut row_min = vec![255u8; w];
            for y in by * step..(by + 1) * step {
                let row = &scan.luma[y * scan.width..y * scan.width + w * step];
                for (slot, block) in row_min.iter_mut().zip(row.chunks_exact(step)) {
                    *slot = (*slot).min(block.iter().copied().min().unwrap_or(255));
                }
            }
            row_min
                .into_iter()
                .enumerate()
                .filter(|&(_, v)| v < DARK)
                .map(move |(bx, _)| {
                    (
                        ((bx as f64 + 0.5) * step as f64) as f32,
                        ((by as f64 + 0.5) * step as f64) as f32,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The dark pixels' projections at every angle of the search.
struct Search {
    angles: Vec<f64>,
    projections: Vec<Projection>,
    /// A projection bin's width, capture pixels.
    bin: f64,
    /// The capture's diagonal: projections run from minus it to it.
    diagonal: f64,
    px_per_mm: f64,
}

impl Search {
    fn new(scan: &Scan, bin: f64, dark: &[(f32, f32)], px_per_mm: f64) -> Self {
        let diagonal = ((scan.width * scan.width + scan.height * scan.height) as f64).sqrt();
        let bins = (2.0 * diagonal / bin) as usize + 2;
        let steps = (2.0 * SEARCH_DEG / STEP_DEG).round() as usize + 1;
        let angles: Vec<f64> = (0..steps)
            .map(|i| -SEARCH_DEG + STEP_DEG * i as f64)
            .collect();
        // Both projections at every angle: u across the sheet's width, v down its height.
        let projections = angles
            .par_iter()
            .map(|&angle| {
                let (sin, cos) = f64::to_radians(angle).sin_cos();
                let (sin, cos) = (sin as f32, cos as f32);
                let (d, b) = (diagonal as f32, bin as f32);
                let mut us = vec![0u32; bins];
                let mut vs = vec![0u32; bins];
                for &(x, y) in dark {
                    let u = x * cos + y * sin;
                    let v = -x * sin + y * cos;
                    us[((u + d) / b) as usize] += 1;
                    vs[((v + d) / b) as usize] += 1;
                }
                (us, vs)
            })
            .collect();
        Self {
            angles,
            projections,
            bin,
            diagonal,
            px_per_mm,
        }
    }

    /// The longest line of one direction at any angle.
    fn longest(&self, pick: Pick) -> u32 {
        self.projections
            .iter()
            .map(|p| pick(p).iter().copied().max().unwrap_or(0))
            .max()
            .unwrap_or(0)
    }

    /// One edge's angle and position.
    ///
    /// Per angle: the outermost bin at least 40 % of the longest line of its direction,
    /// scored by its count and its neighbour's inward (a line can straddle two bins). At
    /// another edge's angle that edge is sharp and this one smeared below the threshold,
    /// so the best score alone could pick the wrong edge: of the angles scoring at least
    /// 60 % of the best, the outermost position wins, and the best score near it gives
    /// the angle.
    fn edge(&self, pick: Pick, long: u32, from_end: bool) -> Option<(f64, f64)> {
        let threshold = (f64::from(long) * 0.4).max(3.0);
        let candidates: Vec<(u32, f64, f64)> = self
            .projections
            .iter()
            .zip(&self.angles)
            .filter_map(|(p, &angle)| {
                let (score, position) = self.outermost_bin(pick(p), threshold, from_end)?;
                Some((score, angle, position))
            })
            .collect();
        let best = candidates.iter().map(|c| c.0).max()?;
        let strong = candidates
            .iter()
            .filter(|c| f64::from(c.0) >= 0.6 * f64::from(best));
        let outward = |c: &&(u32, f64, f64)| if from_end { c.2 } else { -c.2 };
        let outermost = strong
            .clone()
            .max_by(|a, b| outward(a).total_cmp(&outward(b)))?;
        let near = 3.0 * self.px_per_mm;
        strong
            .filter(|c| (c.2 - outermost.2).abs() <= near)
            .max_by_key(|c| c.0)
            .map(|&(_, angle, position)| (angle, position))
    }

    /// The outermost bin of `hist` at or over `threshold`: its score (with its inward
    /// neighbour) and the count-weighted centre of the two.
    fn outermost_bin(&self, hist: &[u32], threshold: f64, from_end: bool) -> Option<(u32, f64)> {
        let centre = |k: usize| (k as f64 + 0.5) * self.bin - self.diagonal;
        let i = if from_end {
            hist.iter().rposition(|&n| f64::from(n) >= threshold)
        } else {
            hist.iter().position(|&n| f64::from(n) >= threshold)
        }?;
        let inner = if from_end {
            i.checked_sub(1)
        } else {
            Some(i + 1)
        };
        let neighbour = inner.and_then(|j| hist.get(j)).copied().unwrap_or(0);
        let score = hist[i] + neighbour;
        let position = match inner {
            Some(j) if neighbour > 0 => {
                (centre(i) * f64::from(hist[i]) + centre(j) * f64::from(neighbour))
                    / f64::from(score)
            }
            _ => centre(i),
        };
        Some((score, position))
    }
}

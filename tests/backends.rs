//! The two back ends agree: our PDF, rasterised by an independent pure-Rust PDF renderer
//! (hayro), against our own raster of the same page at 150 dpi.
//!
//! Colours are not compared (hayro converts CMYK to screen its own way); where the ink is
//! is. Both pictures are cut into 1 mm cells and the share of ink pixels (luma under 200)
//! compared cell by cell: anti-aliasing moves a cell's coverage a little, a misplaced or
//! missing glyph, module or stroke moves it a lot.

mod common;

use certpress::pdf;
use certpress::qa::image::Picture;
use certpress::raster::RasterOptions;
use certpress::spec::Pass;
use common::*;

const DPI: f64 = 150.0;

#[test]
fn hayro_draws_our_pdf_where_our_raster_draws_it() {
    // Each pass on its own: where text lies over the background pattern, an anti-aliased
    // edge pixel falls on either side of the ink threshold depending on the pattern line
    // under it, which says nothing about where either renderer put the text.
    for pass in [Pass::Print, Pass::Press] {
        let (mismatched, worst, mean) = compare(pass);
        // Measured: print pass 0.37 % of pixels on opposite sides of the ink threshold
        // (anti-aliased edges), worst 1 mm cell 0.33, mean 0.0026; press pass 0.33 %, 0.33,
        // 0.0030 (the border's 0.12 mm lines are 0.7 pixel wide at 150 dpi). The composite
        // compared with our raster moved by 0.5 mm gave a worst cell of 0.67, a mean of
        // 0.021 and 1449 cells over 0.4.
        assert!(
            mismatched < 0.01,
            "{pass:?}: {:.3} % of pixels disagree",
            mismatched * 100.0
        );
        assert!(
            worst <= MAX_CELL && mean <= MAX_MEAN,
            "{pass:?}: ink coverage per mm²: worst {worst:.3} (limit {MAX_CELL}), mean {mean:.5} (limit {MAX_MEAN})"
        );
    }
}

/// Renders `pass` of the sample both ways: the share of pixels on opposite sides of the ink
/// threshold, and the worst and mean difference of ink coverage per 1 mm cell.
fn compare(pass: Pass) -> (f64, f64, f64) {
    let licence = liuzhou().issue(&sample()).unwrap();
    let options = pdf::PdfOptions {
        pass: Some(pass),
        ..Default::default()
    };
    let bytes = licence.pdf(&options).unwrap();
    let theirs = hayro_render(bytes, DPI);
    let ours = Picture::from_raster(
        &licence
            .raster(&RasterOptions {
                dpi: DPI,
                pass: Some(pass),
                ..Default::default()
            })
            .unwrap(),
    );
    // hayro truncates the page's pixel size where we round: compare what both cover.
    assert!(theirs.width.abs_diff(ours.width) <= 1 && theirs.height.abs_diff(ours.height) <= 1);
    let (width, height) = (ours.width.min(theirs.width), ours.height.min(theirs.height));
    let (a, b) = (crop(&ours, width, height), crop(&theirs, width, height));
    let mismatched = a
        .luma
        .iter()
        .zip(&b.luma)
        .filter(|(x, y)| (**x < THRESHOLD) != (**y < THRESHOLD))
        .count();
    let cells = coverage_differences(&a, &b);
    let worst = cells.iter().copied().fold(0.0, f64::max);
    let mean = cells.iter().sum::<f64>() / cells.len() as f64;
    (mismatched as f64 / a.luma.len() as f64, worst, mean)
}

/// Tolerance: the largest difference of ink coverage in one 1 mm cell, and the mean over
/// the sheet.
const MAX_CELL: f64 = 0.4;
const MAX_MEAN: f64 = 0.005;

/// A pixel darker than this is ink.
const THRESHOLD: u8 = 200;

/// The luma of a picture's top-left `width` × `height` pixels.
struct Grey {
    width: usize,
    height: usize,
    luma: Vec<u8>,
}

fn crop(picture: &Picture, width: usize, height: usize) -> Grey {
    let all = picture.luma();
    let luma = (0..height)
        .flat_map(|y| {
            all[y * picture.width..y * picture.width + width]
                .iter()
                .copied()
        })
        .collect();
    Grey {
        width,
        height,
        luma,
    }
}

/// Per cell of 1 mm², the difference in the share of ink pixels.
fn coverage_differences(a: &Grey, b: &Grey) -> Vec<f64> {
    let cell = (DPI / 25.4).round() as usize;
    let mut out = Vec::new();
    for cy in 0..a.height / cell {
        for cx in 0..a.width / cell {
            let mut diff = 0i64;
            for y in cy * cell..(cy + 1) * cell {
                for x in cx * cell..(cx + 1) * cell {
                    let i = y * a.width + x;
                    diff += i64::from(a.luma[i] < THRESHOLD) - i64::from(b.luma[i] < THRESHOLD);
                }
            }
            out.push(diff.unsigned_abs() as f64 / (cell * cell) as f64);
        }
    }
    out
}

//! Golden images: the Liuzhou sample at 300 dpi in each view and pass, and a long-content
//! record, compared with the pictures in `golden/`.
//!
//! Tolerance (`golden/README.md`): a pixel differs when a channel differs by more than 16
//! levels; a rendering matches when at most 0.001 % of its pixels differ (174 pixels of
//! an A3 sheet at 300 dpi, less than a 1.2 mm square). On a mismatch the test writes the
//! actual picture and a difference picture under `target/golden/` and names the regions
//! that differ, in mm. `CERTPRESS_BLESS=1 cargo test --test golden` rewrites the goldens;
//! commit them only with a message that says why the picture changed.

mod common;

use std::path::{Path, PathBuf};

use certpress::qa::diff::{self, Tolerance};
use certpress::qa::image::Picture;
use certpress::raster::{RasterOptions, View};
use certpress::record::Record;
use certpress::spec::Pass;
use common::*;

const TOLERANCE: Tolerance = Tolerance {
    channel: 16,
    share: 0.00001,
};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")
}

/// Renders `record` at 300 dpi and compares it with `golden/<name>.png`.
fn check(name: &str, record: &Record, view: View, pass: Option<Pass>) {
    // Through the shared template: a second rendering with the same options starts from
    // the press underlay, and must match the golden all the same.
    let licence = liuzhou().issue(record).unwrap();
    let options = RasterOptions {
        view,
        pass,
        ..Default::default()
    };
    let raster = licence.raster(&options).unwrap();
    let golden_path = golden_dir().join(format!("{name}.png"));
    if std::env::var_os("CERTPRESS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&golden_path, raster.encode_png().unwrap()).unwrap();
        eprintln!("blessed {}", golden_path.display());
        return;
    }
    let actual = Picture::from_raster(&raster);
    let golden = Picture::load_png(&golden_path, None).unwrap_or_else(|e| {
        panic!("{e}\n(a new golden is made with CERTPRESS_BLESS=1; see golden/README.md)")
    });
    let difference = diff::compare(&golden, &actual, TOLERANCE).unwrap();
    if difference.within_tolerance {
        return;
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("golden");
    std::fs::create_dir_all(&out).unwrap();
    let actual_path = out.join(format!("{name}.actual.png"));
    let diff_path = out.join(format!("{name}.diff.png"));
    std::fs::write(&actual_path, raster.encode_png().unwrap()).unwrap();
    std::fs::write(&diff_path, difference.image(&golden).encode_png().unwrap()).unwrap();
    let regions: Vec<String> = difference
        .regions
        .iter()
        .take(10)
        .map(|r| {
            format!(
                "x {:.1}–{:.1} mm, y {:.1}–{:.1} mm ({} px)",
                r.area.left().0,
                r.area.right().0,
                r.area.top().0,
                r.area.bottom().0,
                r.pixels
            )
        })
        .collect();
    panic!(
        "{name}: {} pixels ({:.4} %) differ from {} beyond {} levels; regions:\n  {}\n\
         actual: {}\ndiff: {}",
        difference.differing,
        difference.share() * 100.0,
        golden_path.display(),
        TOLERANCE.channel,
        regions.join("\n  "),
        actual_path.display(),
        diff_path.display()
    );
}

#[test]
fn sample_proof() {
    check("liuzhou-sample-proof", &sample(), View::Proof, None);
}

#[test]
fn sample_uv() {
    check("liuzhou-sample-uv", &sample(), View::Uv, None);
}

#[test]
fn sample_press_pass() {
    check(
        "liuzhou-sample-press",
        &sample(),
        View::Proof,
        Some(Pass::Press),
    );
}

#[test]
fn sample_print_pass() {
    check(
        "liuzhou-sample-print",
        &sample(),
        View::Proof,
        Some(Pass::Print),
    );
}

#[test]
fn long_content_proof() {
    let record = Record::load(golden_dir().join("records/liuzhou-long.json")).unwrap();
    check("liuzhou-long-proof", &record, View::Proof, None);
}

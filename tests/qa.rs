//! QA: the conformance check passes our own output and catches a misplaced element.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use certpress::layout::{self, Part};
use certpress::qa::image::Picture;
use certpress::qa::{self, ink};
use certpress::spec::LoadedSpec;
use certpress::{raster, record};
use common::*;

/// Our own 300 dpi rendering of the sample, as an image to measure.
fn sample_image() -> &'static Picture {
    static CELL: OnceLock<Picture> = OnceLock::new();
    CELL.get_or_init(|| {
        let licence = liuzhou().issue(&sample()).unwrap();
        Picture::from_raster(&licence.raster(&raster::RasterOptions::default()).unwrap())
    })
}

/// A row of a part the layout places at the spec's own position carries no verdict of
/// its own: it says `placed`, has no deviation, and cannot fail. Only what the layout
/// decides (a content's fit, the QR's grid) is judged in the layout; a content pushed out
/// of its box fails there.
#[test]
fn placed_rows_are_not_measurements_and_fitted_rows_are_judged() {
    use certpress::qa::Basis;
    let mut layout = lay_out(&sample()).unwrap();
    let rows = qa::conformance(&layout, certpress::units::Mm(1.0));
    let mut seen = [0usize; 3];
    for row in &rows {
        match row.placement.part {
            Part::Text | Part::Label | Part::Shape => {
                assert_eq!(row.basis, Basis::Placed, "{row:?}");
                assert!(row.deviation.is_none(), "{row:?}");
                seen[0] += 1;
            }
            Part::Content => {
                assert_eq!(row.basis, Basis::Fitted, "{row:?}");
                seen[1] += 1;
            }
            Part::Qr => {
                assert_eq!(row.basis, Basis::Snapped, "{row:?}");
                // Snapped to the module grid: moved, but by less than a module.
                let moved = row.deviation.expect("a snapped QR reports its move").get();
                assert!(moved > 0.0 && moved < 0.5, "{moved}");
                seen[2] += 1;
            }
        }
    }
    assert_eq!(seen, [17, 7, 1]);
    // A content laid out 3 mm past its box's right edge fails in the layout, by name.
    let content = layout
        .report
        .iter_mut()
        .find(|p| p.element == "operator_name" && p.part == Part::Content)
        .unwrap();
    let area = content.area.unwrap();
    content.laid_out = certpress::Rect::from_ltrb(
        content.laid_out.left(),
        content.laid_out.top(),
        area.right() + certpress::Mm(3.0),
        content.laid_out.bottom(),
    )
    .unwrap();
    let failed: Vec<_> = qa::conformance(&layout, certpress::units::Mm(1.0))
        .into_iter()
        .filter(|e| !e.pass_check)
        .map(|e| (e.placement.element, e.placement.part))
        .collect();
    assert_eq!(failed, [("operator_name".to_owned(), Part::Content)]);
}

#[test]
fn our_rendering_passes_the_ink_check_within_tolerance() {
    let layout = lay_out(&sample()).unwrap();
    let entries = ink::measure(
        sample_image(),
        &layout,
        certpress::units::Mm(1.0),
        ink::DEFAULT_THRESHOLD,
        None,
    );
    let measured: Vec<_> = entries.iter().filter(|e| e.found.is_some()).collect();
    // Title, 8 labels, 7 contents and the QR code carry visible ink.
    assert_eq!(measured.len(), 17, "{entries:#?}");
    for e in &entries {
        assert!(e.pass_check, "{} {:?}: {}", e.element, e.part, e.note);
    }
    // Text ink starts just inside the em box, never before it.
    for e in measured
        .iter()
        .filter(|e| matches!(e.part, Part::Label | Part::Text))
    {
        let ink = e.found.unwrap();
        assert!(
            ink.left() >= e.expected.left() && ink.top() >= e.expected.top(),
            "{} ink before its em box",
            e.element
        );
    }
    assert!(qa::conformance(&layout, certpress::units::Mm(1.0))
        .iter()
        .all(|e| e.pass_check));
}

#[test]
fn a_label_2_mm_off_the_spec_fails_and_is_named() {
    // The image is the real rendering; the spec QA checks it against has the label moved.
    let text = std::fs::read_to_string(SPEC)
        .unwrap()
        .replace("at: (x: 75.0, y: 166.0)", "at: (x: 77.0, y: 166.0)");
    let moved = LoadedSpec::from_str(&text, SPEC).unwrap();
    let fonts = liuzhou().fonts();
    let prepared = layout::Prepared::new(&moved).unwrap();
    let bound = record::bind(&moved.spec, &sample()).unwrap();
    let layout = layout::layout(&moved, fonts, &prepared, &bound).unwrap();
    let entries = ink::measure(
        sample_image(),
        &layout,
        moved.spec.tolerance,
        ink::DEFAULT_THRESHOLD,
        None,
    );
    let failed: Vec<_> = entries.iter().filter(|e| !e.pass_check).collect();
    assert!(!failed.is_empty());
    assert!(
        failed.iter().all(|e| e.element == "industry_category"),
        "{failed:#?}"
    );
    let label = failed
        .iter()
        .find(|e| e.part == Part::Label)
        .expect("the label fails");
    let deviation = label.deviation.unwrap().get();
    assert!((1.5..2.5).contains(&deviation), "{deviation}");
}

/// A content printed 5 mm below its line, still inside its row, fails at its start
/// and is named; before, a content was only checked for staying in its box.
#[test]
fn a_content_moved_inside_its_box_fails_where_it_starts() {
    let template = liuzhou();
    let layout = lay_out(&sample()).unwrap();
    let content = placement(&layout, "business_address", Part::Content);
    let label_right = placement(&layout, "business_address", Part::Label)
        .laid_out
        .right();
    let mut page = layout.page.clone();
    let mut moved = 0;
    for item in page
        .items
        .iter_mut()
        .filter(|i| i.element == "business_address")
    {
        if let certpress::display::Shape::Text(run) = &mut item.shape {
            if run.glyphs.first().is_some_and(|g| g.x >= label_right) {
                run.baseline += certpress::Mm(5.0);
                moved += 1;
            }
        }
    }
    assert!(moved > 0);
    let options = raster::RasterOptions::default();
    let image = Picture::from_raster(&raster::render(&page, template.fonts(), &options).unwrap());
    let tolerance = template.model().tolerance;
    let entries = ink::measure(&image, &layout, tolerance, ink::DEFAULT_THRESHOLD, None);
    let entry = entries
        .iter()
        .find(|e| e.element == "business_address" && e.part == Part::Content)
        .unwrap();
    assert!(!entry.pass_check, "{entry:?}");
    let off = entry.deviation.unwrap().get();
    assert!((off - 5.0).abs() < 0.3, "{off}");
    // Still inside its box: the box check alone would have passed it.
    let area = content.area.unwrap();
    assert!(entry.found.unwrap().bottom() <= area.bottom() + tolerance);
    // Everything else still passes.
    for e in entries
        .iter()
        .filter(|e| !(e.element == "business_address" && e.part == Part::Content))
    {
        assert!(e.pass_check, "{e:?}");
    }
}

#[test]
fn check_command_reports_json_and_exits_zero_on_the_sample() {
    let output = Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(["check", SPEC, "--data", SAMPLE, "--json", "--pass", "print"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["pass"], true);
    let layout = report["layout"].as_array().unwrap();
    assert!(layout.iter().all(|e| e["pass"] == "Print"));
    let permits = layout
        .iter()
        .find(|e| e["element"] == "permits" && e["part"] == "Content")
        .unwrap();
    assert_eq!(permits["size"], 20.0);
    assert_eq!(permits["substituted"], true);
}

#[test]
fn diff_command_locates_a_5_mm_square_in_mm_and_exits_non_zero() {
    let licence = liuzhou().issue(&sample()).unwrap();
    let options = raster::RasterOptions {
        dpi: 150.0,
        ..Default::default()
    };
    let ours = Picture::from_raster(&licence.raster(&options).unwrap());
    let mut painted = ours.clone();
    let px = |mm: f64| (mm / 25.4 * 150.0).round() as usize;
    for y in px(250.0)..px(255.0) {
        for x in px(150.0)..px(155.0) {
            let i = (y * painted.width + x) * 3;
            painted.rgb[i..i + 3].copy_from_slice(&[0, 0, 0]);
        }
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-command");
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, out) = (dir.join("a.png"), dir.join("b.png"), dir.join("diff.png"));
    std::fs::write(&a, ours.encode_png().unwrap()).unwrap();
    std::fs::write(&b, painted.encode_png().unwrap()).unwrap();

    let run = |a: &Path, b: &Path| {
        Command::new(env!("CARGO_BIN_EXE_certpress"))
            .arg("diff")
            .args([a, b])
            .arg("--out")
            .arg(&out)
            .arg("--json")
            .output()
            .unwrap()
    };
    let same = run(&a, &a);
    assert_eq!(same.status.code(), Some(0));
    let output = run(&a, &b);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let regions = report["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 1, "{stdout}");
    let area = &regions[0]["area"];
    let one_pixel = 25.4 / 150.0;
    for (edge, mm) in [
        ("left", 150.0),
        ("top", 250.0),
        ("right", 155.0),
        ("bottom", 255.0),
    ] {
        let got = area[edge].as_f64().unwrap();
        assert!((got - mm).abs() <= one_pixel, "{edge}: {got} mm, not {mm}");
    }
    assert_eq!(report["within_tolerance"], false);
    let diff = Picture::load_png(&out, None).unwrap();
    assert_eq!((diff.width, diff.height), (ours.width, ours.height));
    let centre = (px(252.5) * diff.width + px(152.5)) * 3;
    assert_eq!(diff.rgb[centre..centre + 3], [230, 0, 0], "marked red");
}

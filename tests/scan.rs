//! QA on captures of printed sheets: simulated scans and phone photos (the sheet anywhere
//! on a light or dark bed, turned, scaled, seen at an angle, tinted, unevenly lit, dusty,
//! noisy, blurred) made by the tests from our own renderings, registered on the border's
//! keyline and measured in sheet millimetres.

mod common;

use certpress::layout::{self, Part};
use certpress::qa::check::{CheckOptions, CheckReport};
use certpress::qa::image::Picture;
use certpress::qa::scan::Scan;
use certpress::qa::{ink, register};
use certpress::spec::LoadedSpec;
use certpress::{record, RasterOptions, ScanFailure};
use common::{liuzhou, sample, SPEC};

/// How the simulated scanner or phone saw the sheet.
#[derive(Clone, Copy)]
struct Scanner {
    dpi: f64,
    /// Where the sheet's top-left corner lies on the bed, mm.
    offset: (f64, f64),
    /// Turned clockwise about that corner, degrees.
    rotation: f64,
    /// Scale of scanner and paper.
    scale: f64,
    /// The bed: the sheet and this much around it, mm.
    margin: f64,
    /// Perspective: the sheet's top edge this much shorter than its bottom edge.
    keystone: f64,
    /// The bed's colour (a scanner's lid light grey; open, black; a desk brown).
    bed: [f64; 3],
    /// The light falls off linearly across the capture, to this share at its right.
    falloff: f64,
    /// Specks of dust, 0.2–0.6 mm across.
    specks: usize,
}

const SCANNER: Scanner = Scanner {
    dpi: 150.0,
    offset: (14.0, 13.0),
    rotation: 0.4,
    scale: 1.01,
    margin: 10.0,
    keystone: 0.0,
    bed: [228.0, 228.0, 226.0],
    falloff: 0.0,
    specks: 0,
};

/// A deterministic noise source (xorshift).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 1000) as f64 / 1000.0 - 0.5
    }
}

/// Captures `sheet` (a rendering of the whole sheet): resampled onto the bed through the
/// scanner's offset, turn, scale and perspective, on beige paper tint, lit unevenly, with
/// dust, noise and a 3 × 3 blur.
fn scan(sheet: &Picture, scanner: &Scanner) -> Picture {
    let (sheet_w, sheet_h) = (
        sheet.width as f64 * 25.4 / sheet.dpi,
        sheet.height as f64 * 25.4 / sheet.dpi,
    );
    let px = scanner.dpi / 25.4;
    let (width, height) = (
        ((sheet_w + 2.0 * scanner.margin) * px) as usize,
        ((sheet_h + 2.0 * scanner.margin) * px) as usize,
    );
    let (sin, cos) = scanner.rotation.to_radians().sin_cos();
    // The perspective about the sheet's centre: scale 1 / (1 + p·(y − cy)), the top edge
    // (1 − keystone) times the bottom's.
    let (cx, cy) = (sheet_w / 2.0, sheet_h / 2.0);
    let q = -scanner.keystone / (2.0 - scanner.keystone);
    let p = q / (sheet_h / 2.0);
    let mut rgb = vec![0u8; width * height * 3];
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let source = |x: f64, y: f64| -> Option<[f64; 3]> {
        // Bed mm → sheet mm: undo the offset, the turn and the scale, then the perspective.
        let (dx, dy) = (x - scanner.offset.0, y - scanner.offset.1);
        let (u, v) = (
            (dx * cos + dy * sin) / scanner.scale,
            (-dx * sin + dy * cos) / scanner.scale,
        );
        let (xp, yp) = (u - cx, v - cy);
        let y0 = yp / (1.0 - p * yp);
        let x0 = xp * (1.0 + p * y0);
        let (u, v) = (x0 + cx, y0 + cy);
        let (sx, sy) = (u * sheet.dpi / 25.4 - 0.5, v * sheet.dpi / 25.4 - 0.5);
        if sx < 0.0 || sy < 0.0 || sx >= (sheet.width - 1) as f64 || sy >= (sheet.height - 1) as f64
        {
            return None;
        }
        let (x0, y0) = (sx as usize, sy as usize);
        let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
        let at = |x: usize, y: usize, c: usize| f64::from(sheet.rgb[(y * sheet.width + x) * 3 + c]);
        Some([0, 1, 2].map(|c| {
            (at(x0, y0, c) * (1.0 - fx) + at(x0 + 1, y0, c) * fx) * (1.0 - fy)
                + (at(x0, y0 + 1, c) * (1.0 - fx) + at(x0 + 1, y0 + 1, c) * fx) * fy
        }))
    };
    // Dust: dark discs on the sheet's part of the bed.
    let mut dust = Noise(0x2545_f491_4f6c_dd1d);
    let specks: Vec<(f64, f64, f64)> = (0..scanner.specks)
        .map(|_| {
            (
                scanner.offset.0 + (dust.next() + 0.5) * sheet_w,
                scanner.offset.1 + (dust.next() + 0.5) * sheet_h,
                0.1 + (dust.next() + 0.5) * 0.2,
            )
        })
        .collect();
    // Beige paper.
    let tint = [0.98, 0.96, 0.90];
    for row in 0..height {
        for col in 0..width {
            let (x, y) = ((col as f64 + 0.5) / px, (row as f64 + 0.5) / px);
            let mut value = match source(x, y) {
                Some(p) => [0, 1, 2].map(|c| p[c] * tint[c]),
                None => scanner.bed,
            };
            if specks
                .iter()
                .any(|&(sx, sy, r)| (x - sx).hypot(y - sy) <= r)
            {
                value = [40.0, 38.0, 36.0];
            }
            let light = 1.0 - scanner.falloff * col as f64 / width as f64;
            let n = noise.next() * 16.0;
            for c in 0..3 {
                rgb[(row * width + col) * 3 + c] = (value[c] * light + n).clamp(0.0, 255.0) as u8;
            }
        }
    }
    // A scanner's optics: a 3 × 3 box blur.
    let mut blurred = rgb.clone();
    for row in 1..height - 1 {
        for col in 1..width - 1 {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..3 {
                    for dx in 0..3 {
                        sum += u32::from(rgb[((row + dy - 1) * width + col + dx - 1) * 3 + c]);
                    }
                }
                blurred[(row * width + col) * 3 + c] = (sum / 9) as u8;
            }
        }
    }
    Picture {
        width,
        height,
        dpi: scanner.dpi,
        rgb: blurred,
    }
}

/// A capture as a phone takes it: no resolution recorded.
fn photo(picture: &Picture) -> Scan {
    Scan {
        dpi: None,
        ..Scan::from_picture(picture)
    }
}

/// Checks the sample licence in `capture`.
fn check(capture: Scan) -> CheckReport {
    liuzhou()
        .issue(&sample())
        .unwrap()
        .check(Some(capture), CheckOptions::default())
        .unwrap()
}

fn failures(report: &CheckReport) -> Vec<&ink::InkEntry> {
    report.ink.iter().filter(|e| !e.pass_check).collect()
}

fn rendering(dpi: f64) -> Picture {
    let licence = liuzhou().issue(&sample()).unwrap();
    Picture::from_raster(
        &licence
            .raster(&RasterOptions {
                dpi,
                ..Default::default()
            })
            .unwrap(),
    )
}

#[test]
fn turned_scaled_noisy_scans_register_and_every_element_passes() {
    let licence = liuzhou().issue(&sample()).unwrap();
    let spec = liuzhou().model();
    let other = Scanner {
        dpi: 120.0,
        offset: (31.0, 7.5),
        rotation: -2.6,
        scale: 0.985,
        margin: 30.0,
        ..SCANNER
    };
    let sheet_rendering = rendering(150.0);
    for scanner in [&SCANNER, &other] {
        let scan = scan(&sheet_rendering, scanner);
        let register::RegisteredScan {
            registration: found,
            sheet,
            ..
        } = register::sheet_of_scan(Scan::from_picture(&scan), spec).unwrap();
        assert!(
            (found.rotation_deg - scanner.rotation).abs() < 0.03,
            "{found:?}"
        );
        for s in [found.scale_x, found.scale_y] {
            assert!((s - scanner.scale).abs() < 0.001, "{found:?}");
        }
        assert!(
            (found.offset_x.get() - scanner.offset.0).abs() < 0.15,
            "{found:?}"
        );
        assert!(
            (found.offset_y.get() - scanner.offset.1).abs() < 0.15,
            "{found:?}"
        );
        assert!(found.residual.get() < 0.1, "{found:?}");
        let entries = ink::measure(
            &sheet,
            licence.layout(),
            spec.tolerance,
            ink::DEFAULT_THRESHOLD,
            None,
        );
        let failed: Vec<_> = entries.iter().filter(|e| !e.pass_check).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert!(entries.len() > 15);
    }
}

#[test]
fn one_label_printed_2_mm_off_fails_by_name_through_the_scan() {
    // The printed sheet has the 行业类别 label 2 mm right; QA checks it against the spec.
    let scan = scan(&printed_with_label_moved(2.0, 150.0), &SCANNER);
    let report = check(Scan::from_picture(&scan));
    assert_only_the_moved_label_fails(&report, 1.6..2.4);
}

/// Only 行业类别's ink fails, its label by a deviation in `expected` mm.
fn assert_only_the_moved_label_fails(report: &CheckReport, expected: std::ops::Range<f64>) {
    let failed = failures(report);
    assert!(
        failed.iter().all(|e| e.element == "industry_category"),
        "{failed:#?}"
    );
    let label = failed
        .iter()
        .find(|e| e.part == Part::Label)
        .expect("the label fails");
    let deviation = label.deviation.unwrap().get();
    assert!(expected.contains(&deviation), "{deviation}");
}

#[test]
fn a_scan_without_the_frame_is_an_error_not_a_report() {
    // Half the sheet: the frame's bottom edge and corners are off the bed.
    let mut picture = rendering(100.0);
    picture.height /= 2;
    picture.rgb.truncate(picture.width * picture.height * 3);
    let err = register::sheet_of_scan(Scan::from_picture(&picture), liuzhou().model()).unwrap_err();
    assert!(
        matches!(
            err,
            certpress::Error::Scan {
                failure: ScanFailure::PartialSheet,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.code(), "scan-partial-sheet");
    assert!(
        err.to_string()
            .contains("runs off the picture at the bottom"),
        "{err}"
    );
    // A blank page.
    let blank = Picture {
        width: 400,
        height: 300,
        dpi: 50.0,
        rgb: vec![250; 400 * 300 * 3],
    };
    let err = register::sheet_of_scan(Scan::from_picture(&blank), liuzhou().model()).unwrap_err();
    assert_eq!(err.code(), "scan-registration", "{err}");
}

/// The command line on a JPEG scan at quality 75 (its resolution in the JFIF header): the
/// registration is printed with the report, and nothing moved passes.
#[test]
fn check_reads_a_jpeg_scan_at_quality_75() {
    let scan = scan(&rendering(150.0), &SCANNER);
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 75);
    encoder.set_density(jpeg_encoder::PixelDensity::dpi(150));
    encoder
        .encode(
            &scan.rgb,
            scan.width as u16,
            scan.height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scan.jpg");
    std::fs::write(&path, &jpeg).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(["check", SPEC, "--data", common::SAMPLE, "--json", "--image"])
        .arg(&path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["image_dpi"], 150.0);
    let turn = report["registration"]["rotation_deg"].as_f64().unwrap();
    assert!((turn - 0.4).abs() < 0.05, "{turn}");
    if std::env::var_os("CERTPRESS_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The printer calibration round trip: the calibration sheet printed by a simulated office
/// printer with a known offset and scale onto a blank, scanned turned and scaled; the
/// calibration measured from the scan undoes the printer within 0.1 mm at the sheet's
/// corners, and the command line writes the file `render --calibration` reads.
#[test]
fn calibration_from_a_scan_undoes_the_printer() {
    use certpress::production::Calibration;
    use certpress::qa::calibrate;
    use certpress::spec::Pass;
    use certpress::Mm;

    let spec = liuzhou().model();
    let fonts = liuzhou().fonts();
    let dpi = 150.0;
    let licence = liuzhou().issue(&sample()).unwrap();
    let blank = Picture::from_raster(
        &licence
            .raster(&RasterOptions {
                dpi,
                pass: Some(Pass::Press),
                ..Default::default()
            })
            .unwrap(),
    );
    // The office printer: lands p at p × 1.004 + (1.2, −0.8) mm.
    let printer = Calibration {
        offset_x: Mm(1.2),
        offset_y: Mm(-0.8),
        scale: 1.004,
    };
    let marks = certpress::raster::render(
        &calibrate::sheet(spec).unwrap(),
        fonts,
        &RasterOptions {
            dpi,
            pass: Some(Pass::Print),
            calibration: printer,
            ..Default::default()
        },
    )
    .unwrap();
    let marks = Picture::from_raster(&marks);
    // Printed onto the blank: the inks multiply.
    let mut printed = blank.clone();
    for (p, m) in printed.rgb.iter_mut().zip(&marks.rgb) {
        *p = ((u32::from(*p) * u32::from(*m)) / 255) as u8;
    }
    let scanner = Scanner {
        dpi: 150.0,
        offset: (9.0, 12.0),
        rotation: -0.7,
        scale: 0.995,
        margin: 12.0,
        ..SCANNER
    };
    let scanned = scan(&printed, &scanner);
    let measured = calibrate::measure(Scan::from_picture(&scanned), spec).unwrap();
    assert_eq!(measured.marks.len(), 9);
    assert!(measured.printer_rotation_deg.abs() < 0.05, "{measured:?}");
    let undoes_the_printer = |c: Calibration| {
        for (x, y) in [(0.0, 0.0), (420.0, 0.0), (420.0, 297.0), (0.0, 297.0)] {
            // The calibrated print pass, then the printer.
            let (cx, cy) = (
                x * c.scale + c.offset_x.get(),
                y * c.scale + c.offset_y.get(),
            );
            let (px, py) = (
                cx * printer.scale + printer.offset_x.get(),
                cy * printer.scale + printer.offset_y.get(),
            );
            assert!(
                (px - x).abs() < 0.1 && (py - y).abs() < 0.1,
                "corner {x}, {y} lands at {px:.3}, {py:.3}: {c:?}"
            );
        }
    };
    undoes_the_printer(measured.calibration);

    // A printer that turns the print 0.3° moves the frame's corners 1 mm: no calibration
    // corrects that, and the measurement says so.
    let turned = scan(
        &marks,
        &Scanner {
            dpi,
            offset: (0.0, 0.0),
            rotation: 0.3,
            scale: 1.0,
            margin: 0.0,
            ..SCANNER
        },
    );
    let mut printed_turned = blank.clone();
    for row in 0..blank.height.min(turned.height) {
        for col in 0..blank.width.min(turned.width) {
            for c in 0..3 {
                let (i, j) = (
                    (row * blank.width + col) * 3 + c,
                    (row * turned.width + col) * 3 + c,
                );
                printed_turned.rgb[i] =
                    ((u32::from(blank.rgb[i]) * u32::from(turned.rgb[j])) / 255) as u8;
            }
        }
    }
    let err =
        calibrate::measure(Scan::from_picture(&scan(&printed_turned, &scanner)), spec).unwrap_err();
    assert!(err.to_string().contains("turns the print"), "{err}");

    // The command line: the sheet, then the scan into a calibration file render reads.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-calibrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_certpress");
    let sheet = dir.join("sheet.pdf");
    let out = std::process::Command::new(bin)
        .args(["calibrate", SPEC, "--sheet"])
        .arg(&sheet)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = lopdf::Document::load(&sheet).unwrap();
    assert_eq!(pdf.get_pages().len(), 1);
    let scan_path = dir.join("scan.png");
    std::fs::write(&scan_path, scanned.encode_png().unwrap()).unwrap();
    let cal = dir.join("printer.ron");
    let out = std::process::Command::new(bin)
        .args(["calibrate", SPEC, "--scan"])
        .arg(&scan_path)
        .arg("--out")
        .arg(&cal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The PNG records its resolution in pixels per metre (150 dpi is 5906): the same
    // criterion, not the same digits.
    undoes_the_printer(Calibration::load(&cal).unwrap());
    let render = std::process::Command::new(bin)
        .args([
            "render",
            SPEC,
            "--data",
            common::SAMPLE,
            "--pass",
            "print",
            "--calibration",
        ])
        .arg(&cal)
        .arg("--pdf")
        .arg(dir.join("calibrated.pdf"))
        .output()
        .unwrap();
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    if std::env::var_os("CERTPRESS_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A 套打 sheet: the blank from the press, the print pass from an office printer that puts
/// it 1.5 mm right and 1.0 mm up. The scan is placed on the blank's frame; the print pass's
/// misregistration is reported on its own, its elements fail, the blank's pass.
#[test]
fn a_two_pass_sheet_reports_the_print_pass_misregistration() {
    use certpress::production::Calibration;
    use certpress::spec::Pass;
    use certpress::Mm;

    let dpi = 150.0;
    let licence = liuzhou().issue(&sample()).unwrap();
    let pass = |pass, calibration| {
        Picture::from_raster(
            &licence
                .raster(&RasterOptions {
                    dpi,
                    pass: Some(pass),
                    calibration,
                    ..Default::default()
                })
                .unwrap(),
        )
    };
    let blank = pass(Pass::Press, Calibration::default());
    let shift = Calibration {
        offset_x: Mm(1.5),
        offset_y: Mm(-1.0),
        scale: 1.0,
    };
    let print = pass(Pass::Print, shift);
    let mut sheet = blank.clone();
    for (p, m) in sheet.rgb.iter_mut().zip(&print.rgb) {
        *p = ((u32::from(*p) * u32::from(*m)) / 255) as u8;
    }
    let scanned = scan(&sheet, &SCANNER);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-two-pass-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scan.png");
    std::fs::write(&path, scanned.encode_png().unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(["check", SPEC, "--data", common::SAMPLE, "--json", "--image"])
        .arg(&path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1), "the print pass is off");
    let m = &report["print_pass"];
    let (x, y) = (
        m["offset_x"].as_f64().unwrap(),
        m["offset_y"].as_f64().unwrap(),
    );
    // Within 0.3 mm: the scan's blur moves ink corners up and left by about a pixel.
    assert!((x - 1.5).abs() < 0.3 && (y + 1.0).abs() < 0.3, "{m:#}");
    assert!(m["residual"].as_f64().unwrap() < 0.15, "{m:#}");
    assert!((m["scale"].as_f64().unwrap() - 1.0).abs() < 0.002, "{m:#}");
    // The blank's elements pass; the print pass's labels fail.
    let placements = licence.report();
    for entry in report["ink"].as_array().unwrap() {
        let element = entry["element"].as_str().unwrap();
        let pass = placements
            .iter()
            .find(|p| p.element == element)
            .unwrap()
            .pass;
        let ok = entry["pass_check"].as_bool().unwrap();
        if pass == Pass::Press {
            assert!(ok, "{entry:#}");
        } else if entry["part"] == "Label" {
            assert!(!ok, "{entry:#}");
        }
    }
    if std::env::var_os("CERTPRESS_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A TIFF scan (RGB, its resolution in XResolution/ResolutionUnit) reads as the same sheet.
#[test]
fn a_tiff_scan_reads_with_its_resolution() {
    let scanned = scan(&rendering(150.0), &SCANNER);
    let mut tiff = std::io::Cursor::new(Vec::new());
    {
        let mut encoder = tiff::encoder::TiffEncoder::new(&mut tiff).unwrap();
        let mut image = encoder
            .new_image::<tiff::encoder::colortype::RGB8>(
                scanned.width as u32,
                scanned.height as u32,
            )
            .unwrap();
        image.resolution(
            tiff::tags::ResolutionUnit::Inch,
            tiff::encoder::Rational { n: 150, d: 1 },
        );
        image.write_data(&scanned.rgb).unwrap();
    }
    let picture = Picture::decode(tiff.get_ref(), None).unwrap();
    assert_eq!(picture.dpi, 150.0);
    assert_eq!(picture.rgb, scanned.rgb);
    let found = register::sheet_of_scan(Scan::from_picture(&picture), liuzhou().model())
        .unwrap()
        .registration;
    assert!((found.rotation_deg - 0.4).abs() < 0.03, "{found:?}");
    let scan = Scan::decode(tiff.get_ref(), None).unwrap();
    assert_eq!(scan.dpi, Some(150.0));
}

/// Every element's found ink, by element and part.
fn found(report: &CheckReport) -> Vec<(String, Part, Option<certpress::Rect>)> {
    report
        .ink
        .iter()
        .map(|e| (e.element.clone(), e.part, e.found))
        .collect()
}

#[test]
fn a_dark_bed_is_left_out_and_every_element_passes() {
    // The scanner's lid left open: the bed is nearly black around the sheet.
    let open_lid = Scanner {
        bed: [22.0, 22.0, 24.0],
        margin: 18.0,
        ..SCANNER
    };
    let report = check(Scan::from_picture(&scan(&rendering(150.0), &open_lid)));
    let capture = report.capture.unwrap();
    assert!(capture.lighting.dark_bed > 0.05, "{:?}", capture.lighting);
    assert!((capture.registration.rotation_deg - 0.4).abs() < 0.03);
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
}

#[test]
fn light_falling_off_40_percent_moves_no_edge_by_more_than_a_fifth_of_a_millimetre() {
    let sheet = rendering(150.0);
    let even = check(Scan::from_picture(&scan(&sheet, &SCANNER)));
    let dim = check(Scan::from_picture(&scan(
        &sheet,
        &Scanner {
            falloff: 0.4,
            ..SCANNER
        },
    )));
    let lighting = dim.capture.unwrap().lighting;
    assert!((0.3..0.5).contains(&lighting.falloff), "{lighting:?}");
    assert!(failures(&dim).is_empty(), "{:#?}", failures(&dim));
    let mut compared = 0;
    let mut worst = 0.0f64;
    for ((element, part, a), (_, _, b)) in found(&even).into_iter().zip(found(&dim)) {
        let (Some(a), Some(b)) = (a, b) else {
            assert_eq!(a.is_some(), b.is_some(), "{element} {part:?}");
            continue;
        };
        for (x, y) in [
            (a.left(), b.left()),
            (a.top(), b.top()),
            (a.right(), b.right()),
            (a.bottom(), b.bottom()),
        ] {
            assert!(
                (x - y).abs().get() <= 0.2,
                "{element} {part:?}: an edge moved from {x} to {y}"
            );
            worst = worst.max((x - y).abs().get());
        }
        compared += 1;
    }
    println!("{compared} elements' ink compared; the largest edge movement {worst:.3} mm");
    assert!(compared > 15, "{compared}");
}

#[test]
fn specks_of_dust_are_left_out_and_counted() {
    let dusty = Scanner {
        specks: 120,
        ..SCANNER
    };
    let report = check(Scan::from_picture(&scan(&rendering(150.0), &dusty)));
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    assert!(
        report.specks > 0,
        "no speck fell in a window: the test proves nothing"
    );
    assert_eq!(
        report.specks,
        report.ink.iter().map(|e| e.specks).sum::<usize>()
    );
}

/// A phone photo: the sheet on a brown desk, turned 5°, seen at an angle (its far edge
/// 3 % shorter), lit from one side, without a resolution.
const PHONE: Scanner = Scanner {
    dpi: 150.0,
    offset: (40.0, 10.0),
    rotation: 5.0,
    scale: 1.0,
    margin: 45.0,
    keystone: 0.03,
    bed: [96.0, 72.0, 48.0],
    falloff: 0.2,
    specks: 0,
};

#[test]
fn a_phone_photo_at_an_angle_registers_by_its_frame_and_every_element_passes() {
    let sheet = rendering(150.0);
    for phone in [
        PHONE,
        Scanner {
            rotation: -4.0,
            keystone: 0.02,
            ..PHONE
        },
    ] {
        let report = check(photo(&scan(&sheet, &phone)));
        let r = report.capture.unwrap().registration;
        assert_eq!(r.resolution_from, register::ResolutionFrom::Frame);
        // The perspective is about the sheet's centre, where the map's scale is 1.
        assert!((r.dpi / 150.0 - 1.0).abs() < 0.01, "{r:?}");
        // The frame's top and bottom edges (39.25 and 274.75 mm, the keyline's middle)
        // lie inside the sheet's, so its keystone is less than the sheet's.
        let p = -phone.keystone / (2.0 - phone.keystone) / (297.0 / 2.0);
        let scale_at = |y: f64| 1.0 / (1.0 + p * (y - 297.0 / 2.0));
        let frame_keystone = 1.0 - scale_at(39.25) / scale_at(274.75);
        assert!(
            (r.keystone - frame_keystone).abs() < 0.002,
            "{frame_keystone} {r:?}"
        );
        assert!((r.rotation_deg - phone.rotation).abs() < 0.1, "{r:?}");
        assert!(r.residual.get() < 0.15, "{r:?}");
        assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    }
}

/// The sample printed with the 行业类别 label `by` mm to the right.
fn printed_with_label_moved(by: f64, dpi: f64) -> Picture {
    let text = std::fs::read_to_string(SPEC).unwrap().replace(
        "at: (x: 75.0, y: 166.0)",
        &format!("at: (x: {:.1}, y: 166.0)", 75.0 + by),
    );
    let moved = LoadedSpec::from_str(&text, SPEC).unwrap();
    let fonts = liuzhou().fonts();
    let prepared = layout::Prepared::new(&moved).unwrap();
    let bound = record::bind(&moved.spec, &sample()).unwrap();
    let printed = layout::layout(&moved, fonts, &prepared, &bound).unwrap();
    Picture::from_raster(
        &certpress::raster::render(
            &printed.page,
            fonts,
            &RasterOptions {
                dpi,
                ..Default::default()
            },
        )
        .unwrap(),
    )
}

#[test]
fn a_label_moved_1_5_mm_fails_by_name_on_a_phone_photo_and_only_it() {
    let report = check(photo(&scan(&printed_with_label_moved(1.5, 150.0), &PHONE)));
    assert_only_the_moved_label_fails(&report, 1.2..1.8);
}

#[test]
fn a_resolution_the_capture_does_not_have_is_named_with_the_one_the_frame_shows() {
    let mut capture = Scan::from_picture(&scan(&rendering(150.0), &SCANNER));
    capture.dpi = Some(200.0);
    let err = liuzhou()
        .issue(&sample())
        .unwrap()
        .check(Some(capture), CheckOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), "scan-resolution", "{err}");
    // The frame shows 150 dpi scaled 1.01: about 151.5.
    let text = err.to_string();
    assert!(
        text.contains("--dpi 151") || text.contains("--dpi 152"),
        "{text}"
    );
}

/// `check --overlay` on a capture with one label out: the picture is the sheet as
/// registered, red where that label belongs and green elsewhere.
#[test]
fn the_overlay_shows_the_failing_element_in_red_and_only_it() {
    let capture = scan(&printed_with_label_moved(2.0, 150.0), &SCANNER);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-overlay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scan.png");
    std::fs::write(&path, capture.encode_png().unwrap()).unwrap();
    let overlay = dir.join("overlay.png");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(["check", SPEC, "--data", common::SAMPLE, "--json", "--image"])
        .arg(&path)
        .arg("--overlay")
        .arg(&overlay)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["overlay"], overlay.to_str().unwrap());
    let picture = Picture::load_png(&overlay, None).unwrap();
    // The sheet at 150 dpi (the PNG's 5,906 pixels a metre are 150.01 dpi).
    assert!(
        picture.width.abs_diff(2480) <= 1 && picture.height.abs_diff(1754) <= 1,
        "{} × {}",
        picture.width,
        picture.height
    );
    let red = |p: &[u8]| p[0] > 180 && p[1] < 90 && p[2] < 90;
    let green = |p: &[u8]| p[1] > 110 && p[0] < 90 && p[2] < 120;
    // Where red and green are, in sheet mm, outside the summary line at the top.
    let mut reds = Vec::new();
    let mut greens = 0;
    for (i, p) in picture.rgb.chunks_exact(3).enumerate() {
        let (x, y) = (
            (i % picture.width) as f64 * 25.4 / 150.0,
            (i / picture.width) as f64 * 25.4 / 150.0,
        );
        if y < 12.0 {
            continue;
        }
        if red(p) {
            reds.push((x, y));
        }
        if green(p) {
            greens += 1;
        }
    }
    assert!(greens > 1000, "{greens}");
    assert!(reds.len() > 100, "{}", reds.len());
    // The failing label sits at 75, 166 mm; its content follows it on the line.
    let licence = liuzhou().issue(&sample()).unwrap();
    let row = licence
        .report()
        .iter()
        .filter(|p| p.element == "industry_category")
        .map(|p| p.laid_out)
        .reduce(|a, b| a.union(&b))
        .unwrap();
    // The ids are written on a line above their boxes, running to the right.
    for &(x, y) in &reds {
        let reach = if y < row.top().get() { 90.0 } else { 8.0 };
        assert!(
            x > row.left().get() - 8.0
                && x < row.right().get() + reach
                && y > row.top().get() - 8.0
                && y < row.bottom().get() + 5.0,
            "red at {x:.1}, {y:.1} mm, away from the failing element ({row:?})"
        );
    }
    if std::env::var_os("CERTPRESS_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

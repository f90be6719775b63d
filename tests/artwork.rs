//! Security artwork: the guilloche border and background, the cleared QR box, vector
//! tiles in the PDF, limits on line width and density, and the record's seal.

mod common;

use certpress::fonts::FontOptions;
use certpress::raster::{self, RasterOptions, View};
use certpress::record::Record;
use certpress::spec::{LoadedSpec, Pass};
use certpress::{pdf, Error, Template};
use common::*;
use lopdf::{Document, Object};

/// The press pass of the sample at `dpi`, as RGB rows.
fn press(dpi: f64) -> (Vec<u8>, usize) {
    let fonts = liuzhou().fonts();
    let layout = lay_out(&sample()).unwrap();
    let options = RasterOptions {
        dpi,
        pass: Some(Pass::Press),
        view: View::Proof,
        ..Default::default()
    };
    let raster = raster::render(&layout.page, fonts, &options).unwrap();
    (raster.rgb(), raster.width() as usize)
}

/// The distinct colours of the pixels whose centres lie in the mm box, with their counts.
fn colours(rgb: &[u8], width: usize, dpi: f64, [l, t, r, b]: [f64; 4]) -> Vec<([u8; 3], usize)> {
    let px = |mm: f64| (mm / 25.4 * dpi - 0.5).ceil() as usize;
    let mut counts: std::collections::BTreeMap<[u8; 3], usize> = Default::default();
    for y in px(t)..px(b) {
        for x in px(l)..px(r) {
            let i = (y * width + x) * 3;
            *counts.entry([rgb[i], rgb[i + 1], rgb[i + 2]]).or_default() += 1;
        }
    }
    let mut out: Vec<_> = counts.into_iter().collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.1));
    out
}

const BEIGE: [u8; 3] = [255, 240, 209]; // Process(m: 6, y: 18) by the proof formula

#[test]
fn the_border_band_is_fine_lines_and_the_background_a_pattern_with_the_qr_box_clear() {
    let dpi = 300.0;
    let (rgb, width) = press(dpi);
    // The top band between its keylines and corner squares: a pale ground crossed by lines,
    // neither solid nor empty.
    let band = colours(&rgb, width, dpi, [40.0, 40.0, 380.0, 47.0]);
    let total: usize = band.iter().map(|c| c.1).sum();
    let ground = band[0].1 as f64 / total as f64;
    assert!(
        (0.3..0.9).contains(&ground),
        "ground covers {ground} of the band"
    );
    let dark = band
        .iter()
        .filter(|(c, _)| c.iter().map(|&v| u32::from(v)).sum::<u32>() < 450)
        .map(|c| c.1)
        .sum::<usize>() as f64
        / total as f64;
    assert!(dark > 0.05, "lines cover {dark} of the band");

    // Inside the border: beige, with lines of the pattern over a good share of it.
    let background = colours(&rgb, width, dpi, [35.0, 100.0, 70.0, 130.0]);
    assert_eq!(background[0].0, BEIGE);
    let total: usize = background.iter().map(|c| c.1).sum();
    assert!(
        (background[0].1 as f64) < 0.9 * total as f64,
        "the background is patterned: {:?}",
        &background[..3]
    );

    // The QR code's box (89, 220, 31 mm) and 3 mm around it: plain beige, not one line.
    let cleared = colours(&rgb, width, dpi, [86.05, 217.05, 122.95, 253.95]);
    assert!(
        cleared.len() == 1 && cleared[0].0 == BEIGE,
        "the cleared box holds {} colours: {:?}",
        cleared.len(),
        &cleared[..cleared.len().min(4)]
    );
    // Just outside it, the pattern again.
    let around = colours(&rgb, width, dpi, [80.0, 254.5, 130.0, 262.0]);
    assert!(
        around.len() > 1,
        "the pattern resumes below the cleared box"
    );
}

#[test]
fn the_four_corners_are_alike() {
    // 100 dpi keeps this quick; each corner square is rotated a quarter from the last.
    let dpi = 100.0;
    let (rgb, width) = press(dpi);
    let square = |l: f64, t: f64| -> Vec<[u8; 3]> {
        let n = (8.0 / 25.4 * dpi) as usize;
        let (x0, y0) = (
            (l / 25.4 * dpi).round() as usize,
            (t / 25.4 * dpi).round() as usize,
        );
        (0..n * n)
            .map(|k| {
                let i = ((y0 + k / n) * width + x0 + k % n) * 3;
                [rgb[i], rgb[i + 1], rgb[i + 2]]
            })
            .collect()
    };
    let luma = |c: &[u8; 3]| f64::from(c[0]) + f64::from(c[1]) + f64::from(c[2]);
    let ink = |pixels: &[[u8; 3]]| pixels.iter().map(luma).sum::<f64>() / pixels.len() as f64;
    let corners = [
        square(20.5, 39.5),
        square(391.5, 39.5),
        square(391.5, 266.5),
        square(20.5, 266.5),
    ];
    let first = ink(&corners[0]);
    for c in &corners[1..] {
        assert!((ink(c) - first).abs() < 3.0, "{} vs {first}", ink(c));
    }
}

fn sample_pdf() -> Vec<u8> {
    let fonts = liuzhou().fonts();
    let layout = lay_out(&sample()).unwrap();
    pdf::pdf(&layout.page, fonts, &pdf::PdfOptions::default()).unwrap()
}

#[test]
fn the_pdf_draws_the_artwork_as_vector_tiles_defined_once() {
    let bytes = sample_pdf();
    assert!(
        bytes.len() < 150 * 1024,
        "the sample PDF is {} bytes",
        bytes.len()
    );
    let doc = Document::load_mem(&bytes).unwrap();
    let page = doc.get_dictionary(doc.get_pages()[&1]).unwrap();
    let resources = page.get(b"Resources").unwrap().as_dict().unwrap();
    let forms = resources.get(b"XObject").unwrap().as_dict().unwrap();
    // The background row, the long and the short side's period, the corner rosette.
    assert_eq!(forms.len(), 4);
    for (_, form) in forms.iter() {
        let Object::Reference(id) = form else {
            panic!("forms are indirect")
        };
        let stream = doc.get_object(*id).unwrap().as_stream().unwrap();
        assert_eq!(
            stream.dict.get(b"Subtype").unwrap().as_name().unwrap(),
            b"Form"
        );
        assert_eq!(
            stream.dict.get(b"Filter").unwrap().as_name().unwrap(),
            b"FlateDecode"
        );
        let content =
            lopdf::content::Content::decode(&stream.decompressed_content().unwrap()).unwrap();
        let ops: Vec<&str> = content
            .operations
            .iter()
            .map(|o| o.operator.as_str())
            .collect();
        assert_eq!(ops.first(), Some(&"w"));
        assert_eq!(ops.last(), Some(&"S"), "a tile is stroked");
        assert!(ops.iter().filter(|&&o| o == "c").count() >= 16, "{ops:?}");
        assert!(!ops.contains(&"BI") && !ops.contains(&"Do"));
    }
    // The page draws them with Do, each many times, in the spec's CMYK stroke colours, under
    // a clip.
    let content = doc.get_page_content(doc.get_pages()[&1]);
    let content = lopdf::content::Content::decode(&content).unwrap();
    let ops = &content.operations;
    let draws = ops.iter().filter(|o| o.operator == "Do").count();
    assert!(draws > 200, "{draws} copies");
    let strokes: Vec<Vec<f32>> = ops
        .iter()
        .filter(|o| o.operator == "K")
        .map(|o| o.operands.iter().map(|v| v.as_float().unwrap()).collect())
        .collect();
    assert!(
        strokes.contains(&vec![0.15, 0.7, 0.75, 0.05]),
        "border {strokes:?}"
    );
    assert!(
        strokes.contains(&vec![0.04, 0.14, 0.34, 0.0]),
        "beige lines {strokes:?}"
    );
    assert!(ops.iter().any(|o| o.operator == "W"));
    assert!(!ops.iter().any(|o| o.operator == "RG" || o.operator == "rg"));
}

/// The Liuzhou spec with one edit, prepared.
fn spec_with(from: &str, to: &str) -> certpress::Result<Template> {
    let text = std::fs::read_to_string(SPEC).unwrap();
    assert!(text.contains(from), "{from}");
    Template::prepare(
        LoadedSpec::from_str(&text.replace(from, to), SPEC)?,
        &FontOptions::default(),
    )
}

#[test]
fn lines_finer_than_print_and_patterns_too_dense_are_refused() {
    let err = spec_with("line_width: 0.1,", "line_width: 0.05,").unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("background_pattern") && message.contains("0.08") && message.contains(":"),
        "{message}"
    );
    // 0.5 mm waves, 32 to a row, rows 0.1 mm apart: millions of curves, refused when the
    // spec is prepared (patterns are generated once per spec).
    let err = spec_with(
        "wavelength: 9.0, amplitude: 1.1, curves: 2, spacing: 2.5",
        "wavelength: 0.5, amplitude: 1.1, curves: 32, spacing: 0.1",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("curve segments")
            && err.to_string().contains("background_pattern"),
        "{err}"
    );
    let err = spec_with(
        "clear: [(element: \"qr_code\", margin: 3.0)]",
        "clear: [(element: \"title\", margin: 3.0)]",
    )
    .unwrap_err();
    assert!(err.to_string().contains("title"), "{err}");
}

#[test]
fn the_records_seal_prints_in_the_seal_ink_where_the_spec_puts_it() {
    let fonts = liuzhou().fonts();
    let record = Record::load("specs/liuzhou/electronic-copy.json").unwrap();
    let layout = lay_out(&record).unwrap();
    let seal: Vec<_> = layout
        .page
        .items
        .iter()
        .filter(|i| i.element == "seal")
        .collect();
    assert!(!seal.is_empty());
    assert!(seal.iter().all(|i| i.pass == Pass::Print));
    let placed = placement(&layout, "seal", certpress::layout::Part::Shape);
    assert_eq!(placed.laid_out.left().get(), 292.0);
    // Without a seal in the record, nothing.
    assert!(!lay_out(&sample())
        .unwrap()
        .page
        .items
        .iter()
        .any(|i| i.element == "seal"));
    // In the raster, red in the seal's box.
    let options = RasterOptions {
        dpi: 100.0,
        ..Default::default()
    };
    let raster = raster::render(&layout.page, fonts, &options).unwrap();
    let (rgb, width) = (raster.rgb(), raster.width() as usize);
    let red = colours(&rgb, width, 100.0, [292.0, 217.0, 334.0, 259.0])
        .iter()
        .filter(|(c, _)| c[0] > 200 && c[1] < 60 && c[2] < 60)
        .map(|c| c.1)
        .sum::<usize>();
    assert!(red > 200, "{red} red pixels");
}

#[test]
fn a_seal_outside_the_records_folder_or_from_nowhere_is_refused() {
    let dir = std::env::temp_dir().join(format!("certpress-seal-{}", std::process::id()));
    let inner = dir.join("records");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::copy("specs/liuzhou/seal-placeholder.svg", dir.join("seal.svg")).unwrap();
    std::fs::write(
        inner.join("link.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image xlink:href="../seal.png" width="10" height="10"/></svg>"#,
    )
    .unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    let attempt = |json: &serde_json::Value| -> Error {
        let path = inner.join("record.json");
        std::fs::write(&path, json.to_string()).unwrap();
        let record = Record::load(&path).unwrap();
        lay_out(&record).unwrap_err()
    };
    json["seal_image"] = "../seal.svg".into();
    let err = attempt(&json);
    assert!(err.to_string().contains("seal_image"), "{err}");
    json["seal_image"] = "link.svg".into();
    let err = attempt(&json);
    assert!(
        err.to_string().contains("seal_image") && err.to_string().contains("outside the SVG"),
        "{err}"
    );
    // A record made in memory has no folder to resolve a seal in.
    let record = Record::from_json(&json.to_string(), "in memory").unwrap();
    let err = lay_out(&record).unwrap_err();
    assert!(err.to_string().contains("folder"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn artwork_outside_the_spec_folder_needs_an_explicit_asset_dir() {
    let root = std::env::temp_dir().join(format!("certpress-assets-{}", std::process::id()));
    let (specs, art) = (root.join("spec"), root.join("art"));
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::create_dir_all(&art).unwrap();
    std::fs::copy(
        "specs/liuzhou/emblem-placeholder.svg",
        art.join("emblem.svg"),
    )
    .unwrap();
    let text = std::fs::read_to_string(SPEC).unwrap().replace(
        "file: \"emblem-placeholder.svg\"",
        "file: \"../art/emblem.svg\"",
    );
    let path = specs.join("licence.ron");
    std::fs::write(&path, &text).unwrap();
    let err = LoadedSpec::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("emblem") && err.contains("outside") && err.contains("--asset-dir"),
        "{err}"
    );
    let options = certpress::spec::LoadOptions {
        asset_dirs: vec![art.clone()],
    };
    let spec = LoadedSpec::load_with(&path, &options).unwrap();
    assert!(spec.assets.contains_key("emblem"));

    // An SVG that links another file, a URL or a style sheet is refused, allowed or not.
    for (name, svg) in [
        (
            "image.svg",
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/><image href="https://example.com/e.png" width="9" height="9"/></svg>"#,
        ),
        (
            "use.svg",
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><use href="other.svg#e"/><rect width="5" height="5"/></svg>"#,
        ),
        (
            "style.svg",
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>@import url(https://example.com/s.css);</style><rect width="5" height="5"/></svg>"#,
        ),
    ] {
        std::fs::write(art.join(name), svg).unwrap();
        let linked = text.replace(
            "file: \"../art/emblem.svg\"",
            &format!("file: \"../art/{name}\""),
        );
        std::fs::write(&path, &linked).unwrap();
        let err = LoadedSpec::load_with(&path, &options)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("emblem")
                && (err.contains("outside the SVG") || err.contains("<style> sheet loads")),
            "{name}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_licence_over_the_prepared_press_underlay_is_pixel_for_pixel_a_full_render() {
    let fonts = liuzhou().fonts();
    let first = lay_out(&sample()).unwrap();
    let options = RasterOptions {
        dpi: 100.0,
        ..Default::default()
    };
    let underlay = raster::Underlay::new(&first.page, fonts, &options).unwrap();
    // Another licence: other name, other permits.
    let other = lay_out(&sample_with(
        "permits",
        serde_json::json!(["食品经营许可证（JY24502030099999）", "酒类零售许可"]),
    ))
    .unwrap();
    assert!(underlay.fits(&other.page, &options));
    let over = raster::render_over(&other.page, fonts, &options, &underlay).unwrap();
    let full = raster::render(&other.page, fonts, &options).unwrap();
    assert!(over.rgb() == full.rgb(), "the underlay changed the picture");
    // The print pass, or another spec's page, does not fit this underlay: drawn in full.
    let print = RasterOptions {
        pass: Some(Pass::Print),
        ..options.clone()
    };
    assert!(!underlay.fits(&other.page, &print));
    let over = raster::render_over(&other.page, fonts, &print, &underlay).unwrap();
    assert!(over.rgb() == raster::render(&other.page, fonts, &print).unwrap().rgb());
    let card = Template::load("specs/health-card/card.ron").unwrap();
    let card_fonts = card.fonts();
    let record = Record::load("specs/health-card/sample.json").unwrap();
    let page = card.issue(&record).unwrap().into_layout().page;
    assert!(!underlay.fits(&page, &options));
    let over = raster::render_over(&page, card_fonts, &options, &underlay).unwrap();
    assert!(over.rgb() == raster::render(&page, card_fonts, &options).unwrap().rgb());
}

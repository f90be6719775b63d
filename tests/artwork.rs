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
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-seal-{}", std::process::id()));
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
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-assets-{}", std::process::id()));
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
    assert!(spec.has_artwork("emblem"));

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

/// Raster pictures: the health card's photo from the record, PNG or JPEG, in the PDF
/// as a CMYK image and in the raster where the box is; hostile files refused; a PNG seal
/// printed in the seal's ink.
mod pictures {
    use super::*;
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    const CARD: &str = "specs/health-card/card.ron";

    fn card() -> &'static Template {
        static CELL: OnceLock<Template> = OnceLock::new();
        CELL.get_or_init(|| Template::load(CARD).unwrap())
    }

    /// A folder holding a copy of `record_json` naming `photo`, and the picture as `bytes`.
    fn record_with(dir: &Path, sample: &str, key: &str, file: &str, bytes: &[u8]) -> Record {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(file), bytes).unwrap();
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(sample).unwrap()).unwrap();
        json[key] = file.into();
        let path = dir.join("record.json");
        std::fs::write(&path, json.to_string()).unwrap();
        Record::load(&path).unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("certpress-pictures-{name}-{}", std::process::id()))
    }

    /// The RGB of the pixel at (x, y) mm.
    fn pixel(picture: &certpress::qa::image::Picture, x: f64, y: f64) -> [u8; 3] {
        let px = |mm: f64| (mm / 25.4 * picture.dpi) as usize;
        let i = (px(y) * picture.width + px(x)) * 3;
        [picture.rgb[i], picture.rgb[i + 1], picture.rgb[i + 2]]
    }

    /// The licence's proof at 200 dpi.
    fn rendered(licence: &certpress::Licence) -> certpress::qa::image::Picture {
        let options = RasterOptions {
            dpi: 200.0,
            ..Default::default()
        };
        certpress::qa::image::Picture::from_raster(&licence.raster(&options).unwrap())
    }

    fn near(a: [u8; 3], b: [u8; 3], within: u8) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= within)
    }

    // Points of the sample photo: the jacket at the foot of the box, the ground at its
    // top-left corner.
    const JACKET: (f64, f64) = (72.0, 26.5);
    const GROUND: (f64, f64) = (63.5, 5.0);

    #[test]
    fn the_cards_photo_is_a_cmyk_image_in_its_box_in_the_pdf_and_the_raster() {
        let record = Record::load("specs/health-card/sample.json").unwrap();
        let licence = card().issue(&record).unwrap();
        let photo = licence
            .report()
            .iter()
            .find(|p| p.element == "photo")
            .unwrap();
        assert_eq!(photo.laid_out.left().get(), 62.7);
        assert!(
            (photo.laid_out.width().get() - 18.6).abs() < 1e-9,
            "cut to its box"
        );

        let bytes = licence.pdf(&pdf::PdfOptions::default()).unwrap();
        let doc = Document::load_mem(&bytes).unwrap();
        let images: Vec<&lopdf::Stream> = doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| {
                s.dict.get(b"Subtype").ok().and_then(|v| v.as_name().ok()) == Some(b"Image")
            })
            .collect();
        assert_eq!(
            images.len(),
            1,
            "one picture, no mask (the photo is opaque)"
        );
        let dict = &images[0].dict;
        assert_eq!(dict.get(b"Width").unwrap().as_i64().unwrap(), 240);
        assert_eq!(dict.get(b"Height").unwrap().as_i64().unwrap(), 300);
        assert_eq!(
            dict.get(b"ColorSpace").unwrap().as_name().unwrap(),
            b"DeviceCMYK"
        );
        let samples = images[0].decompressed_content().unwrap();
        assert_eq!(samples.len(), 240 * 300 * 4);

        // Our raster and hayro's rendering of the PDF show the photo where the box is.
        let ours = rendered(&licence);
        let jacket = pixel(&ours, JACKET.0, JACKET.1);
        let ground = pixel(&ours, GROUND.0, GROUND.1);
        assert!(near(jacket, [40, 48, 66], 6), "{jacket:?}");
        assert!(near(ground, [214, 228, 240], 8), "{ground:?}");
        let theirs = hayro_render(bytes, 200.0);
        assert!(
            near(pixel(&theirs, JACKET.0, JACKET.1), jacket, 24),
            "hayro: {:?}",
            pixel(&theirs, JACKET.0, JACKET.1)
        );
        assert!(
            near(pixel(&theirs, GROUND.0, GROUND.1), ground, 24),
            "hayro: {:?}",
            pixel(&theirs, GROUND.0, GROUND.1)
        );
    }

    /// The photo on the plates: its CMYK separated (the pale blue ground is cyan, the
    /// skin has none), and under the UV lamp dimmed like every ink that does not glow.
    #[test]
    fn the_photo_separates_onto_the_plates_and_dims_under_uv() {
        let record = Record::load("specs/health-card/sample.json").unwrap();
        let licence = card().issue(&record).unwrap();
        let options = RasterOptions {
            dpi: 200.0,
            ..Default::default()
        };
        let plates = licence.plates(&options).unwrap();
        let plate = |name: &str| {
            let png = &plates.iter().find(|p| p.file_name == name).unwrap().png;
            certpress::qa::image::Picture::decode_png(png, None).unwrap()
        };
        let cyan = plate("plate-C.png");
        // The ground's RGB (214, 228, 240) is C 11 %, M 5 %, K 6 %: grey 227 on the C plate.
        let ground = pixel(&cyan, GROUND.0, GROUND.1)[0];
        assert!((220..=234).contains(&ground), "{ground}");
        // The face (226, 184, 152) has no cyan.
        assert_eq!(pixel(&cyan, 72.0, 14.0)[0], 255);
        let uv = certpress::qa::image::Picture::from_raster(
            &licence
                .raster(&RasterOptions {
                    view: certpress::raster::View::Uv,
                    ..options
                })
                .unwrap(),
        );
        let dimmed = pixel(&uv, GROUND.0, GROUND.1);
        assert_eq!(
            dimmed,
            certpress::colour::uv_rgb(pixel(&rendered(&licence), GROUND.0, GROUND.1))
        );
    }

    #[test]
    fn a_jpeg_photo_prints_like_the_png_and_a_small_one_is_refused_with_the_numbers() {
        let dir = scratch("jpeg");
        for file in ["photo.jpg", "photo-grey.jpg"] {
            let bytes = std::fs::read(Path::new("tests/pictures").join(file)).unwrap();
            let record = record_with(&dir, "specs/health-card/sample.json", "photo", file, &bytes);
            let licence = card().issue(&record).unwrap();
            let ours = rendered(&licence);
            let jacket = pixel(&ours, JACKET.0, JACKET.1);
            let expected = if file.contains("grey") {
                [47; 3]
            } else {
                [40, 48, 66]
            };
            assert!(near(jacket, expected, 12), "{file}: {jacket:?}");
        }
        // 60 × 75 pixels over 18.9 × 23.6 mm is 81 dpi.
        let mut small = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut small, 60, 75);
            encoder.set_color(png::ColorType::Rgb);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&vec![128; 60 * 75 * 3]).unwrap();
        }
        let record = record_with(
            &dir,
            "specs/health-card/sample.json",
            "photo",
            "small.png",
            &small,
        );
        let err = card().issue(&record).unwrap_err();
        assert_eq!(err.field(), Some("photo"));
        let message = err.to_string();
        assert!(
            message.contains("81 dpi") && message.contains("300 dpi"),
            "{message}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn hostile_pictures_are_refused_naming_the_field_never_a_panic() {
        let png = std::fs::read("specs/health-card/photo-sample.png").unwrap();
        let jpeg = std::fs::read("tests/pictures/photo.jpg").unwrap();
        // An animated PNG: an acTL chunk before the first IDAT.
        let mut animated = png[..33].to_vec();
        let actl = [b"acTL".as_slice(), &[0, 0, 0, 1, 0, 0, 0, 0]].concat();
        animated.extend(8u32.to_be_bytes());
        animated.extend(&actl);
        animated.extend(crc32(&actl).to_be_bytes());
        animated.extend(&png[33..]);
        // A 12-bit JPEG: the frame header's precision byte says 12.
        let mut twelve = jpeg.clone();
        let sof = twelve.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        twelve[sof + 4] = 12;
        // A file claiming 100 000 × 100 000 pixels.
        let mut bomb = png[..12].to_vec();
        let ihdr = [
            b"IHDR".as_slice(),
            &100_000u32.to_be_bytes(),
            &100_000u32.to_be_bytes(),
            &[8, 2, 0, 0, 0],
        ]
        .concat();
        bomb.extend(&ihdr);
        bomb.extend(crc32(&ihdr).to_be_bytes());
        bomb.extend(&png[33..]);
        let cases: [(&str, Vec<u8>, &str); 8] = [
            ("bomb.png", bomb, "over the limit"),
            ("cut.png", png[..png.len() / 2].to_vec(), "PNG"),
            ("cut.jpg", jpeg[..jpeg.len() / 2].to_vec(), "JPEG"),
            ("twelve.jpg", twelve, "JPEG"),
            ("animated.png", animated, "animated"),
            ("lies.png", jpeg.clone(), "name says otherwise"),
            (
                "bitmap.png",
                b"BM\x36\0\0\0\0\0\0\0".to_vec(),
                "not a PNG or JPEG",
            ),
            ("empty.jpg", Vec::new(), "not a PNG or JPEG"),
        ];
        let dir = scratch("hostile");
        for (file, bytes, says) in cases {
            let record = record_with(&dir, "specs/health-card/sample.json", "photo", file, &bytes);
            let err = card().issue(&record).unwrap_err();
            assert_eq!(err.field(), Some("photo"), "{file}: {err}");
            assert!(err.to_string().contains(says), "{file}: {err}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_png_seal_prints_in_the_seal_ink_and_leaves_the_ground_where_it_is_clear() {
        // A red ring on transparency, 200 px: what a seal system hands out.
        let side = 200u32;
        let mut rgba = Vec::new();
        for y in 0..side {
            for x in 0..side {
                let r = ((f64::from(x) - 99.5).powi(2) + (f64::from(y) - 99.5).powi(2)).sqrt();
                let ring = (80.0..96.0).contains(&r);
                rgba.extend(if ring {
                    [220, 20, 30, 255]
                } else {
                    [255, 255, 255, 0]
                });
            }
        }
        let mut seal = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut seal, side, side);
            encoder.set_color(png::ColorType::Rgba);
            encoder
                .write_header()
                .unwrap()
                .write_image_data(&rgba)
                .unwrap();
        }
        let dir = scratch("seal");
        let record = record_with(
            &dir,
            "specs/liuzhou/electronic-copy.json",
            "seal_image",
            "seal.png",
            &seal,
        );
        let licence = liuzhou().issue(&record).unwrap();
        // The same seal carried in a record that has no folder, as a data URL: the same PDF.
        {
            use base64::Engine as _;
            let mut inline = record.clone();
            inline.folder = None;
            inline.values.insert(
                "seal_image".to_owned(),
                certpress::record::RawValue::Text(format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(&seal)
                )),
            );
            let options = pdf::PdfOptions::default();
            assert!(
                liuzhou().issue(&inline).unwrap().pdf(&options).unwrap()
                    == licence.pdf(&options).unwrap()
            );
        }
        let items: Vec<_> = licence
            .page()
            .items
            .iter()
            .filter(|i| i.element == "seal")
            .collect();
        assert_eq!(items.len(), 1);
        assert!(matches!(&items[0].shape, certpress::display::Shape::Image(i) if i.in_ink));

        // In the PDF: the ink at full strength, the seal's coverage as its soft mask.
        let doc = Document::load_mem(&licence.pdf(&pdf::PdfOptions::default()).unwrap()).unwrap();
        let image = doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .find(|s| s.dict.get(b"SMask").is_ok())
            .expect("an image with a soft mask");
        assert_eq!(
            image.dict.get(b"ColorSpace").unwrap().as_name().unwrap(),
            b"DeviceCMYK"
        );
        let samples = image.decompressed_content().unwrap();
        assert_eq!(&samples[..4], [0, 255, 255, 0], "seal_red is M100 Y100");

        // In the raster: red on the ring, and inside it the licence as without a seal.
        let options = RasterOptions {
            dpi: 100.0,
            ..Default::default()
        };
        let with = certpress::qa::image::Picture::from_raster(&licence.raster(&options).unwrap());
        let without = certpress::qa::image::Picture::from_raster(
            &liuzhou()
                .issue(&sample())
                .unwrap()
                .raster(&options)
                .unwrap(),
        );
        // The seal's box is 292–334 × 217–259 mm; the ring's middle radius is 0.44 of it.
        let (cx, cy, r) = (313.0, 238.0, 42.0 * 0.44);
        let on_ring = pixel(&with, cx + r, cy);
        assert!(on_ring[0] > 200 && on_ring[1] < 80, "{on_ring:?}");
        assert_eq!(
            pixel(&with, cx, cy),
            pixel(&without, cx, cy),
            "clear inside the ring"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The spec's own picture: loaded with the spec, placed by its fit, and refused with
    /// the element's line when its shape does not fit an `Exact` box.
    #[test]
    fn a_specs_own_picture_is_placed_by_its_fit_or_refused_with_its_line() {
        let source = std::fs::read_to_string(CARD).unwrap();
        let with = |fit: &str| {
            source.replace(
                "        // The photo fills the box",
                &format!(
                    "        Image(id: \"mark\", pass: Press, at: (x: 3.0, y: 40.0), size: (width: 10.0, height: 10.0),\n            file: \"photo-sample.png\", fit: {fit}),\n        // The photo fills the box"
                ),
            )
        };
        let spec = LoadedSpec::from_str(&with("Contain"), CARD).unwrap();
        let template = Template::prepare(spec, &FontOptions::default()).unwrap();
        let record = Record::load("specs/health-card/sample.json").unwrap();
        let licence = template.issue(&record).unwrap();
        let mark = licence
            .report()
            .iter()
            .find(|p| p.element == "mark")
            .unwrap();
        // 4:5 in a square: 8 × 10 mm, centred.
        assert!(
            (mark.laid_out.left().get() - 4.0).abs() < 1e-9,
            "{:?}",
            mark.laid_out
        );
        assert!((mark.laid_out.width().get() - 8.0).abs() < 1e-9);

        let text = with("Exact(tolerance: 0.05)");
        let template = Template::prepare(
            LoadedSpec::from_str(&text, CARD).unwrap(),
            &FontOptions::default(),
        )
        .unwrap();
        let err = template.issue(&record).unwrap_err();
        let line = text
            .lines()
            .position(|l| l.contains("id: \"mark\""))
            .unwrap()
            + 1;
        assert!(
            err.to_string().starts_with(&format!("{CARD}:{line}:")),
            "{err}"
        );
        assert!(err.to_string().contains("20.0 % off"), "{err}");
    }

    /// The CRC-32 of a hand-made PNG chunk.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        crc.sum()
    }
}

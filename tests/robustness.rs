//! Never a panic: the public API fed arbitrary strings and numbers (NaN, infinities,
//! negatives, huge and tiny values) either succeeds or returns an error.
//!
//! Each property runs a few dozen cases in the normal suite; the fuzz targets in `fuzz/`
//! explore further (see fuzz/README.md).

mod common;

use proptest::prelude::*;

use certpress::production::Calibration;
use certpress::record::{self, RawValue};
use certpress::spec::{LoadedSpec, Pass};
use certpress::units::Mm;
use certpress::{layout, pdf, raster};
use common::{liuzhou, sample, SPEC};

/// Numbers that break naive code.
fn hostile_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-1.0),
        Just(0.0),
        Just(-0.0),
        Just(1e-308),
        Just(1e308),
        Just(-1e308),
        Just(f64::MAX),
        Just(4.9e-324),
        -1e6..1e6f64,
    ]
}

/// Strings mixing CJK, rare ideographs, Latin, digits, punctuation, controls and bidi
/// overrides, of any length up to a few thousand characters.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[\u{4e00}-\u{9fff}]{1,20}",
        "[\u{20000}-\u{2a6df}]{1,3}",
        "[a-zA-Z0-9 ]{1,30}",
        "[，。、；：？！（）《》「」『』]{1,5}",
        "[\u{0}-\u{1f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{feff}]{1,3}",
        "\\PC{1,10}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Renders a record all the way through, at a small raster size; errors are fine.
fn render(record: &record::Record) {
    let Ok(licence) = liuzhou().issue(record) else {
        return;
    };
    let bytes = licence.pdf(&pdf::PdfOptions::default());
    assert!(bytes.is_ok_and(|b| b.starts_with(b"%PDF-")));
    let options = raster::RasterOptions {
        dpi: 20.0,
        ..Default::default()
    };
    assert!(licence.raster(&options).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A PNG or JPEG picture with bytes overwritten or cut anywhere: decoded or refused,
    /// never a panic (the decoders see what a hostile record's photo holds).
    #[test]
    fn damaged_pictures_are_decoded_or_refused(
        jpeg in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in any::<prop::sample::Index>(),
    ) {
        let path = if jpeg { "tests/pictures/photo.jpg" } else { "specs/health-card/photo-sample.png" };
        let mut bytes = std::fs::read(path).unwrap();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len()) + 1);
        if let Ok(bitmap) = certpress::bitmap::Bitmap::decode(&bytes) {
            prop_assert_eq!(bitmap.cmyk.len(), bitmap.width as usize * bitmap.height as usize * 4);
        }
    }

    /// Any text in any field: bound, laid out and rendered, or refused.
    #[test]
    fn any_field_text_renders_or_is_refused(
        key in prop::sample::select(vec![
            "operator_name", "legal_representative", "industry_category", "credit_code",
            "business_address", "issuing_authority", "issue_date", "licence_number",
            "qr_url", "seal_image", "not_a_key",
        ]),
        text in hostile_text(),
        as_list in any::<bool>(),
    ) {
        let mut record = sample();
        let value = if as_list {
            RawValue::List(text.split('。').map(str::to_owned).collect())
        } else {
            RawValue::Text(text)
        };
        record.values.insert(key.to_owned(), value);
        render(&record);
    }

    /// Any permit list: wrapped and shrunk into its band, or refused.
    #[test]
    fn any_permit_list_renders_or_is_refused(
        permits in prop::collection::vec(hostile_text(), 0..30),
    ) {
        let mut record = sample();
        record.values.insert("permits".into(), RawValue::List(permits));
        render(&record);
    }

    /// Any number in place of any number of the spec: loaded and rendered, or refused
    /// with an error.
    #[test]
    fn any_number_in_the_spec_loads_and_renders_or_is_refused(
        which in any::<prop::sample::Index>(),
        number in hostile_number(),
    ) {
        let source = std::fs::read_to_string(SPEC).unwrap();
        let numbers: Vec<(usize, usize)> = number_spans(&source);
        let (start, end) = numbers[which.index(numbers.len())];
        let literal = if number.is_nan() {
            "NaN".to_owned()
        } else if number.is_infinite() {
            if number > 0.0 { "inf".to_owned() } else { "-inf".to_owned() }
        } else {
            format!("{number:?}")
        };
        let edited = format!("{}{literal}{}", &source[..start], &source[end..]);
        let Ok(spec) = LoadedSpec::from_str(&edited, SPEC) else {
            return Ok(());
        };
        // The stages one by one, with the Liuzhou fonts: the edit touches no font.
        let fonts = liuzhou().fonts();
        let Ok(prepared) = layout::Prepared::new(&spec) else {
            return Ok(());
        };
        let Ok(bound) = record::bind(&spec.spec, &sample()) else {
            return Ok(());
        };
        let Ok(laid_out) = layout::layout(&spec, fonts, &prepared, &bound) else {
            return Ok(());
        };
        prop_assert!(pdf::pdf(&laid_out.page, fonts, &pdf::PdfOptions::default()).is_ok());
        let options = raster::RasterOptions { dpi: 10.0, ..Default::default() };
        prop_assert!(raster::render(&laid_out.page, fonts, &options).is_ok());
    }

    /// Any bytes as a spec: an error (with a place), never a panic.
    #[test]
    fn any_text_as_a_spec_is_refused_or_loaded(text in "\\PC{0,400}") {
        let _ = LoadedSpec::from_str(&text, SPEC);
    }

    /// Any resolution and calibration handed to the back ends: output or an error, and
    /// never a raster over the pixel limit.
    #[test]
    fn any_raster_options_render_or_are_refused(
        dpi in hostile_number(),
        offset_x in hostile_number(),
        offset_y in hostile_number(),
        scale in hostile_number(),
    ) {
        let licence = liuzhou().issue(&sample()).unwrap();
        let calibration = Calibration { offset_x: Mm(offset_x), offset_y: Mm(offset_y), scale };
        let valid = calibration.check().is_ok();
        // A calibration registers the print pass.
        let print = Some(Pass::Print);
        let options = raster::RasterOptions {
            dpi: 20.0,
            pass: print,
            calibration,
            ..Default::default()
        };
        let result = licence.raster(&options);
        prop_assert_eq!(result.is_ok(), valid, "an invalid calibration is refused, a valid one used");
        if let Ok(picture) = result {
            prop_assert!(u64::from(picture.width()) * u64::from(picture.height()) <= raster::MAX_PIXELS);
        }
        let options = raster::RasterOptions { dpi, ..Default::default() };
        if let Ok(picture) = licence.raster(&options) {
            prop_assert!(u64::from(picture.width()) * u64::from(picture.height()) <= raster::MAX_PIXELS);
        }
        let pdf_options = pdf::PdfOptions { pass: print, calibration, ..Default::default() };
        let result = licence.pdf(&pdf_options);
        prop_assert_eq!(result.is_ok(), valid, "an invalid calibration is refused, a valid one used");
    }
}

/// The byte spans of the number literals of a RON text (outside strings and comments).
fn number_spans(source: &str) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if b.is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A capture of any size and content (lines where a frame might be, noise, nothing),
    /// with or without a resolution, is checked or refused, never a panic.
    #[test]
    fn any_capture_is_checked_or_refused(
        width in 0usize..96,
        height in 0usize..96,
        dpi in prop_oneof![Just(None), (1.0f64..2000.0).prop_map(Some)],
        lines in proptest::collection::vec((0usize..96, any::<bool>()), 0..8),
        seed in any::<u64>(),
    ) {
        use certpress::qa::check::CheckOptions;
        use certpress::qa::scan::Scan;
        let mut state = seed | 1;
        let mut luma: Vec<u8> = (0..width * height)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                200 + (state % 56) as u8
            })
            .collect();
        for (at, across) in lines {
            for i in 0..width.max(height) {
                let (x, y) = if across { (i, at) } else { (at, i) };
                if x < width && y < height {
                    luma[y * width + x] = 10;
                }
            }
        }
        let scan = Scan { width, height, dpi, luma };
        let licence = liuzhou().issue(&sample()).unwrap();
        let _ = licence.check(Some(scan), CheckOptions::default());
    }

    /// Damaged picture files are refused as unreadable, never a panic.
    #[test]
    fn damaged_capture_files_are_refused(cut in 0usize..400, flip in 0usize..400, byte in any::<u8>()) {
        use certpress::qa::scan::Scan;
        let raster = liuzhou()
            .issue(&sample())
            .unwrap()
            .raster(&raster::RasterOptions { dpi: 10.0, ..Default::default() })
            .unwrap();
        let mut png = certpress::qa::image::Picture::from_raster(&raster).encode_png().unwrap();
        let flip = flip.min(png.len() - 1);
        png[flip] = byte;
        png.truncate(png.len().saturating_sub(cut));
        let _ = Scan::decode(&png, None);
    }
}

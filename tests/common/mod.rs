//! Shared fixtures: the Liuzhou template (prepared once per test binary) and records.
#![allow(dead_code)]

use std::sync::OnceLock;

use certpress::layout::{Layout, Part, Placement};
use certpress::{Record, Result, Template};

pub const SPEC: &str = "specs/liuzhou/licence.ron";
pub const SAMPLE: &str = "specs/liuzhou/sample.json";

/// The Liuzhou spec prepared with its fonts, once.
pub fn liuzhou() -> &'static Template {
    static CELL: OnceLock<Template> = OnceLock::new();
    CELL.get_or_init(|| Template::load(SPEC).expect("the Liuzhou spec and its fonts load"))
}

/// The sample record.
pub fn sample() -> Record {
    Record::load(SAMPLE).expect("the sample record loads")
}

/// The sample record with `key` set to `value` (a JSON value).
pub fn sample_with(key: &str, value: serde_json::Value) -> Record {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    json[key] = value;
    Record::from_json(&json.to_string(), format!("sample with {key}")).unwrap()
}

/// Binds and lays out a record on the Liuzhou spec.
pub fn lay_out(record: &Record) -> Result<Layout> {
    liuzhou().issue(record).map(|licence| licence.into_layout())
}

/// The placement of one part of an element.
pub fn placement<'a>(layout: &'a Layout, element: &str, part: Part) -> &'a Placement {
    layout
        .report
        .iter()
        .find(|p| p.element == element && p.part == part)
        .unwrap_or_else(|| panic!("no {part:?} placement for {element}"))
}

/// Renders the first page of a PDF with hayro, an independent PDF renderer, on white.
pub fn hayro_render(pdf_bytes: Vec<u8>, dpi: f64) -> certpress::qa::image::Picture {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    use hayro::vello_cpu::color::palette::css::WHITE;
    use hayro::{render, PixmapSettings, RenderCache, RenderSettings};

    let pdf = Pdf::new(std::sync::Arc::new(pdf_bytes)).expect("hayro parses our PDF");
    let pages = pdf.pages();
    let page = pages.first().expect("one page");
    let scale = (dpi / 72.0) as f32;
    let pixmap = render(
        page,
        &RenderCache::new(),
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        },
    );
    let png = pixmap.into_png().expect("hayro's pixmap encodes");
    certpress::qa::image::Picture::decode_png(&png, Some(dpi)).expect("the PNG decodes")
}

/// A ZIP package's entries (an OFD), in order.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            (file.name().to_owned(), data)
        })
        .collect()
}

/// A ZIP package of `entries`, deflated.
pub fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer
            .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

//! Any JSON record through the whole pipeline: bind, layout, PDF and a small raster.
//! Whatever the record, the result is output or an error.
#![no_main]

use std::sync::OnceLock;

use certpress::{PdfOptions, RasterOptions, Record, Template};
use libfuzzer_sys::fuzz_target;

fn template() -> &'static Template {
    static CELL: OnceLock<Template> = OnceLock::new();
    CELL.get_or_init(|| {
        Template::load("../specs/liuzhou/licence.ron").expect("the spec and its fonts load")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(record) = Record::from_json(text, "fuzz.json") else {
        return;
    };
    let Ok(licence) = template().issue(&record) else {
        return;
    };
    licence
        .pdf(&PdfOptions::default())
        .expect("a laid-out page writes");
    let options = RasterOptions {
        dpi: 10.0,
        ..Default::default()
    };
    licence.raster(&options).expect("a laid-out page rasterises");
});

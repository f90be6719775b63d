//! Any JSON record through the whole pipeline: bind, layout, PDF and a small raster.
//! Whatever the record, the result is output or an error.
#![no_main]

use std::sync::OnceLock;

use certpress::fonts::{FontBook, FontOptions};
use certpress::record::{self, Record};
use certpress::spec::LoadedSpec;
use certpress::{layout, pdf, raster};
use libfuzzer_sys::fuzz_target;

fn loaded() -> &'static (LoadedSpec, FontBook) {
    static CELL: OnceLock<(LoadedSpec, FontBook)> = OnceLock::new();
    CELL.get_or_init(|| {
        let spec = LoadedSpec::load("../specs/liuzhou/licence.ron").expect("the spec loads");
        let fonts = FontBook::load(&spec, &FontOptions::default()).expect("its fonts load");
        (spec, fonts)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (spec, fonts) = loaded();
    let Ok(record) = Record::from_json(text, "fuzz.json") else {
        return;
    };
    let Ok(bound) = record::bind(&spec.spec, &record) else {
        return;
    };
    let Ok(laid_out) = layout::layout(spec, fonts, &bound) else {
        return;
    };
    pdf::pdf(&laid_out.page, fonts, &pdf::PdfOptions::default()).expect("a laid-out page writes");
    let options = raster::RasterOptions {
        dpi: 10.0,
        ..Default::default()
    };
    raster::render(&laid_out.page, fonts, &options).expect("a laid-out page rasterises");
});

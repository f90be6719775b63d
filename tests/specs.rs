//! Every spec under specs/ loads and renders its sample record.

use std::path::Path;

use certpress::fonts::{FontBook, FontOptions};
use certpress::spec::LoadedSpec;
use certpress::{layout, pdf, record};

#[test]
fn every_spec_renders_its_sample() {
    let mut rendered = 0;
    for dir in std::fs::read_dir("specs").unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("ron") {
                continue;
            }
            let sample = dir.join("sample.json");
            assert!(sample.is_file(), "{} has no sample.json", dir.display());
            render(&path, &sample);
            rendered += 1;
        }
    }
    assert!(rendered >= 1);
}

fn render(spec: &Path, sample: &Path) {
    let spec = LoadedSpec::load(spec).unwrap_or_else(|e| panic!("{e}"));
    let fonts = FontBook::load(&spec, &FontOptions::default()).unwrap();
    let record = record::Record::load(sample).unwrap();
    let bound = record::bind(&spec.spec, &record).unwrap_or_else(|e| panic!("{e}"));
    let laid_out = layout::layout(&spec, &fonts, &bound).unwrap_or_else(|e| panic!("{e}"));
    let bytes = pdf::pdf(&laid_out.page, &fonts, &pdf::PdfOptions::default()).unwrap();
    assert!(lopdf::Document::load_mem(&bytes).is_ok());
}

//! The OFD electronic licence, read back by `ofd-core`: an OFD implementation we did not
//! write, which parses the package, checks its structure and renders it.

mod common;

use std::io::Cursor;

use certpress::qa::image::Picture;
use certpress::{identifier, OfdOptions, RasterOptions, Record};
use common::liuzhou;
use ofd_core::{OfdPackage, OfdReader, PageBlock, RenderOptions};

const ELECTRONIC: &str = "specs/liuzhou/electronic-copy.json";

fn electronic_ofd() -> Vec<u8> {
    let record = Record::load(ELECTRONIC).unwrap();
    liuzhou()
        .issue(&record)
        .unwrap()
        .ofd(&OfdOptions::default())
        .unwrap()
}

fn reader(bytes: &[u8]) -> OfdReader<Cursor<Vec<u8>>> {
    let package = OfdPackage::new(Cursor::new(bytes.to_vec())).expect("ofd-core opens the ZIP");
    OfdReader::new(package).expect("ofd-core parses OFD.xml")
}

/// All text of the page's text objects, in order: its template page's (the press
/// artwork) first, then its own.
fn page_text(bytes: &[u8]) -> String {
    let mut reader = reader(bytes);
    let body = reader.ofd().doc_bodies[0].clone();
    let doc = reader.load_document(&body).unwrap();
    let mut pages = Vec::new();
    for template in doc.template_pages().to_vec() {
        pages.push(reader.load_template(&doc, &template).unwrap());
    }
    pages.push(reader.load_page(&doc, &doc.pages()[0].clone()).unwrap());
    let mut text = String::new();
    for page in &pages {
        for layer in &page.content.as_ref().unwrap().layers {
            for object in &layer.objects {
                if let PageBlock::Text(t) = object {
                    for code in &t.text_codes {
                        text.push_str(code.text.as_deref().unwrap_or(""));
                    }
                    text.push('\n');
                }
            }
        }
    }
    text
}

#[test]
fn ofd_core_finds_the_package_conforming_with_its_metadata() {
    let bytes = electronic_ofd();
    let mut reader = reader(&bytes);
    let report = ofd_core::check_reader(&mut reader);
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    let info = &reader.ofd().doc_bodies[0].doc_info;
    assert_eq!(info.title.as_deref(), Some("柳州行业综合许可证"));
    let custom = &info
        .custom_datas
        .as_ref()
        .expect("CustomDatas")
        .custom_datas;
    let value = |name: &str| {
        custom
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.clone())
            .unwrap_or_else(|| panic!("no CustomData {name}"))
    };
    assert_eq!(value("持证主体"), "柳州市鱼峰区桂香螺蛳粉店");
    assert_eq!(value("持证主体代码"), "92450203MA5N8K2D76");
    assert_eq!(value("证照颁发日期"), "2022-09-26");
    assert_eq!(value("证照编号"), "柳鱼一业一证〔2022〕0001号");
    let id = value("证照标识");
    assert!(id.starts_with("1.2.156.3005.2.11450200MB0000001X001.11450203MB1234567X.20220001.001."));
    assert!(identifier::verify(&id), "{id}");

    // Every font is embedded in the package, none left to the reader's system.
    let body = reader.ofd().doc_bodies[0].clone();
    let doc = reader.load_document(&body).unwrap();
    let mut fonts = 0;
    for loc in doc.public_res().to_vec() {
        let res = reader.load_resource(&doc, &loc).unwrap();
        for font in res.fonts() {
            fonts += 1;
            let file = font.font_file.as_ref().expect("an embedded font file");
            let path = format!("Doc_0/Res/{file}");
            let data = reader
                .package_mut()
                .read(&path)
                .expect("the font file is in the package");
            ttf_parser::Face::parse(&data, 0).expect("the subset parses");
        }
    }
    assert!(fonts >= 3, "{fonts} fonts");
}

#[test]
fn the_text_is_searchable_and_markup_in_a_record_stays_text() {
    // Runs of different faces are objects of their own (王 and 䶮 come from two faces):
    // what a reader searches is the text read in order.
    let text = page_text(&electronic_ofd()).replace('\n', "");
    for needle in [
        "柳州市鱼峰区桂香螺蛳粉店",
        "92450203MA5N8K2D76",
        "行业综合许可证",
        "王䶮",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    // The fluorescent mark is invisible in daylight: not in the electronic licence.
    assert!(!text.contains("行业综合许可统"));

    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ELECTRONIC).unwrap()).unwrap();
    json["operator_name"] = "<b>&amp;\"鱼峰\"</b>".into();
    let mut record = Record::from_json(&json.to_string(), "markup").unwrap();
    record.folder = Some("specs/liuzhou".into());
    let bytes = liuzhou()
        .issue(&record)
        .unwrap()
        .ofd(&OfdOptions::default())
        .unwrap();
    let text = page_text(&bytes);
    assert!(text.contains("<b>&amp;\"鱼峰\"</b>"), "{text}");
}

#[test]
fn the_same_licence_gives_the_same_bytes() {
    assert_eq!(electronic_ofd(), electronic_ofd());
}

/// ofd-core's rendering of the OFD's first page at `dpi`, as QA reads pictures.
fn ofd_core_render(bytes: &[u8], dpi: f64) -> Picture {
    let mut reader = reader(bytes);
    let body = reader.ofd().doc_bodies[0].clone();
    let doc = reader.load_document(&body).unwrap();
    let png = reader
        .render_page_to_bytes(
            &doc,
            0,
            &RenderOptions::with_dpi(dpi),
            ofd_core::render::ImageFormat::Png,
        )
        .expect("ofd-core renders the page");
    Picture::decode_png(&png, Some(dpi)).unwrap()
}

/// ofd-core's rendering of `licence` at `dpi` against our raster, element by element:
/// where each element's dark ink lies. Returns how many elements were compared.
fn compare_elements(licence: &certpress::Licence<'_>, dpi: f64) -> usize {
    let theirs = ofd_core_render(&licence.ofd(&OfdOptions::default()).unwrap(), dpi);
    let ours = Picture::from_raster(
        &licence
            .raster(&RasterOptions {
                dpi,
                ..Default::default()
            })
            .unwrap(),
    );
    assert_eq!((theirs.width, theirs.height), (ours.width, ours.height));
    // Dark ink: what the elements print (the pale guilloche is under them in both).
    const THRESHOLD: u8 = 150;
    let slack = 2.0 * 25.4 / dpi; // two pixels
    let mut compared = 0;
    for placement in licence.report() {
        let Some(window) = placement.laid_out.outset(certpress::Mm(1.0)) else {
            continue;
        };
        let (a, b) = (
            ours.ink_box(window, THRESHOLD),
            theirs.ink_box(window, THRESHOLD),
        );
        match (a, b) {
            (Some(a), Some(b)) => {
                for (edge, x, y) in [
                    ("left", a.left(), b.left()),
                    ("top", a.top(), b.top()),
                    ("right", a.right(), b.right()),
                    ("bottom", a.bottom(), b.bottom()),
                ] {
                    assert!(
                        (x - y).get().abs() <= slack,
                        "{} {:?}: {edge} edge at {x} in our raster, {y} in ofd-core's",
                        placement.element,
                        placement.part
                    );
                }
                compared += 1;
            }
            (None, None) => {}
            (a, b) => panic!(
                "{} {:?}: ink {a:?} in our raster, {b:?} in ofd-core's",
                placement.element, placement.part
            ),
        }
    }
    compared
}

/// The health card: a photo cut to its box (Cover), drawn by ofd-core where our raster
/// draws it.
#[test]
fn ofd_core_draws_the_health_card_photo_where_our_raster_does() {
    let template = certpress::Template::load("specs/health-card/card.ron").unwrap();
    let record = Record::load("specs/health-card/sample.json").unwrap();
    let licence = template.issue(&record).unwrap();
    let compared = compare_elements(&licence, 300.0);
    assert!(compared >= 3, "{compared} elements compared");
    // The photo itself, pale ink included: ofd-core's pixels in and around its box are
    // where ours are (the picture cut to its box, not spilling past it).
    let photo = licence
        .report()
        .iter()
        .find(|p| p.element == "photo")
        .expect("the photo is reported")
        .laid_out;
    let theirs = ofd_core_render(&licence.ofd(&OfdOptions::default()).unwrap(), 300.0);
    let ours = Picture::from_raster(&licence.raster(&RasterOptions::default()).unwrap());
    let luma = (ours.luma(), theirs.luma());
    let px = |v: certpress::Mm| v.to_px(300.0).round() as usize;
    let window = photo.outset(certpress::Mm(1.0)).unwrap();
    let (mut differ, mut total) = (0, 0);
    for y in px(window.top())..px(window.bottom()) {
        for x in px(window.left())..px(window.right()) {
            let i = y * ours.width + x;
            total += 1;
            if luma.0[i].abs_diff(luma.1[i]) > 40 {
                differ += 1;
            }
        }
    }
    assert!(
        (differ as f64) < 0.02 * total as f64,
        "{differ} of {total} pixels around the photo differ"
    );
}

/// ofd-core's rendering against our raster, element by element, and the QR code
/// decoding to the same text.
#[test]
fn ofd_core_draws_every_element_where_our_raster_does() {
    let record = Record::load(ELECTRONIC).unwrap();
    let licence = liuzhou().issue(&record).unwrap();
    let compared = compare_elements(&licence, 100.0);
    assert!(compared >= 15, "{compared} elements compared");
    // The QR code as ofd-core draws it at 300 dpi decodes to the licence's payload.
    let sheet = ofd_core_render(&licence.ofd(&OfdOptions::default()).unwrap(), 300.0);
    let qr = licence
        .report()
        .iter()
        .find(|p| p.element == "qr_code")
        .unwrap()
        .laid_out
        .outset(certpress::Mm(6.0))
        .unwrap();
    let px = |v: certpress::Mm| v.to_px(300.0).round() as usize;
    let (x0, y0, x1, y1) = (px(qr.left()), px(qr.top()), px(qr.right()), px(qr.bottom()));
    let luma = sheet.luma();
    let mut grid = rqrr::PreparedImage::prepare_from_greyscale(x1 - x0, y1 - y0, |x, y| {
        luma[(y0 + y) * sheet.width + x0 + x]
    });
    let grids = grid.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code where the layout put it");
    let (_, content) = grids[0].decode().expect("the QR code decodes");
    assert!(
        content.contains("许可证编号：柳鱼一业一证〔2022〕0001号"),
        "{content}"
    );
}

/// The pre-printed blank is the OFD's template page: the same file in every licence of the
/// spec, under each licence's own content.
#[test]
fn the_press_artwork_is_a_template_page_shared_by_every_licence() {
    let entries = |bytes: &[u8]| -> Vec<(String, Vec<u8>)> {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                f.read_to_end(&mut data).unwrap();
                (f.name().to_owned(), data)
            })
            .collect()
    };
    let one = entries(&electronic_ofd());
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ELECTRONIC).unwrap()).unwrap();
    json["operator_name"] = "柳州市城中区另一家螺蛳粉店".into();
    let mut record = Record::from_json(&json.to_string(), "another").unwrap();
    record.folder = Some("specs/liuzhou".into());
    let other = entries(
        &liuzhou()
            .issue(&record)
            .unwrap()
            .ofd(&OfdOptions::default())
            .unwrap(),
    );
    let file = |entries: &[(String, Vec<u8>)], name: &str| {
        entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
    };
    let template = file(&one, "Doc_0/Tpls/Tpl_0/Content.xml").expect("a template page");
    assert_eq!(
        Some(&template),
        file(&other, "Doc_0/Tpls/Tpl_0/Content.xml").as_ref()
    );
    assert!(template.contains("Type=\"Background\"") && template.contains("StrokeColor"));
    let page = file(&one, "Doc_0/Pages/Page_0/Content.xml").unwrap();
    assert!(page.contains("<ofd:Template TemplateID="));
    assert!(page.contains("桂香螺蛳粉店") && !template.contains("桂香螺蛳粉店"));
    assert_ne!(
        page,
        file(&other, "Doc_0/Pages/Page_0/Content.xml").unwrap()
    );
}

//! The OFD electronic licence, read back by `ofd-core`: an OFD implementation we did not
//! write, which parses the package, checks its structure and renders it.

mod common;

use std::io::Cursor;

use certpress::qa::image::Picture;
use certpress::{identifier, OfdOptions, RasterOptions, Record};
use common::{liuzhou, rezip, unzip};
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
    let entries = unzip;
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

/// The package as a weak reader takes it: every XML file with its fill rules, colour
/// spaces and its text objects' `Fill="false"` dropped, and every colour cut to its first
/// three values (so every path fills non-zero, every colour is read as RGB, every text is
/// painted).
fn as_a_weak_reader_reads_it(bytes: &[u8]) -> Vec<u8> {
    let mut entries = unzip(bytes);
    for (name, data) in &mut entries {
        if !name.ends_with(".xml") {
            continue;
        }
        let mut text = String::from_utf8(data.clone()).unwrap();
        text = text.replace(" Rule=\"Even-Odd\"", "");
        // Text objects painted whatever they say.
        let mut at = 0;
        while let Some(i) = text[at..].find("<ofd:TextObject") {
            let start = at + i;
            let end = start + text[start..].find('>').unwrap();
            let tag = text[start..end].replace(" Fill=\"false\"", "");
            text.replace_range(start..end, &tag);
            at = start + tag.len();
        }
        while let Some(at) = text.find(" ColorSpace=\"") {
            let end = at + 13 + text[at + 13..].find('"').unwrap() + 1;
            text.replace_range(at..end, "");
        }
        // A colour's first three values read as RGB, as such a reader reads any colour.
        let mut at = 0;
        while let Some(i) = text[at..].find(" Value=\"") {
            let start = at + i + 8;
            let end = start + text[start..].find('"').unwrap();
            let rgb: Vec<&str> = text[start..end].split(' ').take(3).collect();
            let rgb = rgb.join(" ");
            text.replace_range(start..end, &rgb);
            at = start + rgb.len();
        }
        *data = text.into_bytes();
    }
    rezip(&entries)
}

/// How many pixels of two renderings differ by more than a little.
fn differing(a: &Picture, b: &Picture) -> usize {
    assert_eq!((a.width, a.height), (b.width, b.height));
    a.rgb
        .chunks(3)
        .zip(b.rgb.chunks(3))
        .filter(|(p, q)| p.iter().zip(q.iter()).any(|(x, y)| x.abs_diff(*y) > 24))
        .count()
}

/// A reader that ignores fill rules, colour spaces and `Fill="false"` shows the same page:
/// colours are the daylight proof in RGB, rings are wound for either rule, no text is
/// hidden. In CMYK (on request), the same reader shows other colours: the test can tell.
#[test]
fn a_reader_ignoring_rules_and_colour_spaces_shows_the_same_page() {
    let record = Record::load(ELECTRONIC).unwrap();
    let licence = liuzhou().issue(&record).unwrap();
    let ofd = licence.ofd(&OfdOptions::default()).unwrap();
    let entries = unzip(&ofd);
    let all_xml: String = entries
        .iter()
        .filter(|(n, _)| n.ends_with(".xml"))
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect();
    assert!(
        !all_xml.contains("ColorSpace"),
        "colours in the default RGB"
    );
    let hidden_text = all_xml
        .split("<ofd:TextObject")
        .skip(1)
        .filter(|object| object[..object.find('>').unwrap()].contains("Fill=\"false\""))
        .count();
    assert_eq!(hidden_text, 0, "no hidden text");
    // The frame's ring (and every other even-odd path) is wound for either rule.
    assert!(!all_xml.contains("Even-Odd"));
    // Fonts named as the spec asks for them, embedded as TrueType.
    let res = String::from_utf8(
        entries
            .iter()
            .find(|(n, _)| n == "Doc_0/PublicRes.xml")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    for family in ["宋体", "黑体", "方正大标宋简体"] {
        assert!(
            res.contains(&format!("FamilyName=\"{family}\"")),
            "{family} in {res}"
        );
    }
    for (name, data) in entries
        .iter()
        .filter(|(n, _)| n.starts_with("Doc_0/Res/font_"))
    {
        let face = ttf_parser::Face::parse(data, 0).unwrap();
        assert!(
            face.tables().glyf.is_some() && face.tables().cff.is_none(),
            "{name}: TrueType outlines"
        );
    }

    let dpi = 50.0;
    let strong = ofd_core_render(&ofd, dpi);
    let weak = ofd_core_render(&as_a_weak_reader_reads_it(&ofd), dpi);
    assert_eq!(
        differing(&strong, &weak),
        0,
        "the weak reader's page differs"
    );

    let cmyk = licence
        .ofd(&OfdOptions {
            colour: certpress::OfdColour::Cmyk,
            ..Default::default()
        })
        .unwrap();
    let strong_cmyk = ofd_core_render(&cmyk, dpi);
    // Honoured, CMYK shows the same proof colours (within ofd-core's conversion) ...
    assert!(
        differing(&strong, &strong_cmyk) < strong.width * strong.height / 50,
        "ofd-core's CMYK differs from the proof"
    );
    // ... and misread as RGB, it does not.
    let misread = ofd_core_render(&as_a_weak_reader_reads_it(&cmyk), dpi);
    assert!(
        differing(&strong, &misread) > strong.width * strong.height / 100,
        "CMYK read as RGB should show other colours: {} of {} pixels differ",
        differing(&strong, &misread),
        strong.width * strong.height
    );
}

fn python_with_easyofd() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import easyofd, reportlab, fitz"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// easyofd (its parser and its reportlab drawing, rendered by MuPDF) and reportlab's
/// TrueType-only font loader: a second OFD reader, far weaker than ofd-core.
const EASYOFD: &str = r#"
import sys, os, zipfile, warnings
warnings.filterwarnings("ignore")
from loguru import logger
logger.remove()
import logging
logging.disable(logging.CRITICAL)
from easyofd.ofd import OFD
import fitz
from reportlab.pdfgen import canvas
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

path, out = sys.argv[1], sys.argv[2]
ofd = OFD()
ofd.read(path, fmt="path")
doc = ofd.data[0]
texts = [t for page in doc["page_info"].values() for t in (page.get("text_list") or [])]
print("texts", len(texts))
for t in texts:
    print("text", t["font"], ",".join(t["color"]), t["text"])
print("signatures", len(doc.get("signatures_page_id") or {}))
pdf = fitz.open(stream=ofd.to_pdf(), filetype="pdf")
pdf[0].get_pixmap(dpi=20).save(os.path.join(out, "easyofd.png"))

# The embedded fonts through reportlab's TrueType loader, and the page's text drawn in
# them where the text objects put it (mm; MuPDF renders at 100 dpi).
package = zipfile.ZipFile(path)
fonts = {}
for font_id, font in doc["fonts"].items():
    name = "f" + font_id
    data = package.read("Doc_0/Res/" + font["FontFile"])
    file = os.path.join(out, name + ".ttf")
    open(file, "wb").write(data)
    try:
        pdfmetrics.registerFont(TTFont(name, file))
        fonts[font_id] = name
        print("font", font_id, "loaded")
    except Exception as e:
        print("font", font_id, "refused", e)
mm = 72 / 25.4
w, h = doc["default_page_size"][2], doc["default_page_size"][3]
c = canvas.Canvas(os.path.join(out, "text.pdf"), pagesize=(w * mm, h * mm))
for t in texts:
    if t["font"] not in fonts:
        continue
    x = float(t["pos"][0]) + float(t["X"])
    y = float(t["pos"][1]) + float(t["Y"])
    deltas = [float(d) for d in t["DeltaX"].split()] if t["DeltaX"] else []
    c.setFont(fonts[t["font"]], float(t["size"]) * mm)
    for i, ch in enumerate(t["text"]):
        c.drawString(x * mm, (h - y) * mm, ch)
        if i < len(deltas):
            x += deltas[i]
c.save()
fitz.open(os.path.join(out, "text.pdf"))[0].get_pixmap(dpi=100).save(os.path.join(out, "text.png"))
print("done")
"#;

#[test]
fn a_second_reader_shows_the_colours_the_stamp_and_the_text() {
    if !python_with_easyofd() {
        eprintln!("SKIPPED: easyofd is not installed (pip install easyofd); ofd-core checked the OFD, and a reader ignoring rules and colour spaces was simulated");
        return;
    }
    #[path = "common/keys.rs"]
    mod keys;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-easyofd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let id = keys::identity(keys::Algorithm::Sm2, "easyofd", keys::FROM, keys::UNTIL);
    let signer =
        certpress::sign::Signer::from_pem(&id.key_pem, &id.cert_pem, "1234567812345678").unwrap();
    let record = Record::load(ELECTRONIC).unwrap();
    let licence = liuzhou().issue(&record).unwrap();
    let when = certpress::sign::time::parse("2022-09-26T10:00:00+08:00").unwrap();
    let run = |ofd: &[u8], name: &str| -> (String, std::path::PathBuf) {
        let out = dir.join(name);
        std::fs::create_dir_all(&out).unwrap();
        let file = out.join("licence.ofd");
        std::fs::write(&file, ofd).unwrap();
        let output = std::process::Command::new("python3")
            .args(["-c", EASYOFD])
            .arg(&file)
            .arg(&out)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            said.contains("done"),
            "easyofd failed:\n{said}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (said, out)
    };
    let sealed = licence
        .sealed_ofd(&OfdOptions::default(), &signer, when)
        .unwrap();
    let (said, out) = run(&sealed, "sealed");
    // Its parser finds the text and the seal, with colours it reads as RGB: the title in
    // its gold proof colour, not CMYK's 30 35 100 0 read as a blue-grey.
    assert!(said.contains("signatures 1"), "{said}");
    let gold = certpress::colour::proof_rgb(certpress::spec::Cmyk {
        c: 30.0,
        m: 35.0,
        y: 100.0,
        k: 0.0,
    });
    let title = said
        .lines()
        .find(|l| l.ends_with("行业综合许可证") && l.starts_with("text"))
        .unwrap_or_else(|| panic!("no title in\n{said}"));
    assert!(
        title.contains(&format!("{},{},{}", gold[0], gold[1], gold[2])),
        "{title}"
    );
    assert!(said.contains("柳州市鱼峰区桂香螺蛳粉店"), "{said}");
    // reportlab's TrueType-only loader takes every embedded font.
    assert!(!said.contains("refused"), "{said}");
    assert!(said.matches(" loaded").count() >= 3, "{said}");

    // Its drawing: the stamp, a filled picture, where the seal element is (the page's own
    // paths it only strokes), in red, not cyan.
    let seal_box = licence
        .report()
        .iter()
        .find(|p| p.element == "seal")
        .unwrap()
        .laid_out;
    let count = |picture: &Picture, window: certpress::Rect, wanted: &dyn Fn(&[u8]) -> bool| {
        let per_mm = picture.width as f64 / 420.0;
        let px = |v: certpress::Mm| (v.get() * per_mm).round() as usize;
        let mut n = 0;
        for y in px(window.top())..px(window.bottom()).min(picture.height) {
            for x in px(window.left())..px(window.right()).min(picture.width) {
                let i = (y * picture.width + x) * 3;
                if wanted(&picture.rgb[i..i + 3]) {
                    n += 1;
                }
            }
        }
        n
    };
    let red = |p: &[u8]| p[0] > 180 && p[1] < 90 && p[2] < 90;
    let cyan = |p: &[u8]| p[0] < 90 && p[1] > 150 && p[2] > 150;
    let picture = |dir: &std::path::Path, name: &str| {
        Picture::decode_png(&std::fs::read(dir.join(name)).unwrap(), None).unwrap()
    };
    let drawn = picture(&out, "easyofd.png");
    let sheet = certpress::Rect::from_ltrb(
        certpress::Mm(0.0),
        certpress::Mm(0.0),
        certpress::Mm(420.0),
        certpress::Mm(297.0),
    )
    .unwrap();
    assert_eq!(count(&drawn, sheet, &cyan), 0, "cyan: CMYK read as RGB");
    let (_, unsealed_out) = run(&licence.ofd(&OfdOptions::default()).unwrap(), "unsealed");
    let unsealed = picture(&unsealed_out, "easyofd.png");
    let (with_stamp, without) = (
        count(&drawn, seal_box, &red),
        count(&unsealed, seal_box, &red),
    );
    assert!(
        with_stamp > 2 * without.max(1),
        "the stamp's red: {with_stamp} pixels sealed, {without} unsealed"
    );

    // The text, drawn in the embedded TrueType fonts by their character maps: ink in the
    // box of every text element our layout placed.
    let text = picture(&out, "text.png");
    let dark = |p: &[u8]| p.iter().all(|&v| v < 128);
    let mut checked = 0;
    for placement in licence.report() {
        if !["title", "operator_name", "credit_code", "licence_number"]
            .iter()
            .any(|e| placement.element == *e)
        {
            continue;
        }
        let inked = count(&text, placement.laid_out, &dark);
        assert!(
            inked > 20,
            "{} {:?}: {inked} dark pixels",
            placement.element,
            placement.part
        );
        checked += 1;
    }
    assert!(checked >= 4, "{checked} text elements checked");
    let _ = std::fs::remove_dir_all(&dir);
}

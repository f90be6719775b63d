//! Print production read back: layers, passes, overprint, plates, the UV view, the office
//! printer's calibration, bleed and crop marks.

mod common;

use std::collections::BTreeMap;

use certpress::fonts::FontOptions;
use certpress::layout::Part;
use certpress::production::Calibration;
use certpress::qa::image::Picture as Image;
use certpress::raster::{self, RasterOptions, View};
use certpress::spec::{LoadedSpec, Pass};
use certpress::units::{Mm, Rect};
use certpress::{pdf, Template};
use common::*;
use lopdf::{Document, Object};

fn sample_pdf_of(pass: Option<Pass>, calibration: Calibration) -> Document {
    let licence = liuzhou().issue(&sample()).unwrap();
    let options = pdf::PdfOptions {
        pass,
        calibration,
        ..Default::default()
    };
    Document::load_mem(&licence.pdf(&options).unwrap()).unwrap()
}

/// One painting operator as the content stream sets it up.
#[derive(Debug, Clone)]
struct Paint {
    operator: String,
    /// The optional-content layer's name, if inside one.
    layer: Option<String>,
    /// `cmyk` operands, or the name of the Separation's colorant.
    colour: String,
    /// Under the overprinting ExtGState.
    overprint: bool,
}

fn resolve<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    match object {
        Object::Reference(id) => doc.get_object(*id).unwrap(),
        other => other,
    }
}

/// Walks the page's content stream and lists every fill and text-showing operator with
/// the layer, colour and overprint state it paints in.
fn paints(doc: &Document) -> Vec<Paint> {
    let page_id = doc.get_pages()[&1];
    let page = doc.get_dictionary(page_id).unwrap();
    let resources = resolve(doc, page.get(b"Resources").unwrap())
        .as_dict()
        .unwrap();
    let lookup = |kind: &[u8], name: &[u8]| -> Option<&Object> {
        let dict = resolve(doc, resources.get(kind).ok()?).as_dict().ok()?;
        Some(resolve(doc, dict.get(name).ok()?))
    };
    let content = doc.get_page_content(page_id);
    let content = lopdf::content::Content::decode(&content).unwrap();
    #[derive(Clone)]
    struct State {
        colour: String,
        overprint: bool,
    }
    let mut state = State {
        colour: "none".into(),
        overprint: false,
    };
    let mut stack: Vec<State> = Vec::new();
    let mut layers: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "q" => stack.push(state.clone()),
            "Q" => state = stack.pop().unwrap(),
            "k" => {
                let v: Vec<String> = op
                    .operands
                    .iter()
                    .map(|o| format!("{}", o.as_float().unwrap()))
                    .collect();
                state.colour = format!("cmyk {}", v.join(" "));
            }
            "cs" => {
                let name = op.operands[0].as_name().unwrap();
                let space = lookup(b"ColorSpace", name).unwrap().as_array().unwrap();
                state.colour = String::from_utf8_lossy(space[1].as_name().unwrap()).into();
            }
            "gs" => {
                let name = op.operands[0].as_name().unwrap();
                let gs = lookup(b"ExtGState", name).unwrap().as_dict().unwrap();
                state.overprint = gs.get(b"op").and_then(|o| o.as_bool()).unwrap_or(false)
                    && gs.get(b"OPM").and_then(|o| o.as_i64()).unwrap_or(0) == 1;
            }
            "BDC" => {
                assert_eq!(op.operands[0].as_name().unwrap(), b"OC");
                let group = lookup(b"Properties", op.operands[1].as_name().unwrap())
                    .unwrap()
                    .as_dict()
                    .unwrap();
                assert_eq!(group.get(b"Type").unwrap().as_name().unwrap(), b"OCG");
                let name = group.get(b"Name").unwrap().as_str().unwrap();
                layers.push(lopdf::decode_text_string(&Object::string_literal(name)).unwrap());
            }
            "EMC" => {
                layers.pop().unwrap();
            }
            "f" | "f*" | "TJ" | "Tj" => out.push(Paint {
                operator: op.operator.clone(),
                layer: layers.last().cloned(),
                colour: state.colour.clone(),
                overprint: state.overprint,
            }),
            _ => {}
        }
    }
    out
}

#[test]
fn every_paint_is_in_its_layer_with_its_ink() {
    let doc = sample_pdf_of(None, Calibration::default());
    let paints = paints(&doc);
    let mut by_layer: BTreeMap<String, Vec<&Paint>> = BTreeMap::new();
    for paint in &paints {
        let layer = paint.layer.clone().expect("every paint is inside a layer");
        by_layer.entry(layer).or_default().push(paint);
    }
    let layer = |prefix: &str| -> &Vec<&Paint> {
        by_layer
            .iter()
            .find(|(name, _)| name.starts_with(prefix))
            .unwrap_or_else(|| panic!("no layer {prefix}: {:?}", by_layer.keys()))
            .1
    };
    // The fluorescent mark: its own layer, its own Separation, overprinting.
    let fluorescent = layer("Fluorescent");
    assert!(!fluorescent.is_empty());
    for paint in fluorescent {
        assert_eq!(paint.colour, "FluorescentGreen", "{paint:?}");
        assert!(paint.overprint, "{paint:?}");
    }
    // Variable data: black as K only, never overprinting the artwork by accident.
    for paint in layer("Variable data") {
        assert_eq!(paint.colour, "cmyk 0 0 0 1", "{paint:?}");
        assert!(!paint.overprint, "{paint:?}");
    }
    // Press artwork: the hot foil (title, emblem) and the border, in no fluorescent ink.
    let press = layer("Press artwork");
    assert!(press.iter().any(|p| p.colour == "HotFoilGold"));
    assert!(press.iter().all(|p| p.colour != "FluorescentGreen"));
    assert!(press
        .iter()
        .any(|p| p.operator == "TJ" && p.colour == "HotFoilGold"));
    // Only the fluorescent ink overprints.
    assert!(paints
        .iter()
        .filter(|p| p.overprint)
        .all(|p| p.colour == "FluorescentGreen"));
}

#[test]
fn the_fluorescent_ink_overprints_in_multiply_so_no_composite_shows_it() {
    let doc = sample_pdf_of(None, Calibration::default());
    // Every layer is on: a RIP separates the fluorescent plate like any other.
    let catalog = doc.catalog().unwrap();
    let properties = resolve(&doc, catalog.get(b"OCProperties").unwrap())
        .as_dict()
        .unwrap();
    let config = properties.get(b"D").unwrap().as_dict().unwrap();
    assert_eq!(config.get(b"ON").unwrap().as_array().unwrap().len(), 3);
    assert!(config.get(b"OFF").is_err());
    // The ExtGState the fluorescent paints are under.
    let gs = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(&b"ExtGState"[..]))
        .expect("an ExtGState");
    assert!(gs.get(b"OP").unwrap().as_bool().unwrap());
    assert!(gs.get(b"op").unwrap().as_bool().unwrap());
    assert_eq!(gs.get(b"OPM").unwrap().as_i64().unwrap(), 1);
    assert_eq!(gs.get(b"BM").unwrap().as_name().unwrap(), b"Multiply");
    // Its Separation's alternate is no ink: white, which Multiply leaves invisible.
    let fluorescent = doc
        .objects
        .values()
        .filter_map(|o| o.as_array().ok())
        .find(|a| a.get(1).and_then(|n| n.as_name().ok()) == Some(&b"FluorescentGreen"[..]))
        .unwrap();
    let function = resolve(&doc, &fluorescent[3]).as_dict().unwrap();
    let c1: Vec<f32> = function
        .get(b"C1")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_float().unwrap())
        .collect();
    assert_eq!(c1, [0.0; 4]);
}

fn pdf_text(doc: &Document) -> String {
    doc.extract_text(&[1])
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn each_pass_holds_only_its_own_elements() {
    let print = sample_pdf_of(Some(Pass::Print), Calibration::default());
    let press = sample_pdf_of(Some(Pass::Press), Calibration::default());
    let print_layers: Vec<Option<String>> = paints(&print).into_iter().map(|p| p.layer).collect();
    assert!(print_layers
        .iter()
        .all(|l| l.as_deref().is_some_and(|l| l.starts_with("Variable data"))));
    assert!(paints(&press).iter().all(|p| p
        .layer
        .as_deref()
        .is_some_and(|l| !l.starts_with("Variable data"))));

    let (print_text, press_text) = (pdf_text(&print), pdf_text(&press));
    assert!(print_text.contains("经营者名称") && print_text.contains("王䶮"));
    assert!(
        !print_text.contains("行业综合许可证"),
        "the title is pre-printed"
    );
    assert!(press_text.contains("行业综合许可证"));
    for absent in ["经营者名称", "王䶮", "2022年9月26日"] {
        assert!(!press_text.contains(absent), "{absent} is variable data");
    }
}

fn render(view: View, pass: Option<Pass>, calibration: Calibration) -> Image {
    let licence = liuzhou().issue(&sample()).unwrap();
    let options = RasterOptions {
        dpi: 100.0,
        pass,
        view,
        calibration,
    };
    Image::from_raster(&licence.raster(&options).unwrap())
}

fn area(left: f64, top: f64, right: f64, bottom: f64) -> Rect {
    Rect::from_ltrb(Mm(left), Mm(top), Mm(right), Mm(bottom)).unwrap()
}

/// Mean luma of a window, 0–255.
fn mean_luma(image: &Image, window: Rect) -> f64 {
    let px = |v: Mm| (v.to_px(image.dpi) as usize).min(image.width - 1);
    let (x0, x1) = (px(window.left()), px(window.right()));
    let (y0, y1) = (px(window.top()), px(window.bottom()));
    let luma = image.luma();
    let mut sum = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            sum += u64::from(luma[y * image.width + x]);
        }
    }
    sum as f64 / ((x1 - x0) * (y1 - y0)) as f64
}

#[test]
fn the_fluorescent_mark_shows_under_uv_only() {
    // The mark: 行业综合许可 at 35, 55 mm, 40 pt (14.1 mm tall), about 85 mm long.
    let mark = area(35.0, 55.0, 120.0, 69.0);
    let proof = render(View::Proof, None, Calibration::default());
    let uv = render(View::Uv, None, Calibration::default());
    assert!(
        proof.ink_box(mark, 200).is_none(),
        "daylight: no ink where the mark is"
    );
    // Under UV the paper is dark and the mark glows: bright pixels inside its box.
    let bright = uv.ink_box(mark, 200).is_some();
    let glowing = {
        let px = |v: f64| Mm(v).to_px(uv.dpi) as usize;
        let luma = uv.luma();
        (px(55.0)..px(69.0)).any(|y| (px(35.0)..px(120.0)).any(|x| luma[y * uv.width + x] > 150))
    };
    assert!(bright, "UV paper is dark");
    assert!(glowing, "the mark glows under UV");
    assert!(
        mean_luma(&uv, area(300.0, 100.0, 380.0, 110.0)) < 100.0,
        "paper dimmed"
    );
}

#[test]
fn plates_separate_each_ink() {
    let layout = lay_out(&sample()).unwrap();
    let plates = liuzhou().issue(&sample()).unwrap().colorants();
    let mut names: Vec<&str> = plates.iter().map(|p| p.name()).collect();
    assert_eq!(names[..4], ["C", "M", "Y", "K"], "process plates first");
    names.sort();
    assert_eq!(
        names,
        ["C", "FluorescentGreen", "HotFoilGold", "K", "M", "Y"]
    );
    let plate = |name: &str| {
        let colorant = plates.iter().find(|p| p.name() == name).unwrap().clone();
        render(View::Plate(colorant), None, Calibration::default())
    };
    let label = placement(&layout, "operator_name", Part::Label).laid_out;
    let title = placement(&layout, "title", Part::Text).laid_out;
    let mark = area(35.0, 55.0, 120.0, 69.0);
    let (k, gold, fluorescent, cyan) = (
        plate("K"),
        plate("HotFoilGold"),
        plate("FluorescentGreen"),
        plate("C"),
    );
    assert!(k.ink_box(label, 128).is_some(), "labels on the K plate");
    assert!(k.ink_box(title, 128).is_none(), "the title is not on K");
    assert!(gold.ink_box(title, 128).is_some(), "the title is hot foil");
    assert!(
        gold.ink_box(label, 128).is_none(),
        "labels are not hot foil"
    );
    assert!(
        fluorescent.ink_box(mark, 128).is_some(),
        "the mark has its plate"
    );
    assert!(fluorescent.ink_box(title, 128).is_none());
    // The border's outer keyline (C15 M70 Y75 K5, 20.0–20.5 mm) is on the C plate at 15 %
    // (luma ≈ 217): the one 100 dpi pixel column wholly inside it; the K text knocks the
    // background out of C.
    let keyline = area(20.07, 150.0, 20.33, 160.0);
    assert!((mean_luma(&cyan, keyline) - 217.0).abs() < 2.0);
    assert!(
        mean_luma(&cyan, label) > 254.0,
        "knocked out under black text"
    );
    // The fluorescent ink overprints: the Y plate under the mark (beige Y18 and the
    // pattern's Y34 lines) is what it is without the mark.
    let yellow = plate("Y");
    let mut unmarked = layout.page.clone();
    unmarked.items.retain(|i| i.element != "fluorescent_mark");
    let fonts = liuzhou().fonts();
    let options = RasterOptions {
        dpi: 100.0,
        view: View::Plate(plates.iter().find(|p| p.name() == "Y").unwrap().clone()),
        ..Default::default()
    };
    let without = Image::from_raster(&raster::render(&unmarked, fonts, &options).unwrap());
    assert!(yellow.ink_box(mark, 250).is_some(), "beige under the mark");
    assert!(
        yellow.rgb == without.rgb,
        "the mark knocks something out of Y"
    );
}

#[test]
fn a_calibration_moves_the_print_pass_on_the_blank() {
    let layout = lay_out(&sample()).unwrap();
    let label = placement(&layout, "operator_name", Part::Label).laid_out;
    let window = Rect::from_ltrb(
        label.left() - Mm(5.0),
        label.top() - Mm(5.0),
        label.right() + Mm(5.0),
        label.bottom() + Mm(5.0),
    )
    .unwrap();
    let plain = render(View::Proof, Some(Pass::Print), Calibration::default());
    let moved = render(
        View::Proof,
        Some(Pass::Print),
        Calibration {
            offset_x: Mm(2.0),
            offset_y: Mm(-1.0),
            scale: 1.0,
        },
    );
    let (a, b) = (
        plain.ink_box(window, 128).unwrap(),
        moved.ink_box(window, 128).unwrap(),
    );
    let px = 25.4 / 100.0;
    assert!(((b.left() - a.left()).0 - 2.0).abs() <= px, "{a:?} → {b:?}");
    assert!(((b.top() - a.top()).0 + 1.0).abs() <= px, "{a:?} → {b:?}");

    // The PDF carries the same transform around everything it draws.
    let doc = sample_pdf_of(
        Some(Pass::Print),
        Calibration {
            offset_x: Mm(2.0),
            offset_y: Mm(-1.0),
            scale: 1.01,
        },
    );
    let content = doc.get_page_content(doc.get_pages()[&1]);
    let content = lopdf::content::Content::decode(&content).unwrap();
    let cm = content
        .operations
        .iter()
        .find(|op| op.operator == "cm")
        .expect("a cm operator");
    let v: Vec<f32> = cm.operands.iter().map(|o| o.as_float().unwrap()).collect();
    let pt = |mm: f32| mm / 25.4 * 72.0;
    let height = pt(297.0);
    assert!((v[0] - 1.01).abs() < 1e-4 && (v[3] - 1.01).abs() < 1e-4);
    assert!((v[4] - pt(2.0)).abs() < 1e-2);
    assert!(
        (v[5] - (height * (1.0 - 1.01) + pt(1.0))).abs() < 1e-2,
        "{v:?}"
    );
}

#[test]
fn absurd_calibrations_are_refused() {
    for calibration in [
        Calibration {
            offset_x: Mm(f64::NAN),
            ..Default::default()
        },
        Calibration {
            offset_y: Mm(-500.0),
            ..Default::default()
        },
        Calibration {
            scale: 2.0,
            ..Default::default()
        },
    ] {
        assert!(calibration.check().is_err(), "{calibration:?}");
        let licence = liuzhou().issue(&sample()).unwrap();
        let options = RasterOptions {
            dpi: 20.0,
            pass: Some(Pass::Print),
            calibration,
            ..Default::default()
        };
        assert!(licence.raster(&options).is_err());
    }
}

/// The command line's rule is the library's: a calibration registers the print pass
/// alone, in the PDF and the raster, through the template or the stage functions.
#[test]
fn a_calibration_of_anything_but_the_print_pass_is_refused_by_the_library() {
    let licence = liuzhou().issue(&sample()).unwrap();
    let calibration = Calibration {
        offset_x: Mm(1.0),
        ..Default::default()
    };
    for pass in [None, Some(Pass::Press)] {
        let pdf_options = pdf::PdfOptions {
            pass,
            calibration,
            ..Default::default()
        };
        let err = licence.pdf(&pdf_options).unwrap_err();
        assert_eq!(err.code(), "options");
        assert!(err.to_string().contains("print pass"), "{err}");
        assert!(pdf::pdf(licence.page(), liuzhou().fonts(), &pdf_options).is_err());
        let raster_options = RasterOptions {
            dpi: 20.0,
            pass,
            calibration,
            ..Default::default()
        };
        assert!(licence.raster(&raster_options).is_err());
        assert!(raster::render(licence.page(), liuzhou().fonts(), &raster_options).is_err());
    }
    let print = pdf::PdfOptions {
        pass: Some(Pass::Print),
        calibration,
        ..Default::default()
    };
    assert!(licence.pdf(&print).is_ok());
}

#[test]
fn marks_set_bleed_trim_and_media_boxes_and_draw_registration_crop_marks() {
    let text = std::fs::read_to_string(SPEC).unwrap().replace(
        "    tolerance: 1.0,\n",
        "    tolerance: 1.0,\n    marks: (bleed: 3.0),\n",
    );
    let spec = LoadedSpec::from_str(&text, SPEC).unwrap();
    let template = Template::prepare(spec, &FontOptions::default()).unwrap();
    let licence = template.issue(&sample()).unwrap();
    let bytes = licence.pdf(&pdf::PdfOptions::default()).unwrap();
    let doc = Document::load_mem(&bytes).unwrap();
    let page = doc.get_dictionary(doc.get_pages()[&1]).unwrap();
    let rect = |key: &[u8]| -> Vec<f32> {
        page.get(key)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_float().unwrap())
            .collect()
    };
    let pt = |mm: f32| mm / 25.4 * 72.0;
    let (trim, bleed, media) = (rect(b"TrimBox"), rect(b"BleedBox"), rect(b"MediaBox"));
    assert!((trim[2] - pt(420.0)).abs() < 0.01 && trim[0] == 0.0);
    assert!((bleed[0] + pt(3.0)).abs() < 0.01 && (bleed[3] - pt(300.0)).abs() < 0.01);
    assert!(
        media[0] < bleed[0] && media[2] > bleed[2],
        "room for the marks"
    );
    let strokes_in_all = {
        let content = doc.get_page_content(doc.get_pages()[&1]);
        let ops = lopdf::content::Content::decode(&content)
            .unwrap()
            .operations;
        let strokes = ops.iter().filter(|op| op.operator == "S").count();
        let all_named = doc.objects.values().any(|o| {
            o.as_array().is_ok_and(|a| {
                a.first().and_then(|n| n.as_name().ok()) == Some(b"Separation")
                    && a[1].as_name().ok() == Some(b"All")
            })
        });
        strokes == 1 && all_named
    };
    assert!(strokes_in_all, "crop marks stroked in the All colorant");
}

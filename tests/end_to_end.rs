//! The sample licence from spec and record to PDF and PNG, read back.

mod common;

use certpress::display::InkKind;
use certpress::spec::Pass;
use certpress::{pdf, raster};
use common::*;

/// The sample's PDF through the template (titled with the spec's name).
fn sample_pdf() -> Vec<u8> {
    let licence = liuzhou().issue(&sample()).unwrap();
    licence.pdf(&pdf::PdfOptions::default()).unwrap()
}

#[test]
fn the_template_and_the_stage_functions_write_the_same_pdf() {
    let template = liuzhou();
    let layout = lay_out(&sample()).unwrap();
    // The template adds the licence's metadata (its XMP) when the spec declares it.
    let metadata = template.issue(&sample()).unwrap().metadata().unwrap();
    assert!(metadata.is_some());
    let options = pdf::PdfOptions {
        title: Some(template.model().name.clone()),
        metadata,
        ..Default::default()
    };
    assert!(pdf::pdf(&layout.page, template.fonts(), &options).unwrap() == sample_pdf());
}

#[test]
fn pdf_is_one_a3_landscape_page() {
    let doc = lopdf::Document::load_mem(&sample_pdf()).unwrap();
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 1);
    let page = doc.get_dictionary(pages[&1]).unwrap();
    let media = page.get(b"MediaBox").unwrap().as_array().unwrap();
    let values: Vec<f32> = media.iter().map(|v| v.as_float().unwrap()).collect();
    assert_eq!(values[..2], [0.0, 0.0]);
    assert!((values[2] - 1190.55).abs() < 0.01, "width {}", values[2]);
    assert!((values[3] - 841.89).abs() < 0.01, "height {}", values[3]);
}

#[test]
fn pdf_text_holds_every_printed_field_through_to_unicode() {
    let doc = lopdf::Document::load_mem(&sample_pdf()).unwrap();
    let text: String = doc
        .extract_text(&[1])
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let record = sample();
    // Fields of the electronic licence and its landing page only: the sheet never prints
    // them.
    let unprinted = [
        "licence_type_code",
        "issuer_code",
        "district",
        "approval_departments",
    ];
    for (key, value) in record
        .values
        .iter()
        .filter(|(k, _)| !unprinted.contains(&k.as_str()))
    {
        let printed = match value {
            certpress::record::RawValue::Text(t) if key == "issue_date" => {
                assert_eq!(t, "2022-09-26");
                "2022年9月26日".to_string()
            }
            certpress::record::RawValue::Text(t) => t.clone(),
            certpress::record::RawValue::List(items) => items.join("；"),
            other => panic!("the sample holds {other:?}"),
        };
        let printed: String = printed.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            text.contains(&printed),
            "field {key}: {printed:?} not in the PDF text"
        );
    }
    // The rare character of the legal representative's name prints (CJK Ext. A, U+4DAE).
    assert!(text.contains("王䶮"));
    for label in [
        "经营者名称",
        "法定代表人（负责人）",
        "统一社会信用代码",
        "发证机关",
        "制证日期",
    ] {
        assert!(text.contains(label), "label {label} missing");
    }
}

#[test]
fn pdf_embeds_every_font_as_a_subset_cid_font() {
    let doc = lopdf::Document::load_mem(&sample_pdf()).unwrap();
    let mut faces = Vec::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if dict.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Type0") {
            let name = dict.get(b"BaseFont").unwrap().as_name().unwrap();
            assert_eq!(
                name.get(6),
                Some(&b'+'),
                "subset tag in {}",
                String::from_utf8_lossy(name)
            );
            faces.push(String::from_utf8_lossy(&name[7..]).into_owned());
            assert!(dict.get(b"ToUnicode").is_ok());
            let descendant = dict.get(b"DescendantFonts").unwrap().as_array().unwrap()[0]
                .as_reference()
                .unwrap();
            let cid = doc.get_dictionary(descendant).unwrap();
            let descriptor = doc
                .get_dictionary(cid.get(b"FontDescriptor").unwrap().as_reference().unwrap())
                .unwrap();
            assert!(descriptor.get(b"FontFile3").is_ok() || descriptor.get(b"FontFile2").is_ok());
        }
    }
    faces.sort();
    // Title, label and content faces; the content face twice, because the sample's 王䶮
    // is outside GB 2312 and comes from the full face behind the GB 2312 one.
    assert_eq!(
        faces,
        [
            "NotoSansCJKsc-Medium",
            "NotoSerifCJKsc-Black",
            "NotoSerifCJKsc-Regular",
            "NotoSerifCJKsc-Regular"
        ],
    );
}

#[test]
fn pdf_paints_black_as_k_only_and_gold_as_a_separation() {
    let bytes = sample_pdf();
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let content = doc.get_page_content(doc.get_pages()[&1]);
    let content = lopdf::content::Content::decode(&content).unwrap();
    let fills: Vec<Vec<f32>> = content
        .operations
        .iter()
        .filter(|op| op.operator == "k")
        .map(|op| op.operands.iter().map(|o| o.as_float().unwrap()).collect())
        .collect();
    assert!(
        fills.contains(&vec![0.0, 0.0, 0.0, 1.0]),
        "pure K fill present"
    );
    assert!(
        content
            .operations
            .iter()
            .all(|op| !["rg", "RG", "g", "G", "sc"].contains(&op.operator.as_str())),
        "no RGB or grey colour operators"
    );
    let separations: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_array().ok())
        .filter(|a| a.first().and_then(|n| n.as_name().ok()) == Some(b"Separation"))
        .map(|a| String::from_utf8_lossy(a[1].as_name().unwrap()).into_owned())
        .collect();
    assert!(
        separations.contains(&"HotFoilGold".to_string()),
        "{separations:?}"
    );
    assert!(
        separations.contains(&"FluorescentGreen".to_string()),
        "{separations:?}"
    );
}

#[test]
fn text_items_of_the_print_pass_are_all_in_pure_black() {
    let layout = lay_out(&sample()).unwrap();
    for item in layout.page.items.iter().filter(|i| i.pass == Pass::Print) {
        let ink = &layout.page.inks[item.ink.0];
        assert_eq!(
            ink.kind,
            InkKind::Process(certpress::spec::Cmyk {
                c: 0.0,
                m: 0.0,
                y: 0.0,
                k: 100.0
            }),
            "{}",
            item.element
        );
    }
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    assert_eq!(sample_pdf(), sample_pdf());
    let fonts = liuzhou().fonts();
    let layout = lay_out(&sample()).unwrap();
    let options = raster::RasterOptions {
        dpi: 100.0,
        ..Default::default()
    };
    let a = raster::render(&layout.page, fonts, &options)
        .unwrap()
        .encode_png()
        .unwrap();
    let b = raster::render(&layout.page, fonts, &options)
        .unwrap()
        .encode_png()
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn the_raster_and_its_png_do_not_depend_on_the_number_of_cores() {
    let fonts = liuzhou().fonts();
    let layout = lay_out(&sample()).unwrap();
    let options = raster::RasterOptions {
        dpi: 150.0,
        ..Default::default()
    };
    let png_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            raster::render(&layout.page, fonts, &options)
                .unwrap()
                .encode_png()
                .unwrap()
        })
    };
    let one = png_with(1);
    assert!(
        one == png_with(3),
        "one core and three gave different bytes"
    );
}

/// The page's content streams, decompressed, in order.
fn content_streams(doc: &lopdf::Document) -> Vec<Vec<u8>> {
    let page = doc.get_dictionary(doc.get_pages()[&1]).unwrap();
    let refs = match page.get(b"Contents").unwrap() {
        lopdf::Object::Array(items) => items.iter().map(|i| i.as_reference().unwrap()).collect(),
        other => vec![other.as_reference().unwrap()],
    };
    refs.into_iter()
        .map(|r| {
            let stream = doc.get_object(r).unwrap().as_stream().unwrap();
            stream.decompressed_content().unwrap()
        })
        .collect()
}

#[test]
fn the_press_artwork_is_one_stream_every_licence_shares() {
    let pdf_of = |record| {
        let fonts = liuzhou().fonts();
        let layout = lay_out(&record).unwrap();
        pdf::pdf(&layout.page, fonts, &Default::default()).unwrap()
    };
    let a = lopdf::Document::load_mem(&pdf_of(sample())).unwrap();
    let other = sample_with("operator_name", serde_json::json!("柳州市城中区示例便利店"));
    let b = lopdf::Document::load_mem(&pdf_of(other)).unwrap();
    let (a, b) = (content_streams(&a), content_streams(&b));
    assert_eq!(a.len(), 2, "press artwork, then the licence's own content");
    assert_eq!(b.len(), 2);
    assert!(a[0] == b[0], "the press streams differ");
    assert!(a[1] != b[1], "the records' content is the same");
    // The press stream holds the artwork (the guilloche forms), the second the variable
    // data (the QR modules).
    let count = |stream: &[u8], op: &[u8]| stream.windows(op.len()).filter(|w| *w == op).count();
    assert!(count(&a[0], b" Do") > 100 && count(&a[1], b" Do") == 0);
    // Rectangles: a few clips in the press stream, thousands of modules in the other.
    assert!(count(&a[0], b" re\n") < 20 && count(&a[1], b" re\n") > 1000);
}

/// Decodes a PNG into 8-bit luma with its size.
fn decode_luma(png_bytes: &[u8]) -> (Vec<u8>, usize, usize, Option<png::PixelDimensions>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let dims = reader.info().pixel_dims;
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let luma = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect();
    (luma, info.width as usize, info.height as usize, dims)
}

#[test]
fn png_is_a3_at_300_dpi_and_its_qr_code_decodes_to_the_payload() {
    let fonts = liuzhou().fonts();
    let layout = lay_out(&sample()).unwrap();
    let png_bytes = raster::render(&layout.page, fonts, &raster::RasterOptions::default())
        .unwrap()
        .encode_png()
        .unwrap();
    let (luma, width, height, dims) = decode_luma(&png_bytes);
    assert_eq!((width, height), (4961, 3508));
    let dims = dims.expect("pHYs chunk");
    assert_eq!(
        (dims.xppu, dims.yppu, dims.unit),
        (11811, 11811, png::Unit::Meter)
    );

    // Crop the QR box with a 6 mm margin (quiet zone over plain background) and decode.
    let mm = |v: f64| (v * 300.0 / 25.4).round() as usize;
    let (x0, y0, side) = (mm(89.0 - 6.0), mm(220.0 - 6.0), mm(31.0 + 12.0));
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
        luma[(y0 + y) * width + x0 + x]
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR symbol");
    let (_, content) = grids[0].decode().unwrap();

    let licence = liuzhou().issue(&sample()).unwrap();
    let expected = &licence.qr_payloads()[0];
    assert_eq!(expected.0, "qr_code");
    let expected = &expected.1;
    assert_eq!(&content, expected);
    assert!(content.starts_with("经营者名称：柳州市鱼峰区桂香螺蛳粉店\n"));
    assert!(content.contains("许可证编号：柳鱼一业一证〔2022〕0001号"));
    assert!(content.ends_with("制证日期：2022年9月26日"));
}

#[test]
fn qr_url_replaces_the_listing_when_the_record_has_one() {
    let record = sample_with(
        "qr_url",
        serde_json::json!("https://zwfw.liuzhou.gov.cn/yyyz/4502032022YY0001"),
    );
    let licence = liuzhou().issue(&record).unwrap();
    assert_eq!(
        licence.qr_payloads(),
        [(
            "qr_code".to_owned(),
            "https://zwfw.liuzhou.gov.cn/yyyz/4502032022YY0001".to_owned()
        )]
    );
}

#[test]
fn the_emblem_is_vector_paths_in_hot_foil_inside_its_box() {
    use certpress::display::{Segment, Shape};
    let layout = lay_out(&sample()).unwrap();
    let emblem: Vec<_> = layout
        .page
        .items
        .iter()
        .filter(|i| i.element == "emblem")
        .collect();
    assert!(emblem.len() > 3, "the placeholder has several outlines");
    let (mut left, mut top, mut right, mut bottom) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for item in &emblem {
        let ink = &layout.page.inks[item.ink.0];
        assert!(
            matches!(&ink.kind, InkKind::Spot { name, .. } if name == "HotFoilGold"),
            "{:?}",
            ink.kind
        );
        let Shape::Path(path) = &item.shape else {
            panic!("emblem item is not a path: {:?}", item.shape)
        };
        for segment in &path.segments {
            let points = match *segment {
                Segment::MoveTo(p) | Segment::LineTo(p) => vec![p],
                Segment::CubicTo(a, b, c) => vec![a, b, c],
                Segment::Close => vec![],
            };
            for p in points {
                left = left.min(p.x.0);
                top = top.min(p.y.0);
                right = right.max(p.x.0);
                bottom = bottom.max(p.y.0);
            }
        }
    }
    // The spec's box is 185,10 – 236,65 mm; the artwork fills its width or height.
    let eps = 0.01;
    assert!(
        left >= 185.0 - eps && right <= 236.0 + eps,
        "{left}–{right}"
    );
    assert!(top >= 10.0 - eps && bottom <= 65.0 + eps, "{top}–{bottom}");
    assert!(
        (right - left) > 50.0 || (bottom - top) > 54.0,
        "scaled to fit: {left},{top} – {right},{bottom}"
    );
}

/// The version per record (版本号): in the identifier with its check character, in the
/// OFD's and the PDF's metadata and on the landing page, while the QR code's URL stays
/// the same from version to version.
#[test]
fn a_reissued_licence_carries_its_version_and_keeps_its_qr_code() {
    let issue = |version: Option<&str>| {
        let mut json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string("specs/liuzhou/electronic-copy.json").unwrap(),
        )
        .unwrap();
        json["qr_url"] = "https://zwfw.liuzhou.gov.cn/yyyz/20220001".into();
        if let Some(version) = version {
            json["licence_version"] = version.into();
        }
        let mut record = certpress::Record::from_json(&json.to_string(), "reissue").unwrap();
        record.folder = Some("specs/liuzhou".into());
        record
    };
    let template = common::liuzhou();
    let first = template.issue(&issue(None)).unwrap();
    let second = template.issue(&issue(Some("2"))).unwrap();
    let (m1, m2) = (
        first.metadata().unwrap().unwrap(),
        second.metadata().unwrap().unwrap(),
    );
    assert_eq!((m1.version, m2.version), (1, 2));
    assert!(
        m1.identifier.contains(".20220001.001."),
        "{}",
        m1.identifier
    );
    assert!(
        m2.identifier.contains(".20220001.002."),
        "{}",
        m2.identifier
    );
    assert!(certpress::identifier::verify(&m2.identifier));
    assert_ne!(m1.identifier, m2.identifier);
    assert_eq!(m2.get("version"), Some("2"));
    // The OFD's metadata and the landing page say which version.
    let ofd = second.ofd(&Default::default()).unwrap();
    let ofd_xml = {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(ofd)).unwrap();
        let mut text = String::new();
        archive
            .by_name("OFD.xml")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    assert!(
        ofd_xml.contains("<ofd:CustomData Name=\"版本号\">2</ofd:CustomData>"),
        "{ofd_xml}"
    );
    let page = second.landing_page().unwrap();
    assert!(
        page.contains("第 2 版 · 2022-09-26"),
        "the page says its version"
    );
    // The PDF's XMP.
    let pdf = second.pdf(&Default::default()).unwrap();
    assert!(pdf
        .windows(b"<certpress:version>2</certpress:version>".len())
        .any(|w| w == b"<certpress:version>2</certpress:version>"));
    // The QR code (a URL, the 活码) is the same for both versions.
    let qr = |licence: &certpress::Licence<'_>| {
        licence
            .page()
            .items
            .iter()
            .find_map(|item| match &item.shape {
                certpress::display::Shape::Qr(symbol) => Some(format!("{:?}", symbol)),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(qr(&first), qr(&second));
    // A version that is no whole number is refused by its field.
    let bad = template.issue(&issue(Some("二"))).unwrap();
    let err = bad.metadata().unwrap_err();
    assert_eq!(err.field(), Some("licence_version"), "{err}");
}

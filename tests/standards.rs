//! PDF/X-4 and PDF/A-3b, checked rule by rule with lopdf (a PDF reader we did not write),
//! their attachments extracted with poppler's `pdfdetach` and both rendered by Ghostscript
//! where those tools are installed.

mod common;

use std::path::Path;
use std::process::Command;

use certpress::pdf::{Attachment, PdfStandard, Relationship};
use certpress::{PdfOptions, Record};
use common::liuzhou;
use lopdf::{Document, Object};

const ELECTRONIC: &str = "specs/liuzhou/electronic-copy.json";

fn pdf(standard: PdfStandard) -> Vec<u8> {
    let record = Record::load(ELECTRONIC).unwrap();
    liuzhou()
        .issue(&record)
        .unwrap()
        .pdf(&PdfOptions {
            standard,
            ..Default::default()
        })
        .unwrap()
}

fn deref<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    match object {
        Object::Reference(id) => doc.get_object(*id).unwrap(),
        other => other,
    }
}

fn dict<'a>(doc: &'a Document, object: &'a Object) -> &'a lopdf::Dictionary {
    match deref(doc, object) {
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        other => panic!("not a dictionary: {other:?}"),
    }
}

fn name(object: &Object) -> String {
    String::from_utf8(object.as_name().unwrap().to_vec()).unwrap()
}

fn text(object: &Object) -> String {
    let bytes = object.as_str().unwrap();
    // PDF text strings: UTF-16BE with a BOM, or PDFDocEncoding (ASCII here).
    if bytes.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    } else {
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}

fn catalog(doc: &Document) -> &lopdf::Dictionary {
    doc.catalog().unwrap()
}

fn info(doc: &Document) -> &lopdf::Dictionary {
    dict(doc, doc.trailer.get(b"Info").unwrap())
}

fn xmp(doc: &Document) -> String {
    let stream = deref(doc, catalog(doc).get(b"Metadata").unwrap())
        .as_stream()
        .unwrap();
    assert!(
        stream.dict.get(b"Filter").is_err(),
        "the XMP is not compressed"
    );
    assert_eq!(name(stream.dict.get(b"Subtype").unwrap()), "XML");
    let xml = String::from_utf8(stream.content.clone()).unwrap();
    roxmltree::Document::parse(&xml).expect("the XMP is well-formed XML");
    xml
}

/// The output intent: its subtype, a registered condition and a CMYK output profile.
fn check_output_intent(doc: &Document, subtype: &str) {
    let intents = catalog(doc)
        .get(b"OutputIntents")
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(intents.len(), 1);
    let intent = dict(doc, &intents[0]);
    assert_eq!(name(intent.get(b"S").unwrap()), subtype);
    assert_eq!(
        text(intent.get(b"OutputConditionIdentifier").unwrap()),
        "FOGRA39"
    );
    let profile = deref(doc, intent.get(b"DestOutputProfile").unwrap())
        .as_stream()
        .unwrap();
    assert_eq!(profile.dict.get(b"N").unwrap().as_i64().unwrap(), 4);
    let bytes = profile.decompressed_content().unwrap();
    // ICC header: size, device class 'prtr' (output), colour space 'CMYK', PCS 'Lab ',
    // signature 'acsp'.
    assert_eq!(
        u32::from_be_bytes(bytes[0..4].try_into().unwrap()) as usize,
        bytes.len()
    );
    assert_eq!(&bytes[12..16], b"prtr");
    assert_eq!(&bytes[16..20], b"CMYK");
    assert_eq!(&bytes[36..40], b"acsp");
}

/// PDF date (`D:20220926000000+08'00'`) as the XMP writes it.
fn xmp_date(pdf_date: &str) -> String {
    let d = pdf_date.trim_start_matches("D:");
    format!(
        "{}-{}-{}T{}:{}:{}{}:{}",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[8..10],
        &d[10..12],
        &d[12..14],
        &d[14..17],
        &d[18..20]
    )
}

fn fonts_embedded(doc: &Document) -> usize {
    let mut descriptors = 0;
    for object in doc.objects.values() {
        if let Ok(d) = object.as_dict() {
            if d.get(b"Type").ok().map(name).as_deref() == Some("FontDescriptor") {
                assert!(
                    [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"]
                        .iter()
                        .any(|k| d.get(k).is_ok()),
                    "a font without its program: {d:?}"
                );
                descriptors += 1;
            }
        }
    }
    descriptors
}

#[test]
fn pdf_x4_meets_the_standard_rule_by_rule() {
    let bytes = pdf(PdfStandard::X4);
    assert!(bytes.starts_with(b"%PDF-1.6"), "PDF/X-4 is PDF 1.6");
    let doc = Document::load_mem(&bytes).unwrap();
    check_output_intent(&doc, "GTS_PDFX");
    let info = info(&doc);
    assert_eq!(name(info.get(b"Trapped").unwrap()), "False");
    assert_eq!(text(info.get(b"Title").unwrap()), "柳州行业综合许可证");
    let created = text(info.get(b"CreationDate").unwrap());
    assert_eq!(created, text(info.get(b"ModDate").unwrap()));
    let xmp = xmp(&doc);
    assert!(xmp.contains("<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>"));
    assert!(xmp.contains("<pdf:Trapped>False</pdf:Trapped>"));
    assert!(xmp.contains(&format!(
        "<xmp:CreateDate>{}</xmp:CreateDate>",
        xmp_date(&created)
    )));
    // The licence's metadata rides along.
    assert!(xmp
        .contains("<certpress:licenceNumber>柳鱼一业一证〔2022〕0001号</certpress:licenceNumber>"));

    // Page boxes: trim inside bleed inside media.
    let page = doc
        .get_object(*doc.get_pages().values().next().unwrap())
        .unwrap()
        .as_dict()
        .unwrap();
    let rect = |key: &[u8]| -> Vec<f32> {
        page.get(key)
            .unwrap_or_else(|_| panic!("no {}", String::from_utf8_lossy(key)))
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_float().unwrap())
            .collect()
    };
    let (media, bleed, trim) = (rect(b"MediaBox"), rect(b"BleedBox"), rect(b"TrimBox"));
    for (outer, inner) in [(&media, &bleed), (&bleed, &trim)] {
        assert!(
            outer[0] <= inner[0]
                && outer[1] <= inner[1]
                && outer[2] >= inner[2]
                && outer[3] >= inner[3]
        );
    }
    assert!(fonts_embedded(&doc) >= 3);
    // Spot inks stay Separations, layers stay optional content, no RGB, no attachments.
    assert!(bytes
        .windows(b"/HotFoilGold".len())
        .any(|w| w == b"/HotFoilGold"));
    assert!(catalog(&doc).get(b"OCProperties").is_ok());
    assert!(!bytes.windows(10).any(|w| w == b"/DeviceRGB"));
    assert!(catalog(&doc).get(b"Names").is_err() && catalog(&doc).get(b"AF").is_err());
}

#[test]
fn pdf_a3b_meets_the_standard_rule_by_rule_and_carries_the_record() {
    let bytes = pdf(PdfStandard::A3b);
    let doc = Document::load_mem(&bytes).unwrap();
    check_output_intent(&doc, "GTS_PDFA1");
    let xmp = xmp(&doc);
    assert!(xmp.contains("<pdfaid:part>3</pdfaid:part>"));
    assert!(xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    // Info and XMP say the same (ISO 19005-3 §6.6.3).
    let info = info(&doc);
    assert!(xmp.contains(&format!(
        "<rdf:li xml:lang=\"x-default\">{}</rdf:li>",
        text(info.get(b"Title").unwrap())
    )));
    assert!(xmp.contains(&format!(
        "<pdf:Producer>{}</pdf:Producer>",
        text(info.get(b"Producer").unwrap())
    )));
    assert!(xmp.contains(&format!(
        "<dc:creator><rdf:Seq><rdf:li>{}</rdf:li>",
        text(info.get(b"Author").unwrap())
    )));
    let created = text(info.get(b"CreationDate").unwrap());
    assert!(xmp.contains(&format!(
        "<xmp:CreateDate>{}</xmp:CreateDate>",
        xmp_date(&created)
    )));
    assert!(xmp.contains(&format!(
        "<xmp:ModifyDate>{}</xmp:ModifyDate>",
        xmp_date(&text(info.get(b"ModDate").unwrap()))
    )));
    // Every certpress property is described by the extension schema.
    let properties: Vec<&str> = xmp
        .match_indices("<certpress:")
        .map(|(i, _)| {
            let rest = &xmp[i + "<certpress:".len()..];
            &rest[..rest.find('>').unwrap()]
        })
        .collect();
    assert!(properties.len() >= 10);
    for p in properties {
        assert!(
            xmp.contains(&format!("<pdfaProperty:name>{p}</pdfaProperty:name>")),
            "{p} undescribed"
        );
    }
    assert!(fonts_embedded(&doc) >= 3);

    // The record, attached as the licence's data: in the name tree and in AF.
    let af = catalog(&doc).get(b"AF").unwrap().as_array().unwrap();
    assert_eq!(af.len(), 1);
    let spec = dict(&doc, &af[0]);
    assert_eq!(name(spec.get(b"AFRelationship").unwrap()), "Data");
    assert_eq!(text(spec.get(b"UF").unwrap()), "record.json");
    let file = deref(
        &doc,
        dict(&doc, spec.get(b"EF").unwrap()).get(b"F").unwrap(),
    )
    .as_stream()
    .unwrap();
    assert_eq!(name(file.dict.get(b"Subtype").unwrap()), "application/json");
    let params = dict(&doc, file.dict.get(b"Params").unwrap());
    assert!(params.get(b"ModDate").is_ok());
    let record: serde_json::Value =
        serde_json::from_slice(&file.decompressed_content().unwrap()).unwrap();
    assert_eq!(record["operator_name"], "柳州市鱼峰区桂香螺蛳粉店");
    assert_eq!(record["issue_date"], "2022-09-26");
    assert_eq!(record["permits"].as_array().unwrap().len(), 3);
    let names = dict(
        &doc,
        dict(&doc, catalog(&doc).get(b"Names").unwrap())
            .get(b"EmbeddedFiles")
            .unwrap(),
    );
    assert!(names.get(b"Names").is_ok());

    // The same licence, the same bytes.
    assert_eq!(bytes, pdf(PdfStandard::A3b));
}

#[test]
fn what_a_standard_forbids_is_refused_and_a_missing_date_is_named() {
    let record = Record::load(ELECTRONIC).unwrap();
    let licence = liuzhou().issue(&record).unwrap();
    let err = licence
        .pdf(&PdfOptions {
            standard: PdfStandard::X4,
            attachments: vec![Attachment {
                name: "licence.ofd".into(),
                mime: "application/ofd".into(),
                description: "OFD".into(),
                relationship: Relationship::Alternative,
                data: vec![1, 2, 3],
            }],
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("PDF/X-4 cannot carry attached files"),
        "{err}"
    );

    // A spec without electronic metadata: PDF/A needs a date, given or refused.
    let qingdao = certpress::Template::load("specs/qingdao/licence.ron").unwrap();
    let record = Record::load("specs/qingdao/sample.json").unwrap();
    let licence = qingdao.issue(&record).unwrap();
    let options = PdfOptions {
        standard: PdfStandard::A3b,
        ..Default::default()
    };
    let err = licence.pdf(&options).unwrap_err();
    assert!(err.to_string().contains("--date"), "{err}");
    let dated = licence
        .pdf(&PdfOptions {
            date: Some("2024-03-01".into()),
            ..options.clone()
        })
        .unwrap();
    let doc = Document::load_mem(&dated).unwrap();
    assert!(text(info(&doc).get(b"CreationDate").unwrap()).starts_with("D:20240301"));
    let err = licence
        .pdf(&PdfOptions {
            date: Some("1.3.2024".into()),
            ..options
        })
        .unwrap_err();
    assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
        || Command::new(name).arg("--version").output().is_ok()
}

/// The CLI's A-3b with the OFD of the same run attached; poppler's pdfdetach takes both
/// files out again, the OFD byte for byte.
#[test]
fn pdfdetach_extracts_the_record_and_the_ofd() {
    if !tool("pdfdetach") {
        eprintln!(
            "SKIPPED: pdfdetach (poppler-utils) is not installed; lopdf checked the attachments"
        );
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-a3b-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pdf, ofd) = (dir.join("licence.pdf"), dir.join("licence.ofd"));
    let status = Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args([
            "render",
            "specs/liuzhou/licence.ron",
            "--data",
            ELECTRONIC,
            "--pdf-standard",
            "a-3b",
        ])
        .arg("--pdf")
        .arg(&pdf)
        .arg("--ofd")
        .arg(&ofd)
        .status()
        .unwrap();
    assert!(status.success());
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let detach = Command::new("pdfdetach")
        .arg("-saveall")
        .arg("-o")
        .arg(&out)
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        detach.status.success(),
        "{}",
        String::from_utf8_lossy(&detach.stderr)
    );
    assert_eq!(
        std::fs::read(out.join("licence.ofd")).unwrap(),
        std::fs::read(&ofd).unwrap()
    );
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("record.json")).unwrap()).unwrap();
    assert_eq!(record["credit_code"], "92450203MA5N8K2D76");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Ghostscript renders both standards' files without a complaint.
#[test]
fn ghostscript_renders_both_standards_cleanly() {
    if !tool("gs") {
        eprintln!("SKIPPED: Ghostscript is not installed; hayro and lopdf read the files");
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-gs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (standard, file) in [(PdfStandard::X4, "x4.pdf"), (PdfStandard::A3b, "a3b.pdf")] {
        let path = dir.join(file);
        std::fs::write(&path, pdf(standard)).unwrap();
        let png = dir.join(format!("{file}.png"));
        let out = Command::new("gs")
            .args([
                "-q",
                "-dNOPAUSE",
                "-dBATCH",
                "-dSAFER",
                "-sDEVICE=png16m",
                "-r30",
            ])
            .arg(format!("-sOutputFile={}", png.display()))
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{file}: {stderr}");
        // Quiet mode prints only warnings and errors: a clean file prints nothing.
        assert!(
            stderr.trim().is_empty() && stdout.trim().is_empty(),
            "{file}: Ghostscript complained:\n{stdout}\n{stderr}"
        );
        assert!(Path::new(&png).exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Liuzhou spec with `from` replaced by `to`, prepared.
fn liuzhou_with(from: &str, to: &str) -> certpress::Template {
    let text = std::fs::read_to_string("specs/liuzhou/licence.ron").unwrap();
    assert!(text.contains(from), "{from}");
    let spec =
        certpress::spec::LoadedSpec::from_str(&text.replace(from, to), "specs/liuzhou/licence.ron")
            .unwrap();
    certpress::Template::prepare(spec, &Default::default()).unwrap()
}

/// GB/T 36905's rules on the metadata when the electronic licence is issued.
#[test]
fn the_metadata_keeps_gb_t_36905s_rules() {
    let record = certpress::Record::load("specs/liuzhou/electronic-copy.json").unwrap();
    // No end of validity in the notice: the licence says 长期, and holds no empty item.
    let metadata = common::liuzhou()
        .issue(&record)
        .unwrap()
        .metadata()
        .unwrap()
        .unwrap();
    assert_eq!(metadata.get("validUntil"), Some("长期"));
    assert!(metadata.entries.iter().all(|e| !e.value.is_empty()));
    assert_eq!(
        metadata.get("validFrom"),
        None,
        "an optional item absent, not empty"
    );

    // A holder code that its type (统一社会信用代码) does not allow.
    let template = liuzhou_with(
        "holder_code: Field(\"credit_code\")",
        "holder_code: Field(\"licence_type_code\")",
    );
    let err = template.issue(&record).unwrap().metadata().unwrap_err();
    assert_eq!(err.field(), Some("licence_type_code"), "{err}");
    assert!(err.to_string().contains("统一社会信用代码"), "{err}");

    // An end of validity the spec takes from the record, which lacks it: refused, never
    // 长期 by omission.
    let template = liuzhou_with(
        "serial: DigitsOf(\"licence_number\"),",
        "serial: DigitsOf(\"licence_number\"),\n        valid_until: Field(\"qr_url\"),",
    );
    let err = template.issue(&record).unwrap().metadata().unwrap_err();
    assert_eq!(err.field(), Some("qr_url"), "{err}");
    // ... and given, it must be a date or 长期.
    let template = liuzhou_with(
        "serial: DigitsOf(\"licence_number\"),",
        "serial: DigitsOf(\"licence_number\"),\n        valid_until: Field(\"district\"),",
    );
    let err = template.issue(&record).unwrap().metadata().unwrap_err();
    assert!(err.to_string().contains("not a date or 长期"), "{err}");
}

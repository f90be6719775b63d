//! Bad specs and records: clear errors that name the place, never a panic or an output.

mod common;

use std::process::Command;

use certpress::record::{self, Record};
use certpress::spec::LoadedSpec;
use certpress::Error;
use common::*;

fn spec_text() -> String {
    std::fs::read_to_string(SPEC).unwrap()
}

#[test]
fn an_unknown_spec_key_is_refused_with_its_line() {
    let text = spec_text().replace("tolerance: 1.0,", "tolerance: 1.0,\n    tolerence: 2.0,");
    let err = LoadedSpec::from_str(&text, SPEC).unwrap_err();
    let Error::SpecSyntax { at, message } = &err else {
        panic!("{err}")
    };
    let line = text.lines().position(|l| l.contains("tolerence")).unwrap() + 1;
    assert_eq!(at.line, Some(line as u32));
    assert!(message.contains("tolerence"), "{message}");
    assert!(
        err.to_string().starts_with(&format!("{SPEC}:{line}:")),
        "{err}"
    );
}

#[test]
fn an_unknown_ink_is_refused_naming_the_element_and_its_line() {
    let text = spec_text().replace(
        "align: Distribute(To(297.0)),\n            ink: \"foil_gold\",",
        "align: Distribute(To(297.0)),\n            ink: \"gold_foil\",",
    );
    assert_ne!(text, spec_text());
    let err = LoadedSpec::from_str(&text, SPEC).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("unknown ink `gold_foil`") && message.contains("element `title`"),
        "{message}"
    );
    let line = text
        .lines()
        .position(|l| l.contains("id: \"title\""))
        .unwrap()
        + 1;
    assert!(message.starts_with(&format!("{SPEC}:{line}:")), "{message}");
}

#[test]
fn a_content_bound_to_an_undeclared_key_is_refused() {
    let text = spec_text().replace(
        "content: (key: \"issue_date\"",
        "content: (key: \"issued_on\"",
    );
    let err = LoadedSpec::from_str(&text, SPEC).unwrap_err();
    assert!(
        err.to_string()
            .contains("record key `issued_on` is not declared"),
        "{err}"
    );
}

fn bind(record: &Record) -> Result<certpress::record::BoundRecord, Error> {
    record::bind(liuzhou().model(), record)
}

#[test]
fn a_wrong_check_character_is_refused_with_the_expected_one() {
    let err = bind(&sample_with(
        "credit_code",
        serde_json::json!("92450203MA5N8K2D77"),
    ))
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("field `credit_code`"), "{message}");
    assert!(
        message.contains("check character is '7' but the first 17 characters give '6'"),
        "{message}"
    );
}

#[test]
fn impossible_dates_unknown_keys_and_missing_fields_are_refused() {
    let err = bind(&sample_with("issue_date", serde_json::json!("2022-02-30"))).unwrap_err();
    assert!(err.to_string().contains("has no day 30"), "{err}");

    let err = bind(&sample_with("operator_nmae", serde_json::json!("x"))).unwrap_err();
    assert!(
        err.to_string()
            .contains("field `operator_nmae`: unknown key"),
        "{err}"
    );

    let err = bind(&sample_with("operator_name", serde_json::json!("  "))).unwrap_err();
    assert!(err.to_string().contains("经营者名称 is required"), "{err}");
}

#[test]
fn control_and_bidi_override_characters_are_refused() {
    for bad in ["柳州\u{202E}店", "柳州\n店", "柳州\u{0}店"] {
        let err = bind(&sample_with("operator_name", serde_json::json!(bad))).unwrap_err();
        assert!(err.to_string().contains("U+"), "{err}");
    }
}

#[test]
fn a_failed_render_writes_no_file_and_exits_non_zero() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("bad.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    json["credit_code"] = serde_json::json!("92450203MA5N8K2D7Z");
    std::fs::write(&record, json.to_string()).unwrap();
    let pdf = dir.join("out.pdf");
    let png = dir.join("out.png");
    let output = Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(["render", SPEC, "--data"])
        .arg(&record)
        .arg("--pdf")
        .arg(&pdf)
        .arg("--png")
        .arg(&png)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("credit_code") && stderr.contains("'Z'"),
        "{stderr}"
    );
    assert!(!pdf.exists() && !png.exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "only the record is left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_asset_outside_the_spec_folder_is_refused() {
    for file in ["../../Cargo.toml", "/etc/hostname"] {
        let text = spec_text().replace(
            "file: \"emblem-placeholder.svg\"",
            &format!("file: {file:?}"),
        );
        let err = LoadedSpec::from_str(&text, SPEC).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("element `emblem`"), "{message}");
        assert!(
            message.contains("outside the spec's folder") || message.contains("absolute path"),
            "{message}"
        );
    }
}

#[test]
fn an_svg_linking_an_external_image_is_refused() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-svg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("art.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><rect width="5" height="5"/><image xlink:href="https://example.com/x.png" width="10" height="10"/></svg>"#,
    )
    .unwrap();
    let text = spec_text().replace("file: \"emblem-placeholder.svg\"", "file: \"art.svg\"");
    // Fonts resolve through the crate's fonts/ folder, so the spec may live anywhere.
    let result = LoadedSpec::from_str(&text, dir.join("licence.ron"));
    std::fs::remove_dir_all(&dir).unwrap();
    // usvg would drop an image it cannot resolve and draw the rest: artwork missing a part.
    // The reference is refused before usvg reads the file, naming element, file and line.
    let err = result
        .expect_err("an SVG linking a URL is refused")
        .to_string();
    assert!(
        err.contains("emblem") && err.contains("art.svg") && err.contains("outside the SVG"),
        "{err}"
    );
}

/// Records as Java and Python issuing systems write them.
mod serialised_records {
    use super::*;

    fn refusal(record: &Record) -> (Option<String>, String) {
        let err = bind(record).unwrap_err();
        assert_eq!(err.code(), "record", "{err}");
        (err.field().map(str::to_owned), err.to_string())
    }

    #[test]
    fn a_null_optional_field_is_absent_and_a_null_required_field_is_missing() {
        let with_null = sample_with("qr_url", serde_json::Value::Null);
        let bound = bind(&with_null).unwrap();
        assert!(bound.get("qr_url").is_none());
        // The QR code then lists the licence, as without the key.
        let layout = lay_out(&with_null).unwrap();
        let plain = lay_out(&sample()).unwrap();
        let qr = |l: &certpress::layout::Layout| {
            l.page.items.iter().find_map(|i| match &i.shape {
                certpress::display::Shape::Qr(q) => Some(q.dark.clone()),
                _ => None,
            })
        };
        assert_eq!(qr(&layout), qr(&plain));

        let (field, message) = refusal(&sample_with("operator_name", serde_json::Value::Null));
        assert_eq!(field.as_deref(), Some("operator_name"));
        assert!(message.contains("missing"), "{message}");
    }

    #[test]
    fn a_wrong_json_type_names_the_field_the_type_expected_and_the_type_found() {
        for (key, value, says) in [
            (
                "operator_name",
                serde_json::json!(5),
                "expected a string, found a number",
            ),
            (
                "issue_date",
                serde_json::json!(true),
                "expected a string, found a boolean",
            ),
            (
                "credit_code",
                serde_json::json!({"v": 1}),
                "expected a string, found an object",
            ),
            (
                "operator_name",
                serde_json::json!(["a"]),
                "expected a string, found a list",
            ),
            (
                "permits",
                serde_json::json!("食品经营许可证"),
                "expected a list of strings, found a string",
            ),
            (
                "permits",
                serde_json::json!(["食品经营许可证", 5]),
                "found a list holding a number at [1]",
            ),
        ] {
            let (field, message) = refusal(&sample_with(key, value.clone()));
            assert_eq!(field.as_deref(), Some(key), "{value}");
            assert!(message.contains(says), "{value}: {message}");
        }
    }

    #[test]
    fn an_empty_list_item_is_refused_naming_its_position() {
        for value in [
            serde_json::json!(["食品经营许可证", ""]),
            serde_json::json!(["食品经营许可证", "  "]),
        ] {
            let (field, message) = refusal(&sample_with("permits", value));
            assert_eq!(field.as_deref(), Some("permits[1]"));
            assert!(message.contains("item 1"), "{message}");
        }
    }

    #[test]
    fn full_width_characters_in_a_code_are_refused_with_the_half_width_form() {
        let full: String = "92450203MA5N8K2D76"
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        let record = sample_with("credit_code", full.clone().into());
        let err = bind(&record).unwrap_err();
        assert_eq!(err.field(), Some("credit_code"));
        let message = err.to_string();
        assert!(message.contains("full-width"), "{message}");
        assert!(message.contains("\"92450203MA5N8K2D76\""), "{message}");
        // The same for a date.
        let err = bind(&sample_with("issue_date", "２０２２-09-26".into())).unwrap_err();
        assert!(err.to_string().contains("\"2022-09-26\""), "{err}");
    }

    /// RON and CSV records follow the same rules as JSON: they meet them in one place.
    #[test]
    fn ron_and_csv_records_follow_the_same_rules() {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
        // The sample as a RON map, `extra` entries appended.
        let ron_of = |json: &serde_json::Value, extra: &str| {
            let mut text = String::from("{");
            for (key, value) in json.as_object().unwrap() {
                text.push_str(&format!("{key:?}: {value},"));
            }
            text.push_str(extra);
            text.push('}');
            Record::from_ron(&text, "record.ron").unwrap_or_else(|e| panic!("{e}\n{text}"))
        };
        let null = ron_of(&json, "\"qr_url\": None,");
        assert!(bind(&null).unwrap().get("qr_url").is_none());
        let mut one_string = json.clone();
        one_string["permits"] = "食品经营许可证".into();
        let (field, message) = refusal(&ron_of(&one_string, ""));
        assert_eq!(field.as_deref(), Some("permits"), "{message}");
        assert!(message.contains("found a string"), "{message}");

        // CSV: list items split on `|`; an empty one is refused by position.
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("certpress-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        let cells: Vec<String> = keys
            .iter()
            .map(|k| match &json[k.as_str()] {
                serde_json::Value::Array(_) if k.as_str() == "permits" => {
                    "食品经营许可证||酒类零售许可".to_owned()
                }
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("|"),
                v => v.as_str().unwrap().to_owned(),
            })
            .collect();
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.write_record(&keys).unwrap();
        csv.write_record(&cells).unwrap();
        let path = dir.join("records.csv");
        std::fs::write(&path, csv.into_inner().unwrap()).unwrap();
        let records = certpress::batch::read_records(&path, liuzhou().spec()).unwrap();
        let record = records[0].record.as_ref().unwrap();
        let (field, _) = refusal(record);
        assert_eq!(field.as_deref(), Some("permits[1]"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_key_twice_in_a_record_is_refused_naming_it() {
    let json = r#"{"operator_name": "甲", "legal_representative": "乙", "operator_name": "丙"}"#;
    let Err(Error::Record { field, message, .. }) = Record::from_json(json, "twice.json") else {
        panic!("a JSON record with a key twice was accepted");
    };
    assert_eq!(field.as_deref(), Some("operator_name"));
    assert!(message.contains("appears twice"), "{message}");
    let ron = r#"{"operator_name": "甲", "operator_name": "丙"}"#;
    let Err(Error::Record { field, message, .. }) = Record::from_ron(ron, "twice.ron") else {
        panic!("a RON record with a key twice was accepted");
    };
    assert_eq!(field.as_deref(), Some("operator_name"));
    assert!(message.contains("appears twice"), "{message}");
    // Once each is fine.
    assert!(Record::from_json(r#"{"operator_name": "甲"}"#, "once").is_ok());
}

/// The Liuzhou spec with the 宋体 chain's fallback (the full face) replaced by `file`.
fn spec_with_fallback(file: &std::path::Path) -> LoadedSpec {
    let full = r#"(file: "NotoSerifCJKsc-Regular.otf", stand_in: true)"#;
    let text = spec_text();
    assert_eq!(text.matches(full).count(), 1, "the 宋体 chain changed");
    let text = text.replace(
        full,
        &format!(r#"(file: "{}", stand_in: true)"#, file.display()),
    );
    LoadedSpec::from_str(&text, SPEC).unwrap()
}

fn font_scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-font-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fallback face is read only when a text needs it, but a truncated one is refused when
/// the template is made, naming the file: not in the middle of a batch.
#[test]
fn a_truncated_fallback_face_is_refused_when_the_template_loads() {
    let full = std::fs::read("fonts/NotoSerifCJKsc-Regular.otf").unwrap();
    let path = font_scratch("truncated").join("cut.otf");
    std::fs::write(&path, &full[..1 << 20]).unwrap();
    let err =
        certpress::Template::prepare(spec_with_fallback(&path), &Default::default()).unwrap_err();
    assert_eq!(err.code(), "font", "{err}");
    let message = err.to_string();
    assert!(message.contains("cut.otf"), "{message}");
    assert!(message.contains("past the file's end"), "{message}");
}

/// A fallback whose directory is sound but whose `head` table is not: the template loads,
/// licences that never reach the face issue, and the one that does is refused naming the
/// file, never a panic.
#[test]
fn a_damaged_fallback_face_refuses_only_the_records_that_need_it() {
    let mut bytes = std::fs::read("fonts/NotoSerifCJKsc-Regular.otf").unwrap();
    let head = {
        let raw = ttf_parser::RawFace::parse(&bytes, 0).unwrap();
        let record = raw
            .table_records
            .into_iter()
            .find(|r| &r.tag.to_bytes() == b"head")
            .unwrap();
        record.offset as usize..(record.offset + record.length) as usize
    };
    bytes[head].fill(0);
    let path = font_scratch("damaged").join("damaged.otf");
    std::fs::write(&path, &bytes).unwrap();
    let template =
        certpress::Template::prepare(spec_with_fallback(&path), &Default::default()).unwrap();
    // The sample's legal representative, 王䶮, needs the full face; 王彦 does not.
    let common = sample_with("legal_representative", serde_json::json!("王彦"));
    let licence = template.issue(&common).unwrap();
    assert!(licence
        .pdf(&Default::default())
        .unwrap()
        .starts_with(b"%PDF-"));
    let rare = sample();
    let err = template.issue(&rare).unwrap_err();
    assert_eq!(err.code(), "font", "{err}");
    assert!(err.to_string().contains("damaged.otf"), "{err}");
    // Asked again, the same refusal: the failure is kept, not retried into a panic.
    let again = template.issue(&rare).unwrap_err();
    assert_eq!(again.to_string(), err.to_string());
}

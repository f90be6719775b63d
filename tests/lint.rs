//! `certpress lint` and machine-readable errors.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{SAMPLE, SPEC};

fn certpress(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(args)
        .output()
        .unwrap()
}

/// A copy of the Liuzhou folder with the spec edited by `edit`.
fn edited_spec(name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-lint-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["emblem-placeholder.svg", "sample.json"] {
        std::fs::copy(format!("specs/liuzhou/{file}"), dir.join(file)).unwrap();
    }
    let spec = dir.join("licence.ron");
    std::fs::write(&spec, edit(std::fs::read_to_string(SPEC).unwrap())).unwrap();
    spec
}

/// The notice's contradictions (reading §3 and §9) are warnings naming the element and
/// quoting the notice; the spec is valid (exit 0) unless `--strict`.
#[test]
fn the_liuzhou_contradictions_are_reported_as_warnings() {
    let output = certpress(&["lint", SPEC, "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let warnings = report["warnings"].as_array().unwrap();
    let notice: Vec<&serde_json::Value> =
        warnings.iter().filter(|w| w["code"] == "notice").collect();
    assert_eq!(notice.len(), 3, "{warnings:#?}");
    let text = |w: &serde_json::Value| w["message"].as_str().unwrap().to_owned();
    assert!(notice.iter().any(|w| w["element"] == "border"
        && text(w).contains("top edge")
        && text(w).contains("39.00")
        && text(w).contains("上下左右边缘均为20毫米")));
    assert!(notice
        .iter()
        .any(|w| w["element"] == "border" && text(w).contains("bottom edge")));
    assert!(notice.iter().any(|w| w["element"] == "issuing_authority"
        && text(w).contains("218.00")
        && text(w).contains("252.00")));
    assert!(
        notice.iter().all(|w| w["line"].as_u64().is_some()),
        "each names its line"
    );

    assert_eq!(
        certpress(&["lint", SPEC, "--strict"]).status.code(),
        Some(1)
    );
}

/// A label moved onto another text is an overlap; a text pushed past the sheet's edge is
/// off the page; a fit floor under 6 pt is small type.
#[test]
fn overlaps_off_page_texts_and_small_type_are_warned_about() {
    let spec = edited_spec("overlap", |s| {
        s.replacen("at: (x: 75.0, y: 196.0)", "at: (x: 75.0, y: 180.0)", 1)
            .replacen("at: (x: 35.0, y: 55.0)", "at: (x: 380.0, y: 55.0)", 1)
            .replacen("ShrinkWrap(min: \"小五\")", "ShrinkWrap(min: 5)", 1)
    });
    let output = certpress(&["lint", spec.to_str().unwrap(), "--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<(String, String)> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap().to_owned(),
                w["element"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        codes
            .iter()
            .any(|(c, e)| c == "overlap" && (e == "permits" || e == "business_address")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("off-page".into(), "fluorescent_mark".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("small-type".into(), "permits".into())),
        "{codes:?}"
    );

    let unchanged = certpress(&["lint", SPEC, "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&unchanged.stdout).unwrap();
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["code"] != "overlap"),
        "the real layout has no overlaps"
    );
}

/// A spec that cannot load: exit 2, file:line:column on stderr, the error as JSON on
/// stdout with `--json`.
#[test]
fn a_broken_spec_fails_lint_with_its_place() {
    let spec = edited_spec("broken", |s| s.replacen("tolerance:", "tolerence:", 1));
    let output = certpress(&["lint", spec.to_str().unwrap(), "--json"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("licence.ron:") && stderr.contains("tolerence"),
        "{stderr}"
    );
    let error: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["error"]["code"], "spec-syntax");
}

/// `render --json`: a refused record gives `{"error": {code, field, message}}` on stdout,
/// exit 2 and no file.
#[test]
fn render_errors_as_json_name_code_and_field() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    json["issue_date"] = "2022-02-30".into();
    let record = dir.join("record.json");
    std::fs::write(&record, json.to_string()).unwrap();
    let pdf = dir.join("out.pdf");
    let output = certpress(&[
        "render",
        SPEC,
        "--data",
        record.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["error"]["code"], "record");
    assert_eq!(error["error"]["field"], "issue_date");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no day 30"));
    assert!(!pdf.exists());
}

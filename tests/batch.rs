//! Batch issuing through the `certpress batch` command: bad records reported with their
//! line and field while the others are written, a machine-readable error file, re-runs
//! that skip what exists, CSV input, names that collide, and no partial files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use certpress::record::credit_code::check_character;
use common::{SAMPLE, SPEC};

/// A scratch folder of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-batch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The sample record with its own valid credit code and licence number `n`.
fn record(n: usize) -> serde_json::Value {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    let first17 = format!("92450203MA5{:06}", n * 7919 % 1_000_000);
    let check = check_character(&first17).unwrap();
    json["credit_code"] = format!("{first17}{check}").into();
    json["operator_name"] = format!("柳州市鱼峰区第{n}螺蛳粉店").into();
    json["licence_number"] = licence(n).into();
    json
}

/// Licence number `n`, which names its files by default.
fn licence(n: usize) -> String {
    format!("柳鱼一业一证〔2022〕{n:04}号")
}

fn batch(data: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(["batch", SPEC, "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(["--jobs", "2"])
        .args(extra)
        .output()
        .unwrap()
}

/// The files in `dir`, by name, without the folder of stamps (`.certpress`).
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != certpress::reissue::STAMPS)
        .collect();
    names.sort();
    names
}

/// Six records, lines 3 and 5 bad: the four good ones are written, the two bad ones named
/// by line and field on stderr and in `errors.jsonl`, the exit status is 1, and nothing
/// else (no temporary file, no PDF for a bad record) is left in the folder.
#[test]
fn bad_records_are_reported_by_line_and_field_while_the_others_are_written() {
    let dir = scratch("mixed");
    let mut lines = Vec::new();
    for n in 1..=6 {
        let mut json = record(n);
        if n == 3 {
            let code = json["credit_code"].as_str().unwrap().to_owned();
            let last = code.chars().last().unwrap();
            let wrong = if last == '0' { '1' } else { '0' };
            json["credit_code"] = format!("{}{wrong}", &code[..17]).into();
        }
        if n == 5 {
            json["issue_date"] = "2022-02-30".into();
        }
        lines.push(json.to_string());
    }
    let data = dir.join("records.jsonl");
    std::fs::write(&data, lines.join("\n") + "\n").unwrap();
    let out = dir.join("out");

    let output = batch(&data, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(":3") && stderr.contains("credit_code"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":5") && stderr.contains("issue_date"),
        "{stderr}"
    );
    assert!(stderr.contains("4 written"), "{stderr}");

    let names = files(&out);
    let pdfs: Vec<&String> = names.iter().filter(|n| n.ends_with(".pdf")).collect();
    assert_eq!(pdfs.len(), 4, "{names:?}");
    assert_eq!(
        names.len(),
        5,
        "four PDFs and errors.jsonl, nothing else: {names:?}"
    );
    for n in [1, 2, 4, 6] {
        let pdf = std::fs::read(out.join(format!("{}.pdf", licence(n)))).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            pdf[pdf.len() - 8..].windows(5).any(|w| w == b"%%EOF"),
            "complete file"
        );
    }

    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    let errors: Vec<serde_json::Value> = errors
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["line"], 3);
    assert_eq!(errors[0]["field"], "credit_code");
    assert_eq!(errors[1]["line"], 5);
    assert_eq!(errors[1]["field"], "issue_date");
    assert!(errors
        .iter()
        .all(|e| !e["message"].as_str().unwrap().is_empty()));
}

/// A re-run skips what is written; `--force` renders it again; after the bad records are
/// fixed, a re-run renders only them and removes the stale error file.
#[test]
fn a_rerun_skips_written_licences_unless_forced() {
    let dir = scratch("rerun");
    let data = dir.join("records.jsonl");
    let mut bad = record(2);
    bad["issue_date"] = "2022-13-01".into();
    let lines = [record(1).to_string(), bad.to_string()];
    std::fs::write(&data, lines.join("\n")).unwrap();
    let out = dir.join("out");

    assert_eq!(batch(&data, &out, &[]).status.code(), Some(1));
    let first = out.join(format!("{}.pdf", licence(1)));
    let written = std::fs::metadata(&first).unwrap().modified().unwrap();

    let again = batch(&data, &out, &[]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("0 written, 0 re-rendered (changed), 1 skipped"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::metadata(&first).unwrap().modified().unwrap(),
        written
    );

    std::thread::sleep(std::time::Duration::from_millis(20));
    let forced = batch(&data, &out, &["--force"]);
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert!(
        stderr.contains("1 written, 0 re-rendered (changed), 0 skipped"),
        "{stderr}"
    );
    assert_ne!(
        std::fs::metadata(&first).unwrap().modified().unwrap(),
        written
    );

    let fixed = [record(1).to_string(), record(2).to_string()];
    std::fs::write(&data, fixed.join("\n")).unwrap();
    let output = batch(&data, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("1 written, 0 re-rendered (changed), 1 skipped"),
        "{stderr}"
    );
    assert!(
        !out.join("errors.jsonl").exists(),
        "a stale error file is removed"
    );
}

/// CSV (with a byte-order mark): a header of record keys, lists split on `|`; `--png`
/// writes a PNG beside each PDF; `--name-key` chooses the file names.
#[test]
fn csv_records_render_with_pngs_named_by_the_chosen_key() {
    let dir = scratch("csv");
    let keys = [
        "operator_name",
        "legal_representative",
        "industry_category",
        "credit_code",
        "business_address",
        "permits",
        "issuing_authority",
        "issue_date",
        "licence_number",
    ];
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(keys).unwrap();
    for n in 1..=2 {
        let json = record(n);
        let row: Vec<String> = keys
            .iter()
            .map(|k| match &json[*k] {
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("|"),
                value => value.as_str().unwrap().to_owned(),
            })
            .collect();
        csv.write_record(&row).unwrap();
    }
    let data = dir.join("records.csv");
    // As a spreadsheet saves it: with a UTF-8 byte-order mark.
    let bytes = [b"\xef\xbb\xbf".as_slice(), &csv.into_inner().unwrap()].concat();
    std::fs::write(&data, bytes).unwrap();
    let out = dir.join("out");

    let output = batch(
        &data,
        &out,
        &["--png", "--dpi", "100", "--name-key", "credit_code"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let names = files(&out);
    let code = |n: usize| record(n)["credit_code"].as_str().unwrap().to_owned();
    assert_eq!(
        names,
        [
            format!("{}.pdf", code(1)),
            format!("{}.png", code(1)),
            format!("{}.pdf", code(2)),
            format!("{}.png", code(2)),
        ],
        "{stderr}"
    );
    // The permit list survived the `|` split: the PDF's text holds the second permit.
    let pdf = lopdf::Document::load(out.join(&names[0])).unwrap();
    let text = pdf.extract_text(&[1]).unwrap();
    assert!(text.contains("公共场所卫生许可证"), "{text}");
}

/// Two records that would name the same file are both refused (which one is right is for
/// the issuer to say), and the licence between them still renders.
#[test]
fn records_that_name_the_same_file_are_refused() {
    let dir = scratch("duplicate");
    let lines = [
        record(1).to_string(),
        record(2).to_string(),
        record(1).to_string(),
    ];
    let data = dir.join("records.jsonl");
    std::fs::write(&data, lines.join("\n")).unwrap();
    let out = dir.join("out");
    let output = batch(&data, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("as line 3 (2 records claim it)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("as line 1 (2 records claim it)"),
        "{stderr}"
    );
    assert_eq!(
        files(&out),
        ["errors.jsonl".to_owned(), format!("{}.pdf", licence(2))]
    );
}

/// One enterprise holding licences for many industries: 400 records share a credit code,
/// each with its own licence number, and every one is written. Had they shared the
/// licence number too, each refusal names one other line and the count: the error file
/// grows with the batch, not with its square.
#[test]
fn one_enterprises_licences_are_named_by_licence_number_and_clashes_stay_short() {
    let dir = scratch("enterprise");
    let mut same_code = Vec::new();
    let mut same_number = Vec::new();
    for n in 1..=400 {
        let mut json = record(n);
        json["credit_code"] = record(1)["credit_code"].clone();
        same_code.push(json.to_string());
        json["licence_number"] = licence(1).into();
        same_number.push(json.to_string());
    }
    let data = dir.join("records.jsonl");
    std::fs::write(&data, same_code.join("\n")).unwrap();
    let out = dir.join("out");
    let output = batch(&data, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(files(&out).len(), 400);

    std::fs::write(&data, same_number.join("\n")).unwrap();
    let clash = dir.join("clash");
    let output = batch(&data, &clash, &[]);
    assert_eq!(output.status.code(), Some(1));
    let errors = std::fs::read_to_string(clash.join("errors.jsonl")).unwrap();
    assert_eq!(errors.lines().count(), 400);
    for line in errors.lines() {
        assert!(line.len() < 400, "{line}");
        assert!(line.contains("(400 records claim it)"), "{line}");
    }
    assert_eq!(files(&clash), ["errors.jsonl"]);
}

/// A run killed mid-write leaves its hidden temporary; the next run into the folder
/// removes it (only ours, of processes that are gone) and says so.
#[test]
fn a_rerun_removes_the_temporaries_a_killed_run_left() {
    let dir = scratch("killed");
    let data = dir.join("records.jsonl");
    std::fs::write(&data, record(1).to_string()).unwrap();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // As write_atomic names them; the pid is above Linux's pid_max, so no process has it.
    let left =
        certpress::output::temporary_for(&out.join(format!("{}.pdf", licence(7))), 4_194_305);
    std::fs::write(&left, b"half a PDF").unwrap();
    std::fs::write(out.join("notes.tmp"), b"someone else's").unwrap();
    let output = batch(&data, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    if Path::new("/proc/self").exists() {
        assert!(stderr.contains("removed 1 temporary file"), "{stderr}");
        assert!(!left.exists());
    }
    assert!(out.join("notes.tmp").exists(), "other files are left alone");
}

/// A batch that cannot start (a file of an unknown format) is an error of its own (exit 2)
/// and creates nothing.
#[test]
fn an_unreadable_batch_is_refused_before_anything_is_written() {
    let dir = scratch("format");
    let data = dir.join("records.xlsx");
    std::fs::write(&data, "not a batch").unwrap();
    let out = dir.join("out");
    let output = batch(&data, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(".jsonl or .csv"), "{stderr}");
    assert!(!out.exists());
}

/// Three shards of one batch, into one folder (the third as a Kubernetes Indexed Job
/// runs it, from JOB_COMPLETION_INDEX): together the same files, byte for byte, as the
/// whole batch, and their error files hold every refused record once.
#[test]
fn the_shards_of_a_batch_together_write_the_whole_batch() {
    let dir = scratch("shards");
    let mut lines = Vec::new();
    for n in 1..=9 {
        let mut json = record(n);
        if n == 4 || n == 8 {
            json["issue_date"] = "2022-02-30".into();
        }
        lines.push(json.to_string());
    }
    let data = dir.join("records.jsonl");
    std::fs::write(&data, lines.join("\n")).unwrap();
    let whole = dir.join("whole");
    assert_eq!(batch(&data, &whole, &[]).status.code(), Some(1));

    let sharded = dir.join("sharded");
    for shard in ["0/3", "1/3"] {
        let output = batch(&data, &sharded, &["--shard", shard]);
        assert!(output.status.code().is_some_and(|c| c <= 1), "{shard}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(["batch", SPEC, "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&sharded)
        .args(["--jobs", "2", "--shards", "3"])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .unwrap();
    assert!(output.status.code().is_some_and(|c| c <= 1));
    // Without the index, --shards is refused before anything is written.
    let refused = Command::new(env!("CARGO_BIN_EXE_certpress"))
        .args(["batch", SPEC, "--data"])
        .arg(&data)
        .arg("--out")
        .arg(dir.join("nowhere"))
        .args(["--shards", "3"])
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(!dir.join("nowhere").exists());

    let pdfs = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        files(dir)
            .into_iter()
            .filter(|n| n.ends_with(".pdf"))
            .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap()))
            .collect()
    };
    let (whole_pdfs, shard_pdfs) = (pdfs(&whole), pdfs(&sharded));
    assert_eq!(whole_pdfs.len(), 7);
    assert!(
        whole_pdfs == shard_pdfs,
        "the shards' files differ from the batch's"
    );

    let error_lines = |path: PathBuf| -> Vec<String> {
        std::fs::read_to_string(path)
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut from_shards: Vec<String> = (0..3)
        .flat_map(|i| error_lines(sharded.join(format!("errors-{i}-of-3.jsonl"))))
        .collect();
    from_shards.sort();
    let mut from_whole = error_lines(whole.join("errors.jsonl"));
    from_whole.sort();
    assert_eq!(from_whole.len(), 2);
    assert_eq!(from_shards, from_whole);
}

/// A batch for the 电子证照库: each licence as PDF/A-3b carrying its OFD, the OFD beside it
/// and the landing page; a record whose licence number gives no serial for the identifier
/// is refused by field, the others written.
#[test]
fn electronic_batch_writes_ofd_page_and_archive_pdf_per_licence() {
    let dir = scratch("electronic");
    let mut bad = record(3);
    bad["licence_number"] = "柳鱼一业一证（待编号）".into();
    let lines: Vec<String> = [record(1), record(2), bad]
        .iter()
        .map(|r| r.to_string())
        .collect();
    let data = dir.join("records.jsonl");
    std::fs::write(&data, lines.join("\n")).unwrap();
    let out = dir.join("out");
    let output = batch(&data, &out, &["--ofd", "--page", "--pdf-standard", "a-3b"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for n in [1, 2] {
        let stem = licence(n);
        let ofd = std::fs::read(out.join(format!("{stem}.ofd"))).unwrap();
        let mut reader = ofd_core::OfdReader::new(
            ofd_core::OfdPackage::new(std::io::Cursor::new(ofd.clone())).unwrap(),
        )
        .unwrap();
        assert!(ofd_core::check_reader(&mut reader).problems.is_empty());
        let pdf = lopdf::Document::load(out.join(format!("{stem}.pdf"))).unwrap();
        let af = pdf
            .catalog()
            .unwrap()
            .get(b"AF")
            .unwrap()
            .as_array()
            .unwrap();
        assert_eq!(af.len(), 2, "record.json and licence.ofd");
        let html = std::fs::read_to_string(out.join(format!("{stem}.html"))).unwrap();
        assert!(html.contains(&format!("<h1>柳州市鱼峰区第{n}螺蛳粉店</h1>")));
    }
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    assert_eq!(errors.lines().count(), 1, "{errors}");
    let error: serde_json::Value = serde_json::from_str(errors.lines().next().unwrap()).unwrap();
    assert_eq!(error["line"], 3);
    assert_eq!(error["field"], "licence_number");
    assert!(files(&out).iter().all(|f| !f.contains("待编号")));
}

#[test]
fn a_record_with_a_key_twice_is_refused_and_the_rest_of_the_batch_goes_on() {
    let dir = scratch("twice");
    let sample = std::fs::read_to_string("specs/liuzhou/sample.json")
        .unwrap()
        .replace('\n', " ");
    // A front end validated the first value; the last would have been printed.
    let twice = sample.replacen(
        '{',
        "{\"operator_name\": \"the name the front end checked\", ",
        1,
    );
    let other = sample.replace("0001号", "0002号");
    let data = dir.join("records.jsonl");
    std::fs::write(&data, format!("{twice}\n{other}\n")).unwrap();
    let out = dir.join("out");
    let output = batch(&data, &out, &[]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    assert!(errors.contains("appears twice"), "{errors}");
    assert!(errors.contains("operator_name"), "{errors}");
    assert_eq!(
        files(&out).iter().filter(|n| n.ends_with(".pdf")).count(),
        1
    );

    // A spreadsheet with a column twice: refused before anything is written.
    let csv = dir.join("records.csv");
    std::fs::write(&csv, "operator_name,credit_code,operator_name\na,b,c\n").unwrap();
    let refused = dir.join("refused");
    let output = batch(&csv, &refused, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`operator_name` appears twice"));
    assert!(!refused.join("errors.jsonl").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Re-issue on change: a re-run re-renders exactly the licences whose inputs changed,
/// skips the identical ones, re-renders where its stamp is missing or damaged, and with
/// `--require-new-version` refuses a changed record whose version was not raised.
#[test]
fn a_rerun_rerenders_what_changed_and_a_changed_licence_needs_a_new_version() {
    let dir = scratch("reissue");
    let data = dir.join("records.jsonl");
    let write = |records: &[serde_json::Value]| {
        let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        std::fs::write(&data, lines.join("\n")).unwrap();
    };
    let mut records = vec![record(1), record(2), record(3)];
    write(&records);
    let out = dir.join("out");
    let summary = |output: &Output| String::from_utf8_lossy(&output.stderr).into_owned();
    let first = batch(&data, &out, &[]);
    assert!(
        summary(&first).contains("3 written, 0 re-rendered (changed), 0 skipped"),
        "{}",
        summary(&first)
    );
    let pdf = |n: usize| std::fs::read(out.join(format!("{}.pdf", licence(n)))).unwrap();
    let (one, two) = (pdf(1), pdf(2));

    // A permit added to the first: it alone is rendered again, and says so.
    records[0]["permits"]
        .as_array_mut()
        .unwrap()
        .push("户外广告设置许可（柳鱼城管广字〔2022〕第099号）".into());
    write(&records);
    let again = batch(&data, &out, &[]);
    assert!(
        summary(&again).contains("0 written, 1 re-rendered (changed), 2 skipped"),
        "{}",
        summary(&again)
    );
    assert_ne!(pdf(1), one, "the changed licence is not the stale one");
    assert_eq!(pdf(2), two);

    // A damaged stamp and a missing one: rendered again, never skipped.
    let stamps = out.join(".certpress");
    std::fs::write(stamps.join(format!("{}.json", licence(2))), "{not json").unwrap();
    std::fs::remove_file(stamps.join(format!("{}.json", licence(3)))).unwrap();
    let output = batch(&data, &out, &[]);
    assert!(
        summary(&output).contains("0 written, 2 re-rendered (changed), 1 skipped"),
        "{}",
        summary(&output)
    );
    assert_eq!(pdf(2), two, "the same inputs give the same bytes");

    // --require-new-version: changed without a raised version is refused by record and
    // field; raised, it is re-issued.
    records[1]["business_address"] = "广西壮族自治区柳州市鱼峰区箭盘路14号".into();
    write(&records);
    let refused = batch(&data, &out, &["--require-new-version"]);
    assert_eq!(refused.status.code(), Some(1), "{}", summary(&refused));
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    assert!(errors.contains("licence_version"), "{errors}");
    assert!(errors.contains("set `licence_version` to 2"), "{errors}");
    assert_eq!(pdf(2), two, "the refused licence's files are untouched");
    records[1]["licence_version"] = "2".into();
    write(&records);
    let reissued = batch(&data, &out, &["--require-new-version"]);
    assert_eq!(reissued.status.code(), Some(0), "{}", summary(&reissued));
    assert!(
        summary(&reissued).contains("1 re-rendered (changed)"),
        "{}",
        summary(&reissued)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

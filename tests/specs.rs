//! Every spec under specs/ loads, lints clean of layout problems, renders its sample record
//! to PDF and raster, passes QA's ink check on its own rendering, and accepts the record
//! skeleton `certpress sample` writes for it. The per-spec features the other specs show off
//! (vertical text, one-permit-per-line lists) are proven here too.

use std::path::{Path, PathBuf};
use std::process::Command;

use certpress::display::Shape;
use certpress::fonts::FontOptions;
use certpress::layout::{Layout, Part};
use certpress::qa::image::Picture;
use certpress::qa::{ink, lint};
use certpress::record::Record;
use certpress::spec::LoadedSpec;
use certpress::units::Mm;
use certpress::{pdf, raster, record, Error, Template};

/// Every (spec, sample record) pair under specs/.
fn specs() -> Vec<(PathBuf, PathBuf)> {
    let mut found = Vec::new();
    for dir in std::fs::read_dir("specs").unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) == Some("ron") {
                let sample = dir.join("sample.json");
                assert!(sample.is_file(), "{} has no sample.json", dir.display());
                found.push((path, sample));
            }
        }
    }
    found.sort();
    found
}

fn load(spec: &Path) -> Template {
    Template::load(spec).unwrap_or_else(|e| panic!("{e}"))
}

/// A spec from text, prepared with the default fonts.
fn prepare(spec: LoadedSpec) -> Template {
    Template::prepare(spec, &FontOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn lay_out(template: &Template, record: &Record) -> certpress::Result<Layout> {
    template.issue(record).map(|licence| licence.into_layout())
}

#[test]
fn there_are_at_least_three_specs() {
    let names: Vec<String> = specs()
        .iter()
        .map(|(spec, _)| spec.display().to_string())
        .collect();
    assert!(names.len() >= 3, "{names:?}");
}

#[test]
fn every_spec_renders_its_sample_and_passes_its_own_ink_check() {
    for (path, sample) in specs() {
        let template = load(&path);
        let (spec, fonts) = (template.spec(), template.fonts());
        let record = Record::load(&sample).unwrap();
        let laid_out = lay_out(&template, &record).unwrap_or_else(|e| panic!("{e}"));

        let bytes = pdf::pdf(&laid_out.page, fonts, &pdf::PdfOptions::default()).unwrap();
        let doc = lopdf::Document::load_mem(&bytes).unwrap();
        assert_eq!(doc.get_pages().len(), 1, "{}", path.display());

        // At 200 dpi a pixel is 0.13 mm: fine enough for a 0.5 mm tolerance.
        let options = raster::RasterOptions {
            dpi: 200.0,
            ..Default::default()
        };
        let image = Picture::from_raster(&raster::render(&laid_out.page, fonts, &options).unwrap());
        let entries = ink::measure(
            &image,
            &laid_out,
            spec.spec.tolerance,
            ink::DEFAULT_THRESHOLD,
            None,
        );
        assert!(entries.iter().any(|e| e.found.is_some()));
        for e in &entries {
            assert!(
                e.pass_check,
                "{}: {} {:?}: {}",
                path.display(),
                e.element,
                e.part,
                e.note
            );
        }
    }
}

#[test]
fn every_spec_lints_without_layout_warnings() {
    for (path, sample) in specs() {
        let template = load(&path);
        let laid_out = lay_out(&template, &Record::load(&sample).unwrap()).unwrap();
        let warnings = lint::lint(template.spec(), Some(&laid_out.report));
        // `notice` warnings are the published notice contradicting itself (Liuzhou's
        // decisions 3 and 9); `unused-field` is a field the spec keeps for electronic
        // copies. Anything else is a layout problem in the spec.
        let problems: Vec<_> = warnings
            .iter()
            .filter(|w| !matches!(w.code, "notice" | "unused-field"))
            .collect();
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
    }
}

#[test]
fn the_record_skeleton_binds_and_lays_out_on_every_spec() {
    for (path, _) in specs() {
        let template = load(&path);
        let spec = template.spec();
        let skeleton = record::skeleton(&spec.spec);
        let required = spec.spec.fields.values().filter(|f| f.required).count();
        assert!(skeleton.len() >= required, "{}", path.display());
        let record =
            Record::from_json(&serde_json::Value::Object(skeleton).to_string(), "skeleton")
                .unwrap();
        lay_out(&template, &record).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn the_fields_and_sample_commands_describe_and_fill_a_spec() {
    let bin = env!("CARGO_BIN_EXE_certpress");
    let spec = "specs/qingdao/licence.ron";
    let out = Command::new(bin)
        .args(["fields", spec, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let fields: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let loaded = load(Path::new(spec));
    assert_eq!(fields.len(), loaded.model().fields.len());
    let credit = fields.iter().find(|f| f["key"] == "credit_code").unwrap();
    assert_eq!(credit["kind"], "CreditCode");
    assert_eq!(credit["required"], true);
    let url = fields.iter().find(|f| f["key"] == "qr_url").unwrap();
    assert_eq!(url["required"], false);

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-specs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let skeleton = dir.join("record.json");
    let out = Command::new(bin)
        .args(["sample", spec, "--out"])
        .arg(&skeleton)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.join("skeleton.pdf");
    let out = Command::new(bin)
        .args(["render", spec, "--data"])
        .arg(&skeleton)
        .arg("--pdf")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(pdf.is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

const CARD: &str = "specs/health-card/card.ron";

/// The glyphs of an element as (character, left x, baseline y, advance), in paint order.
fn glyphs(layout: &Layout, element: &str) -> Vec<(char, Mm, Mm, Mm)> {
    layout
        .page
        .items
        .iter()
        .filter(|item| item.element == element)
        .filter_map(|item| match &item.shape {
            Shape::Text(run) => Some(run),
            _ => None,
        })
        .flat_map(|run| {
            run.glyphs
                .iter()
                .map(|g| (g.text, g.x, run.baseline, g.advance))
        })
        .collect()
}

#[test]
fn vertical_text_is_one_centred_column_spread_over_its_length() {
    let template = load(Path::new(CARD));
    let laid_out = lay_out(
        &template,
        &Record::load("specs/health-card/sample.json").unwrap(),
    )
    .unwrap();
    let column = glyphs(&laid_out, "side_title");
    let text: String = column.iter().map(|g| g.0).collect();
    assert_eq!(text, "食品从业人员健康证明");
    // 12 pt: a 4.233 mm em, its left edge at 3.38 mm: every glyph centred on 5.497 mm.
    let em = 12.0 * 25.4 / 72.0;
    let axis = 3.38 + em / 2.0;
    for (c, x, _, advance) in &column {
        let centre = x.0 + advance.0 / 2.0;
        assert!(
            (centre - axis).abs() < 0.01,
            "{c} centred at {centre}, not {axis}"
        );
    }
    // Equal steps, the first em box at 4 mm and the last ending at 4 + 46 mm.
    let steps: Vec<f64> = column.windows(2).map(|w| w[1].2 .0 - w[0].2 .0).collect();
    let step = (46.0 - em) / 9.0;
    for s in &steps {
        assert!((s - step).abs() < 1e-6, "step {s}, not {step}");
    }
    let placed = laid_out
        .report
        .iter()
        .find(|p| p.element == "side_title")
        .unwrap();
    assert_eq!(placed.part, Part::Text);
    assert!((placed.laid_out.top().0 - 4.0).abs() < 1e-9);
    assert!((placed.laid_out.bottom().0 - 50.0).abs() < 1e-6);
    assert!((placed.laid_out.left().0 - 3.38).abs() < 1e-9);
}

#[test]
fn vertical_text_refuses_punctuation_and_a_column_that_cannot_hold_it() {
    let source = std::fs::read_to_string(CARD).unwrap();
    let record = Record::load("specs/health-card/sample.json").unwrap();
    for (from, to, says) in [
        (
            "text: \"食品从业人员健康证明\"",
            "text: \"食品从业人员（健康）证明\"",
            "U+FF08",
        ),
        ("length: 46.0", "length: 30.0", "10 characters need"),
        (
            "at: (x: 3.38, y: 4.0)",
            "at: (x: 3.38, y: 20.0)",
            "past the page",
        ),
    ] {
        assert!(source.contains(from), "{from}");
        let spec = LoadedSpec::from_str(&source.replace(from, to), CARD).unwrap();
        let template = prepare(spec);
        let err = lay_out(&template, &record).unwrap_err();
        assert!(matches!(err, Error::SpecInvalid { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("side_title") && message.contains(says),
            "{message}"
        );
    }
}

#[test]
fn a_list_joined_by_newlines_puts_each_item_on_its_own_line() {
    let path = Path::new("specs/qingdao/licence.ron");
    let template = load(path);
    let sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("specs/qingdao/sample.json").unwrap())
            .unwrap();
    let permits: Vec<String> = sample["permits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();

    let lines_of = |layout: &Layout| -> Vec<String> {
        let mut lines: Vec<(i64, String)> = Vec::new();
        for (c, _, baseline, _) in glyphs(layout, "permits") {
            let key = (baseline.0 * 1000.0).round() as i64;
            match lines.last_mut() {
                Some((b, text)) if *b == key => text.push(c),
                _ => lines.push((key, c.to_string())),
            }
        }
        lines.into_iter().map(|(_, text)| text).collect()
    };

    let laid_out = lay_out(
        &template,
        &Record::load("specs/qingdao/sample.json").unwrap(),
    )
    .unwrap();
    // The label shares its baseline with the first permit; then one line per permit.
    let lines = lines_of(&laid_out);
    assert_eq!(lines[0], format!("许可事项{}", permits[0]));
    assert_eq!(lines[1..], permits[1..]);

    // A permit too long for one line wraps, and the next permit still starts a line.
    let mut long = sample.clone();
    let first = format!("{}及其附属冷链仓储配送设施食品安全管理", permits[0]);
    long["permits"][0] = serde_json::Value::String(first.clone());
    let record = Record::from_json(&long.to_string(), "long permit").unwrap();
    let laid_out = lay_out(&template, &record).unwrap();
    let lines = lines_of(&laid_out);
    assert_eq!(lines.len(), permits.len() + 1, "{lines:?}");
    assert_eq!(
        format!("{}{}", lines[0], lines[1]),
        format!("许可事项{first}")
    );
    assert_eq!(lines[2..], permits[1..]);
}

/// The fenced block that follows `marker` in specs/README.md.
fn guide_block(marker: &str) -> String {
    let guide = std::fs::read_to_string("specs/README.md").unwrap();
    let after = &guide[guide.find(marker).unwrap_or_else(|| panic!("no {marker}"))..];
    let start = after.find("```").unwrap();
    let body = &after[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_owned()
}

#[test]
fn the_guide_walk_through_renders_as_described() {
    // Step 1: the smallest spec renders with an empty record.
    let first = LoadedSpec::from_str(
        &guide_block("<!-- walkthrough:start -->"),
        "specs/README.md",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let first_template = prepare(first);
    let empty = Record::from_json("{}", "empty").unwrap();
    let laid_out = lay_out(&first_template, &empty).unwrap();
    assert_eq!(glyphs(&laid_out, "title").len(), 6);

    // The complete spec and its record: render, lint clean, and pass QA's checks.
    let spec = LoadedSpec::from_str(&guide_block("<!-- walkthrough:spec"), "specs/README.md")
        .unwrap_or_else(|e| panic!("{e}"));
    let template = prepare(spec);
    let (spec, fonts) = (template.spec(), template.fonts());
    let record =
        Record::from_json(&guide_block("<!-- walkthrough:record -->"), "guide record").unwrap();
    let laid_out = lay_out(&template, &record).unwrap_or_else(|e| panic!("{e}"));
    assert!(lint::lint(spec, Some(&laid_out.report)).is_empty());
    // "the course wraps onto two lines and shrinks down to 9 pt": a course of twice the
    // sample's length takes two lines, and one far longer is refused.
    let course = placed(&laid_out, "course", Part::Content);
    assert_eq!(course.lines, Some(1));
    let mut json: serde_json::Value =
        serde_json::from_str(&guide_block("<!-- walkthrough:record -->")).unwrap();
    json["course"] = "食品安全管理员岗位培训（餐饮服务）与餐饮服务食品安全操作规范专题培训".into();
    let longer = lay_out(
        &template,
        &Record::from_json(&json.to_string(), "longer").unwrap(),
    )
    .unwrap();
    assert_eq!(placed(&longer, "course", Part::Content).lines, Some(2));
    json["course"] = "食品安全".repeat(20).into();
    let err = lay_out(
        &template,
        &Record::from_json(&json.to_string(), "too long").unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("course"), "{err}");

    let bytes = pdf::pdf(&laid_out.page, fonts, &pdf::PdfOptions::default()).unwrap();
    assert!(lopdf::Document::load_mem(&bytes).is_ok());
    let options = raster::RasterOptions {
        dpi: 200.0,
        ..Default::default()
    };
    let image = Picture::from_raster(&raster::render(&laid_out.page, fonts, &options).unwrap());
    let entries = ink::measure(
        &image,
        &laid_out,
        spec.spec.tolerance,
        ink::DEFAULT_THRESHOLD,
        None,
    );
    assert!(entries.iter().all(|e| e.pass_check), "{entries:#?}");
}

fn placed<'a>(layout: &'a Layout, element: &str, part: Part) -> &'a certpress::layout::Placement {
    layout
        .report
        .iter()
        .find(|p| p.element == element && p.part == part)
        .unwrap_or_else(|| panic!("no {part:?} of {element}"))
}

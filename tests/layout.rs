//! The layout solver, measured in millimetres against the Liuzhou specification.

mod common;

use certpress::display::Shape;
use certpress::layout::Part;
use certpress::units::{FontSize, Mm, Pt};
use certpress::Error;
use common::*;

const EXACT: f64 = 1e-6;

fn close(a: Mm, b: f64, within: f64) -> bool {
    (a.get() - b).abs() <= within
}

#[test]
fn every_label_and_fixed_text_sits_exactly_where_the_spec_puts_it() {
    let layout = lay_out(&sample()).unwrap();
    let mut checked = 0;
    for placement in &layout.report {
        if let Some(deviation) = placement.deviation() {
            // A QR symbol is centred in its box on whole printer dots, within half the
            // tolerance; everything else lands exactly.
            let allowed = if placement.part == Part::Qr {
                0.5
            } else {
                EXACT
            };
            assert!(
                deviation.get() <= allowed,
                "{} {:?} is {deviation} off",
                placement.element,
                placement.part
            );
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} elements had a spec position");
}

#[test]
fn justified_labels_end_where_the_operator_name_label_ends() {
    let layout = lay_out(&sample()).unwrap();
    // 经营者名称: five characters of 24 pt from 75 mm.
    let reference = 75.0 + 5.0 * 24.0 * 25.4 / 72.0;
    let name = placement(&layout, "operator_name", Part::Label);
    assert!(
        close(name.laid_out.right(), reference, 0.01),
        "{}",
        name.laid_out.right()
    );
    for id in ["industry_category", "business_address", "permits"] {
        let label = placement(&layout, id, Part::Label);
        assert!(close(label.laid_out.left(), 75.0, EXACT));
        assert!(
            close(label.laid_out.right(), reference, 0.05),
            "{id} ends at {}",
            label.laid_out.right()
        );
    }
    // The last glyph's advance edge is on the span's end (not just the box).
    let last = layout
        .page
        .items
        .iter()
        .filter(|i| i.element == "industry_category")
        .filter_map(|i| match &i.shape {
            Shape::Text(run) => run
                .glyphs
                .iter()
                .find(|g| g.text == '别')
                .map(|g| g.x + g.advance),
            _ => None,
        })
        .next()
        .unwrap();
    assert!(close(last, reference, 0.05), "别 ends at {last}");
    // 法定代表人（负责人） keeps its natural width: ten characters of 24 pt.
    let legal = placement(&layout, "legal_representative", Part::Label);
    assert!(close(
        legal.laid_out.right(),
        75.0 + 10.0 * 24.0 * 25.4 / 72.0,
        0.01
    ));
}

#[test]
fn title_is_distributed_across_123_to_297_mm() {
    let layout = lay_out(&sample()).unwrap();
    let title = placement(&layout, "title", Part::Text);
    assert!(close(title.laid_out.left(), 123.0, EXACT));
    assert!(close(title.laid_out.right(), 297.0, 0.05));
    let xs: Vec<f64> = layout
        .page
        .items
        .iter()
        .filter(|i| i.element == "title")
        .flat_map(|i| match &i.shape {
            Shape::Text(run) => run.glyphs.iter().map(|g| g.x.get()).collect(),
            _ => vec![],
        })
        .collect();
    assert_eq!(xs.len(), 7);
    let pitches: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        pitches.iter().all(|p| (p - pitches[0]).abs() < 1e-6),
        "equal gaps: {pitches:?}"
    );
}

#[test]
fn contents_start_at_their_label_end_on_its_baseline() {
    let layout = lay_out(&sample()).unwrap();
    for id in [
        "credit_code",
        "operator_name",
        "legal_representative",
        "industry_category",
        "business_address",
        "permits",
        "issue_date",
    ] {
        let label = placement(&layout, id, Part::Label);
        let content = placement(&layout, id, Part::Content);
        assert!(
            close(content.laid_out.left(), label.laid_out.right().get(), EXACT),
            "{id}"
        );
        let baselines: Vec<Mm> = layout
            .page
            .items
            .iter()
            .filter(|i| i.element == id)
            .filter_map(|i| match &i.shape {
                Shape::Text(run) => Some(run.baseline),
                _ => None,
            })
            .collect();
        // The label's baseline is the first; the content's first line shares it.
        assert!(baselines.len() >= 2);
        assert!(
            baselines
                .iter()
                .filter(|b| (b.get() - baselines[0].get()).abs() < EXACT)
                .count()
                >= 2,
            "{id}"
        );
    }
}

#[test]
fn a_90_character_address_shrinks_then_wraps_within_its_row() {
    let address = "广西壮族自治区柳州市鱼峰区箭盘路十二号桂香园小区三栋一单元一百零一号门面及二楼二百零一至二百零八号房间（原柳州市第二机械厂职工宿舍改造项目东侧临街商铺，与箭盘山街道办事处大楼相邻）";
    assert_eq!(address.chars().count(), 90);
    let layout = lay_out(&sample_with("business_address", serde_json::json!(address))).unwrap();
    let content = placement(&layout, "business_address", Part::Content);
    let area = content.area.unwrap();
    assert!(
        area.contains(&content.laid_out, Mm(1e-9)),
        "{} not in {area}",
        content.laid_out
    );
    assert!(close(area.bottom(), 195.0, EXACT) && close(area.right(), 385.0, EXACT));
    assert_eq!(content.lines, Some(2));
    let size = content.size.unwrap();
    assert!(size >= Pt(10.5) && size <= Pt(20.0), "{size}");
}

#[test]
fn twelve_permits_wrap_and_shrink_into_the_band() {
    let permits: Vec<String> = (1..=12)
        .map(|i| format!("第{i}类许可：食品经营许可证（JY2450203{i:07}）"))
        .collect();
    // Twelve permits are too many for a listing QR code; the record carries the URL form.
    let mut record = sample_with("permits", serde_json::json!(permits));
    record.values.insert(
        "qr_url".into(),
        certpress::record::RawValue::Text("https://example.gov.cn/l/1".into()),
    );
    let layout = lay_out(&record).unwrap();
    let content = placement(&layout, "permits", Part::Content);
    let area = content.area.unwrap();
    assert!(area.contains(&content.laid_out, Mm(1e-9)));
    assert!(close(area.top(), 196.0, EXACT) && close(area.bottom(), 216.0, EXACT));
    assert!(content.lines.unwrap() >= 3);
    assert!(content.size.unwrap() >= Pt(9.0) && content.size.unwrap() < Pt(20.0));
}

#[test]
fn a_permit_list_too_long_for_9_pt_is_refused_naming_the_field() {
    let permits: Vec<String> = (1..=24)
        .map(|i| format!("第{i}项许可：公共场所卫生许可证（柳鱼卫公字〔2022〕第{i:04}号）"))
        .collect();
    let err = lay_out(&sample_with("permits", serde_json::json!(permits))).unwrap_err();
    let Error::Overflow {
        element,
        chars,
        needed,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(
        element.contains("permits") && element.contains("许可项目"),
        "{element}"
    );
    assert!(*chars > 700);
    assert!(needed.contains("9.00 pt"), "{needed}");
    // Machine-readable reports (a batch's errors.jsonl) name the record field alone.
    assert_eq!(err.field(), Some("permits"));
}

#[test]
fn mixed_latin_and_cjk_names_lay_out_without_splitting_words() {
    let name = "柳州 Golden Snail Foods 螺蛳粉（Liuzhou）Co., Ltd. 第2分店";
    let layout = lay_out(&sample_with("operator_name", serde_json::json!(name))).unwrap();
    let content = placement(&layout, "operator_name", Part::Content);
    assert_eq!(content.lines, Some(1));
    assert!(content.area.unwrap().contains(&content.laid_out, Mm(1e-9)));
}

#[test]
fn a_character_in_no_face_is_an_error_with_its_code_point() {
    let err = lay_out(&sample_with(
        "operator_name",
        serde_json::json!("柳州\u{E000}店"),
    ))
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MissingGlyph {
                character: '\u{E000}',
                ..
            }
        ),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("U+E000") && message.contains("operator_name"),
        "{message}"
    );
    assert_eq!(err.field(), Some("operator_name"));
}

#[test]
fn chinese_size_names_are_points() {
    assert_eq!(FontSize::parse("小一").unwrap().pt(), Pt(24.0));
    assert_eq!(FontSize::parse("小五").unwrap().pt(), Pt(9.0));
}

mod typography {
    //! Flowing contents set as clreq asks (compressed punctuation, justified lines): on
    //! random permit lists, no glyph leaves its box, no two glyphs' ink overlaps, and the
    //! text never needs smaller type or more lines than with every mark full width.
    use super::*;
    use certpress::display::Shape;
    use certpress::spec::LoadedSpec;
    use certpress::{Record, Template};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// The Liuzhou spec with every mark full width and ragged lines, as before.
    fn full_width() -> &'static Template {
        static CELL: OnceLock<Template> = OnceLock::new();
        CELL.get_or_init(|| {
            let text = std::fs::read_to_string(SPEC)
                .unwrap()
                .replace("punctuation: Compressed,", "")
                .replace("justify: true,", "");
            Template::prepare(
                LoadedSpec::from_str(&text, SPEC).unwrap(),
                &Default::default(),
            )
            .unwrap()
        })
    }

    fn record(permits: &[String]) -> Record {
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
        json["permits"] = serde_json::json!(permits);
        Record::from_json(&json.to_string(), "permits").unwrap()
    }

    /// Every glyph of the permits' content: its ink box in mm, line by line.
    fn glyph_inks(
        template: &Template,
        layout: &certpress::layout::Layout,
    ) -> Vec<Vec<certpress::Rect>> {
        let mut lines: Vec<(f64, Vec<certpress::Rect>)> = Vec::new();
        for item in layout.page.items.iter().filter(|i| i.element == "permits") {
            let Shape::Text(run) = &item.shape else {
                continue;
            };
            let face = template.fonts().face(run.face).parse().unwrap();
            let scale = run.size.to_mm().get() / f64::from(face.units_per_em());
            for glyph in &run.glyphs {
                let Some(b) = face.glyph_bounding_box(ttf_parser::GlyphId(glyph.id)) else {
                    continue;
                };
                let x = glyph.x.get();
                let base = run.baseline.get();
                let ink = certpress::Rect::from_ltrb(
                    Mm(x + f64::from(b.x_min) * scale),
                    Mm(base - f64::from(b.y_max) * scale),
                    Mm(x + f64::from(b.x_max) * scale),
                    Mm(base - f64::from(b.y_min) * scale),
                )
                .unwrap();
                match lines.iter_mut().find(|(y, _)| (*y - base).abs() < 1e-6) {
                    Some((_, glyphs)) => glyphs.push(ink),
                    None => lines.push((base, vec![ink])),
                }
            }
        }
        lines.into_iter().map(|(_, g)| g).collect()
    }

    /// The permits' text as the page sets it.
    fn permits_text(layout: &certpress::layout::Layout) -> String {
        layout
            .page
            .items
            .iter()
            .filter(|i| i.element == "permits")
            .filter_map(|i| match &i.shape {
                Shape::Text(run) => Some(run.glyphs.iter().map(|g| g.text).collect::<String>()),
                _ => None,
            })
            .collect()
    }

    fn permit() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("食品经营许可证".to_owned()),
            Just("公共场所卫生许可证".to_owned()),
            Just("（柳鱼卫公字〔2022〕第0087号）".to_owned()),
            Just("《药品经营许可证》".to_owned()),
            Just("“小餐饮”登记".to_owned()),
            Just("JY24502030012345".to_owned()),
            Just("，含冷食类".to_owned()),
            Just("。".to_owned()),
            Just("、".to_owned()),
        ];
        proptest::collection::vec(piece, 1..5).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]
        #[test]
        fn justified_compressed_text_stays_in_its_box_without_overlaps(
            permits in proptest::collection::vec(permit(), 1..6)
        ) {
            let record = record(&permits);
            let (Ok(ours), Ok(before)) = (
                liuzhou().issue(&record).map(|l| l.into_layout()),
                full_width().issue(&record).map(|l| l.into_layout()),
            ) else {
                // Too long for the box either way: refused, as before.
                let refused_before = full_width().issue(&record).is_err();
                prop_assert!(refused_before, "refused only with compressed punctuation");
                return Ok(());
            };
            let placement = |layout: &certpress::layout::Layout| {
                layout.report.iter().find(|p| p.element == "permits" && p.part == Part::Content).cloned().unwrap()
            };
            let (p, q) = (placement(&ours), placement(&before));
            // Never smaller type, never more lines at the same size.
            prop_assert!(p.size.unwrap() >= q.size.unwrap() - Pt(0.011), "{:?} < {:?}", p.size, q.size);
            if (p.size.unwrap() - q.size.unwrap()).0.abs() < 0.011 {
                prop_assert!(p.lines.unwrap() <= q.lines.unwrap());
            }
            // The ink inside the content's box (a glyph's own overhang past its advance, a
            // J's hook, aside: 3 % of an em).
            let area = p.area.unwrap();
            let ink = p.ink.unwrap();
            let overhang = p.size.unwrap().to_mm() * 0.03;
            prop_assert!(ink.left() >= area.left() - overhang && ink.right() <= area.right() + overhang,
                "ink {ink} outside {area}");
            // No two glyphs' ink overlapping on a line.
            for line in glyph_inks(liuzhou(), &ours) {
                let mut sorted = line.clone();
                sorted.sort_by(|a, b| a.left().get().total_cmp(&b.left().get()));
                for pair in sorted.windows(2) {
                    prop_assert!(pair[0].right() <= pair[1].left() + Mm(0.02),
                        "{} overlaps {}", pair[0], pair[1]);
                }
            }
        }
    }

    #[test]
    fn adjacent_marks_are_compressed_and_a_wrapped_line_reaches_the_right_edge() {
        let permits = [
            "食品经营许可证（JY24502030012345）".to_owned(),
            "公共场所卫生许可证（柳鱼卫公字〔2022〕第0087号）".to_owned(),
            "户外广告设置许可（柳鱼城管广字〔2022〕第056号）".to_owned(),
        ];
        let layout = liuzhou().issue(&record(&permits)).unwrap().into_layout();
        let lines = glyph_inks(liuzhou(), &layout);
        assert!(lines.len() >= 2);
        let p = layout
            .report
            .iter()
            .find(|p| p.element == "permits" && p.part == Part::Content)
            .unwrap();
        let em = p.size.unwrap().to_mm().get();
        // Line 1 is justified: its last glyph's ink ends within half an em of the edge.
        let right = lines[0].iter().map(|r| r.right().get()).fold(0.0, f64::max);
        assert!(
            p.area.unwrap().right().get() - right < 0.5 * em,
            "line 1 stops {:.2} mm short",
            p.area.unwrap().right().get() - right
        );
        // "）；": the ink gap between the two marks is under half an em.
        let text = permits_text(&layout);
        assert!(
            text.contains("）；公共"),
            "the items joined with ；: {text}"
        );
    }

    #[test]
    fn an_item_ending_in_its_own_punctuation_gets_no_separator() {
        let permits = [
            "食品经营许可证。".to_owned(),
            "公共场所卫生许可证".to_owned(),
        ];
        let layout = liuzhou().issue(&record(&permits)).unwrap().into_layout();
        let text = permits_text(&layout);
        assert!(text.contains("许可证。公共"), "{text}");
        assert!(!text.contains("。；"), "{text}");
    }
}

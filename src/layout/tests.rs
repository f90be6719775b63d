//! The line breaker and the fitting solver under property tests, on the Liuzhou faces.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::{fit, linebreak, text};
use crate::fonts::{FontBook, FontOptions};
use crate::spec::{Fit, LoadedSpec};
use crate::units::{FontSize, Mm, Pt};

/// The Liuzhou spec's faces, loaded once.
fn fonts() -> &'static FontBook {
    static BOOK: OnceLock<FontBook> = OnceLock::new();
    BOOK.get_or_init(|| {
        let spec = LoadedSpec::load("specs/liuzhou/licence.ron").unwrap();
        FontBook::load(&spec, &FontOptions::default()).unwrap()
    })
}

fn shape(text: &str) -> text::ShapedText {
    text::shape(fonts(), "宋体", text, "test").unwrap()
}

#[test]
fn line_breaking_keeps_closing_punctuation_off_line_starts() {
    let shaped = shape("许可证（柳鱼卫公字〔2022〕第0087号），公共场所卫生许可证。");
    let units = linebreak::units(&shaped);
    for width in 10..60 {
        let Some(lines) =
            linebreak::break_lines(&shaped, &units, Pt(20.0), Pt::ZERO, Mm(f64::from(width)))
        else {
            continue;
        };
        for line in lines {
            let first = shaped.chars[line.start].ch;
            let last = shaped.chars[line.end - 1].ch;
            assert!(
                !linebreak::NO_LINE_START.contains(first),
                "line starts with {first}"
            );
            assert!(
                !linebreak::NO_LINE_END.contains(last),
                "line ends with {last}"
            );
        }
    }
}

/// Characters the property tests draw from: CJK, Latin, digits, spaces and punctuation.
fn text_strategy() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> =
        "柳州市鱼峰区许可证食品经营店王䶮abcXYZ0123456789 （）《》，。；：、！？“”〔〕.-/"
            .chars()
            .collect();
    proptest::collection::vec(proptest::sample::select(alphabet), 1..120)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn fitted_text_fits_or_is_refused(text in text_strategy(), width in 5.0f64..300.0, height in 5.0f64..40.0, min in 5.0f64..20.0) {
        let shaped = shape(&text);
        let setting = fit::Setting { tracking: Pt::ZERO, line_height: 1.2, em_top: 0.88 };
        let area = fit::Area { width: Mm(width), top: Mm(0.0), bottom: Mm(height), baseline: Pt(20.0).to_mm() * 0.88 };
        let stages = fit::stages(&Fit::ShrinkWrap { min: FontSize(Pt(min)), max_lines: None }, Pt(20.0));
        if let Some(fitted) = fit::fit_set(&shaped, setting, area, &stages, None) {
            prop_assert!(fitted.size >= Pt(min) && fitted.size <= Pt(20.0));
            let em = fitted.size.to_mm();
            let n = fitted.lines.len();
            let bottom = area.baseline + em * 1.2 * (n.max(1) - 1) as f64 + em * 0.12;
            prop_assert!(bottom <= Mm(height + 1e-9), "bottom {} > {}", bottom, height);
            let mut covered = 0;
            for (i, line) in fitted.lines.iter().enumerate() {
                prop_assert!(shaped.width(line.clone(), fitted.size, Pt::ZERO) <= Mm(width + 1e-9));
                let first = shaped.chars[line.start].ch;
                let last = shaped.chars[line.end - 1].ch;
                // The text's own first and last characters have nowhere else to go.
                prop_assert!(i == 0 || !linebreak::NO_LINE_START.contains(first), "starts with {}", first);
                prop_assert!(i + 1 == n || !linebreak::NO_LINE_END.contains(last), "ends with {}", last);
                covered += line.len();
            }
            // No character lost except spaces dropped at breaks.
            let non_space = shaped.chars.iter().filter(|c| c.ch != ' ').count();
            prop_assert!(covered >= non_space);
        } else {
            // Refused: then it does not fit at the floor size either.
            let floor = fit::fit_set(&shaped, setting, area, &[fit::Stage { min: Pt(min), max: Pt(min), max_lines: u32::MAX }], None);
            prop_assert!(floor.is_none());
        }
    }
}

/// The full content face (16 MB) stands behind the GB 2312 copy: a fresh book has read every
/// family's leading face and not it; a character beyond GB 2312 reads it and is set in it.
#[test]
fn a_fallback_face_is_read_only_when_a_character_reaches_it() {
    let spec = LoadedSpec::load("specs/liuzhou/licence.ron").unwrap();
    let book = FontBook::load(&spec, &FontOptions::default()).unwrap();
    let chain = &book.family("宋体").unwrap().faces;
    let full = *chain.last().unwrap();
    assert!(book.face(full).path.ends_with("NotoSerifCJKsc-Regular.otf"));
    for name in ["大标宋", "黑体", "宋体", "隶书"] {
        let lead = book.family(name).unwrap().faces[0];
        assert!(book.face(lead).is_read(), "{name}'s leading face not read");
    }
    assert!(!book.face(full).is_read(), "the fallback was read up front");
    let common = text::shape(&book, "宋体", "柳州市螺蛳粉有限公司", "test").unwrap();
    assert!(common.chars.iter().all(|c| c.face == chain[0]));
    assert!(!book.face(full).is_read(), "GB 2312 text read the fallback");
    let rare = text::shape(&book, "宋体", "王䶮", "test").unwrap();
    assert!(book.face(full).is_read());
    assert_eq!(rare.chars[0].face, chain[0]);
    assert_eq!(rare.chars[1].face, full);
}

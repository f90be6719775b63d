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

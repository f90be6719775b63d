//! Fitting a content into its box: shrink, wrap, or both, in stages.
//!
//! Every fit policy of the spec reduces to a list of [`Stage`]s: the largest size in
//! `min..=max` at which the text fits in at most `max_lines` lines. Stages are tried in
//! order. Within a stage the size is found by bisection to 0.01 pt, and the size returned
//! is one that was proven to fit, so the result never leaves its box.

use std::ops::Range;

use super::linebreak;
use super::punctuation::Typeset;
use super::text::ShapedText;
use crate::spec::{Fit, FitStage};
use crate::units::{Mm, Pt};

/// Bisection stops when the interval is narrower than this.
const SIZE_PRECISION: Pt = Pt(0.01);

/// One attempt: sizes `min..=max`, at most `max_lines` lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage {
    /// Smallest size.
    pub min: Pt,
    /// Largest size.
    pub max: Pt,
    /// Most lines (`u32::MAX`: as many as the box holds).
    pub max_lines: u32,
}

/// The stages a spec's fit policy means, for a content of nominal size `nominal`.
pub fn stages(fit: &Fit, nominal: Pt) -> Vec<Stage> {
    let lines = |n: Option<u32>| n.unwrap_or(u32::MAX);
    match fit {
        Fit::None => vec![Stage {
            min: nominal,
            max: nominal,
            max_lines: 1,
        }],
        Fit::Shrink { min } => vec![Stage {
            min: min.pt(),
            max: nominal,
            max_lines: 1,
        }],
        Fit::Wrap { max_lines } => vec![Stage {
            min: nominal,
            max: nominal,
            max_lines: lines(*max_lines),
        }],
        Fit::ShrinkWrap { min, max_lines } => {
            vec![Stage {
                min: min.pt(),
                max: nominal,
                max_lines: lines(*max_lines),
            }]
        }
        Fit::Stages(list) => list
            .iter()
            .map(
                |FitStage {
                     max_lines,
                     min,
                     max,
                 }| Stage {
                    min: min.pt(),
                    max: max.map_or(nominal, |m| m.pt()),
                    max_lines: lines(*max_lines),
                },
            )
            .collect(),
    }
}

/// The box a content must stay in, and where its first baseline is.
#[derive(Debug, Clone, Copy)]
pub struct Area {
    /// Width available to every line.
    pub width: Mm,
    /// Top edge of the box.
    pub top: Mm,
    /// Bottom edge of the box.
    pub bottom: Mm,
    /// The first line's baseline (the label's).
    pub baseline: Mm,
}

/// A text fitted into its area.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The size chosen.
    pub size: Pt,
    /// The lines, as character ranges.
    pub lines: Vec<Range<usize>>,
}

/// Typography the fit needs besides the size.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Extra space between characters.
    pub tracking: Pt,
    /// Baseline distance as a multiple of the size.
    pub line_height: f64,
    /// Em-box top above the baseline, fraction of the size.
    pub em_top: f64,
}

/// Fits `text` into `area`, trying `stages` in order; `None` when no stage fits. Lines
/// are measured as `typeset` sets them (compressed punctuation, justified lines that may
/// take from their marks' blanks) when given, else at the characters' advances.
pub fn fit_set(
    text: &ShapedText,
    setting: Setting,
    area: Area,
    stages: &[Stage],
    typeset: Option<&Typeset>,
) -> Option<Fitted> {
    let units = linebreak::units(text);
    let try_size = |size: Pt, max_lines: u32| -> Option<Vec<Range<usize>>> {
        let lines = match typeset {
            Some(t) if t.justify => {
                linebreak::break_lines_balanced(text, &units, area.width, &|range| {
                    t.min_width(range, size, setting.tracking)
                })?
            }
            Some(t) => linebreak::break_lines_by(text, &units, area.width, &|range| {
                t.min_width(range, size, setting.tracking)
            })?,
            None => linebreak::break_lines(text, &units, size, setting.tracking, area.width)?,
        };
        let n = lines.len().max(1);
        (n as u64 <= u64::from(max_lines) && fits_vertically(setting, area, size, n))
            .then_some(lines)
    };
    for stage in stages {
        if let Some(lines) = try_size(stage.max, stage.max_lines) {
            return Some(Fitted {
                size: stage.max,
                lines,
            });
        }
        let Some(mut best) = try_size(stage.min, stage.max_lines).map(|l| (stage.min, l)) else {
            continue;
        };
        let mut fail = stage.max;
        while fail - best.0 > SIZE_PRECISION {
            let mid = (best.0 + fail) / 2.0;
            match try_size(mid, stage.max_lines) {
                Some(lines) => best = (mid, lines),
                None => fail = mid,
            }
        }
        return Some(Fitted {
            size: best.0,
            lines: best.1,
        });
    }
    None
}

/// Whether `lines` lines at `size` stay between the area's top and bottom.
fn fits_vertically(setting: Setting, area: Area, size: Pt, lines: usize) -> bool {
    let em = size.to_mm();
    let top = area.baseline - em * setting.em_top;
    let last_baseline = area.baseline + em * setting.line_height * (lines - 1) as f64;
    let bottom = last_baseline + em * (1.0 - setting.em_top);
    top >= area.top - Mm(1e-9) && bottom <= area.bottom + Mm(1e-9)
}

/// What the text would need at `size` in `area`'s width: a sentence for the refusal.
pub fn needed(text: &ShapedText, setting: Setting, area: Area, size: Pt) -> String {
    let units = linebreak::units(text);
    match linebreak::break_lines(text, &units, size, setting.tracking, area.width) {
        None => {
            let widest = units
                .iter()
                .map(|u| text.width(u.clone(), size, setting.tracking))
                .fold(Mm::ZERO, Mm::max);
            format!(
                "{widest} for one unbreakable word at {size}; the box is {} wide",
                area.width
            )
        }
        Some(lines) => {
            let em = size.to_mm();
            let height = em * setting.line_height * (lines.len().max(1) - 1) as f64 + em;
            let one_line = text.width(0..text.chars.len(), size, setting.tracking);
            format!(
                "{} lines and {height} of height at {size} (one line would be {one_line} long); \
                 the box is {} wide and {} high",
                lines.len(),
                area.width,
                area.bottom - area.top
            )
        }
    }
}

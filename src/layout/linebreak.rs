//! Line breaking with the Chinese rules (禁则).
//!
//! The text is cut into unbreakable units: a CJK character, a run of Latin letters and
//! digits (words and numbers are never split), or a space. A closing punctuation mark
//! joins the unit before it (no line starts with ，。、；：？！）》」』), an opening mark joins
//! the unit after it (no line ends with （《「『). Lines are filled greedily; a space at a
//! break is dropped.

use std::ops::Range;

use super::text::ShapedText;
use crate::units::{Mm, Pt};

/// Characters that must not start a line.
pub const NO_LINE_START: &str = "，。、；：？！）》」』】〕〗〙〛〉｝］’”…‥·・—～%‰,.;:?!)]}›»°℃";
/// Characters that must not end a line.
pub const NO_LINE_END: &str = "（《「『【〔〖〘〚〈｛［‘“([{‹«";

fn is_space(c: char) -> bool {
    c == ' ' || c == '\u{3000}'
}

/// Whether `c` belongs to a Latin-like word that must not be split: letters and digits
/// of non-CJK scripts and the ASCII marks inside URLs, codes and numbers (`3.5`, `A-1`).
fn is_word_char(c: char) -> bool {
    (c.is_alphanumeric() && !is_cjk_like(c)) || (c.is_ascii_graphic() && !"([{)]}".contains(c))
}

/// Scripts set one character per unit: Han, kana, Hangul, CJK symbols and full-width forms.
fn is_cjk_like(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x30FF | 0x3100..=0x31FF | 0x3200..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7FF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// The unbreakable units of a text, as character ranges.
pub fn units(text: &ShapedText) -> Vec<Range<usize>> {
    let chars: Vec<char> = text.chars.iter().map(|c| c.ch).collect();
    let mut units: Vec<Range<usize>> = Vec::new();
    let mut glue_next = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut end = i + 1;
        if is_word_char(c) {
            while end < chars.len() && is_word_char(chars[end]) {
                end += 1;
            }
        }
        if c == '\n' {
            // A forced break is a unit of its own, glued to nothing.
            units.push(i..i + 1);
            glue_next = false;
            i += 1;
            continue;
        }
        let closing = NO_LINE_START.contains(c) && !is_space(c);
        match units.last_mut() {
            // Joined to the previous unit: closing marks, and anything after an opening
            // mark (spaces too, so the mark stays with the text it opens).
            Some(last) if (closing && !is_space(c)) || glue_next => last.end = end,
            _ => units.push(i..end),
        }
        glue_next = NO_LINE_END.contains(chars[end - 1]) || (glue_next && is_space(c));
        i = end;
    }
    units
}

/// Breaks `text` into lines no wider than `max_width` at `size`.
///
/// Returns `None` when a single unit is wider than the line. Each line is a character
/// range without leading or trailing spaces.
pub fn break_lines(
    text: &ShapedText,
    units: &[Range<usize>],
    size: Pt,
    tracking: Pt,
    max_width: Mm,
) -> Option<Vec<Range<usize>>> {
    break_lines_by(text, units, max_width, &|range| {
        text.width(range, size, tracking)
    })
}

/// [`break_lines`] with the width of a line measured by `width`: the least width a range
/// can be set in (compressed punctuation, a justified line's shrink).
pub fn break_lines_by(
    text: &ShapedText,
    units: &[Range<usize>],
    max_width: Mm,
    width: &dyn Fn(Range<usize>) -> Mm,
) -> Option<Vec<Range<usize>>> {
    let is_space_unit = |u: &Range<usize>| text.chars[u.clone()].iter().all(|c| is_space(c.ch));
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for unit in units {
        if text.chars[unit.clone()].iter().any(|c| c.ch == '\n') {
            // A forced break ends the line (an empty one when two follow each other).
            let line = current.take().unwrap_or(unit.start..unit.start);
            lines.push(trim_spaces(text, line));
            continue;
        }
        if is_space_unit(unit) {
            // A space only separates: it extends a line but never starts one.
            if let Some(line) = &mut current {
                line.end = unit.end;
            }
            continue;
        }
        let candidate = match &current {
            Some(line) => line.start..unit.end,
            None => unit.clone(),
        };
        if width(candidate.clone()) <= max_width {
            current = Some(candidate);
            continue;
        }
        if let Some(line) = current.take() {
            lines.push(trim_spaces(text, line));
        }
        if width(unit.clone()) > max_width {
            return None;
        }
        current = Some(unit.clone());
    }
    if let Some(line) = current {
        lines.push(trim_spaces(text, line));
    }
    Some(lines)
}

fn trim_spaces(text: &ShapedText, mut line: Range<usize>) -> Range<usize> {
    while line.end > line.start && is_space(text.chars[line.end - 1].ch) {
        line.end -= 1;
    }
    line
}

/// Breaks `text` into the fewest lines no wider than `max_width` (as [`break_lines_by`]
/// measures them), choosing among the breaks that give that many lines the ones that
/// spread the slack most evenly: a justified line then stretches no more than it must,
/// instead of one line taking all the room a long unbreakable word left. The last line of
/// each paragraph is free. `None` when a single unit is wider than the line.
pub fn break_lines_balanced(
    text: &ShapedText,
    units: &[Range<usize>],
    max_width: Mm,
    width: &dyn Fn(Range<usize>) -> Mm,
) -> Option<Vec<Range<usize>>> {
    let mut lines = Vec::new();
    // Paragraphs: the runs of units between forced breaks.
    let mut start = 0;
    for (i, unit) in units.iter().enumerate() {
        if text.chars[unit.clone()].iter().any(|c| c.ch == '\n') {
            lines.extend(paragraph(
                text,
                &units[start..i],
                max_width,
                width,
                unit.start,
            )?);
            start = i + 1;
        }
    }
    if start < units.len() || units.is_empty() {
        let end = units.last().map_or(0, |u| u.end);
        lines.extend(paragraph(text, &units[start..], max_width, width, end)?);
    }
    Some(lines)
}

/// One paragraph's lines (`units` without forced breaks; `end`: where it ends when empty).
fn paragraph(
    text: &ShapedText,
    units: &[Range<usize>],
    max_width: Mm,
    width: &dyn Fn(Range<usize>) -> Mm,
    end: usize,
) -> Option<Vec<Range<usize>>> {
    // Breaks may fall before any unit that is not a space; a space at a break is dropped.
    let is_space_unit = |u: &Range<usize>| text.chars[u.clone()].iter().all(|c| is_space(c.ch));
    let starts: Vec<usize> = (0..units.len())
        .filter(|&k| !is_space_unit(&units[k]))
        .collect();
    if starts.is_empty() {
        #[allow(clippy::single_range_in_vec_init)] // one empty line
        return Some(vec![end..end]);
    }
    let n = starts.len();
    // The characters of the line from break k to break m (exclusive), spaces trimmed.
    let line = |k: usize, m: usize| -> Range<usize> {
        let last = if m == n { units.len() } else { starts[m] };
        trim_spaces(text, units[starts[k]].start..units[last - 1].end)
    };
    const LINE: f64 = 1e12;
    // best[m]: (cost, previous break) of the best setting of units before break m.
    let mut best: Vec<Option<(f64, usize)>> = vec![None; n + 1];
    best[0] = Some((0.0, 0));
    for m in 1..=n {
        let mut choice: Option<(f64, usize)> = None;
        for k in (0..m).rev() {
            let Some((before, _)) = best[k] else { continue };
            let range = line(k, m);
            let w = width(range);
            if w > max_width {
                if m - k == 1 {
                    return None;
                }
                // Longer lines from further back do not fit either.
                break;
            }
            let slack = if m == n { 0.0 } else { (max_width - w).get() };
            let cost = before + LINE + slack * slack;
            if choice.is_none_or(|(c, _)| cost < c) {
                choice = Some((cost, k));
            }
        }
        best[m] = choice;
    }
    let mut breaks = vec![n];
    let mut m = n;
    while m > 0 {
        let (_, k) = best[m]?;
        breaks.push(k);
        m = k;
    }
    breaks.reverse();
    Some(breaks.windows(2).map(|w| line(w[0], w[1])).collect())
}

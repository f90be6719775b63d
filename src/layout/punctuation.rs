//! Chinese punctuation width adjustment (标点挤压) and justification (两端对齐) of flowing
//! contents, after W3C's *Requirements for Chinese Text Layout* (clreq, §3.1.6 on
//! punctuation width adjustment and §3.4 on line adjustment) and GB/T 15834.
//!
//! A full-width punctuation mark is half ink, half blank. In the GB (corner-aligned)
//! style of Simplified Chinese faces, a closing mark (，。、；： and closing brackets) has its
//! ink on the left and a half-em blank on the right; an opening bracket its ink on the right
//! and the blank on the left. Adjusting takes blanks away, never ink, so no glyph ever
//! overlaps another:
//! - two marks side by side keep half an em between their inks: a closing mark before
//!   another mark gives up its right blank; an opening mark after an opening mark gives
//!   up its left blank;
//! - an opening bracket that starts a line gives up its left blank, a closing mark that
//!   ends one its right blank, so the ink meets the box's edges;
//! - between Han and a Latin word or number, a quarter em (clreq §3.2.2).
//!
//! Justification sets every line but a paragraph's last to both edges of its box: a line
//! short of the edge gets the difference spread over the gaps between its units (never
//! inside a Latin word or number); a line over the edge by less than its marks' remaining
//! blanks can give (a quarter em each, so a mark keeps three quarters of its width) takes it
//! from them, which lets the line breaker fill lines that would otherwise stretch.
//!
//! What is and is not covered: `？！` are left full-width (many SC faces centre them);
//! ·、— and ellipses are not adjusted; vertical text is not set here.

use std::ops::Range;

pub(crate) use crate::spec::Punctuation;
use crate::units::{Mm, Pt};

/// Closing marks with a right blank in GB-style faces.
const CLOSING: &str = "，。、；：）》」』】〕〗〙〛〉｝］’”";
/// Opening marks with a left blank.
const OPENING: &str = "（《「『【〔〖〘〚〈｛［‘“";
/// The blank of a full-width mark, in em.
const BLANK: f64 = 0.5;
/// What a mark mid-line may give when a line is set tight, in em.
const SHRINK: f64 = 0.25;
/// The space between Han and Latin, in em (clreq §3.2.2).
const HAN_LATIN: f64 = 0.25;

/// What a mark is for adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Opening,
    Closing,
    Han,
    Latin,
    Other,
}

fn class(c: char, advance_em: f64) -> Class {
    // Only marks whose glyph is full width have a blank to give.
    let full = (advance_em - 1.0).abs() < 0.05;
    if full && CLOSING.contains(c) {
        Class::Closing
    } else if full && OPENING.contains(c) {
        Class::Opening
    } else if matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0x20000..=0x3FFFF) {
        Class::Han
    } else if c.is_ascii_alphanumeric() {
        Class::Latin
    } else {
        Class::Other
    }
}

/// Each character's adjustment, in em: taken off before it (`left`, negative moves it
/// left) and after it (`right`), for its place in the whole text; the edges of lines are
/// adjusted when a line is set ([`Line`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Adjust {
    /// Em removed before the character (its left blank), or added (negative).
    pub left: f64,
    /// Em removed after the character (its right blank), or added (negative).
    pub right: f64,
}

/// The adjustments of a text's characters (`chars`: each with its advance in em).
pub(crate) fn adjust(chars: &[(char, f64)], mode: Punctuation) -> Vec<Adjust> {
    let mut out = vec![Adjust::default(); chars.len()];
    if mode == Punctuation::Full {
        return out;
    }
    let classes: Vec<Class> = chars.iter().map(|&(c, a)| class(c, a)).collect();
    for i in 1..chars.len() {
        let (a, b) = (classes[i - 1], classes[i]);
        let mark = |k: Class| matches!(k, Class::Opening | Class::Closing);
        match (a, b) {
            // ）（  ）。  ，《 : the closing mark gives up its right blank.
            (Class::Closing, b) if mark(b) => out[i - 1].right = BLANK,
            // 《（ : the second opening mark gives up its left blank.
            (Class::Opening, Class::Opening) => out[i].left = BLANK,
            (Class::Han, Class::Latin) | (Class::Latin, Class::Han) => {
                out[i - 1].right = -HAN_LATIN;
            }
            _ => {}
        }
    }
    out
}

/// One line as set: each character's pen position from the line's left edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Pen positions of `range`'s characters, relative to the box's left edge.
    pub pens: Vec<Mm>,
    /// The line's width from the box's left edge to the end of its last advance, as set.
    pub width: Mm,
}

/// A content's characters ready to be set in lines: each with its advance in em, its
/// adjustment, and where each unbreakable unit starts.
#[derive(Debug, Clone)]
pub(crate) struct Typeset {
    /// Each character and its advance in em.
    pub chars: Vec<(char, f64)>,
    /// Their adjustments ([`adjust`]).
    pub adjust: Vec<Adjust>,
    /// Where each unbreakable unit (a Han character with its marks, a Latin word) starts,
    /// in order.
    pub unit_starts: Vec<usize>,
    /// Whether marks are compressed ([`Punctuation::Compressed`]).
    pub compress: bool,
    /// Whether lines but a paragraph's last are justified.
    pub justify: bool,
    /// Each character's class, worked out once: the line breaker asks of the edges of
    /// every candidate line.
    classes: Vec<Class>,
    /// How many of the characters before each index are marks with a blank still there
    /// (what [`Typeset::shrinkable`] counts): the line breaker asks of every candidate
    /// line, so the count is read off in constant time.
    shrinkable_before: Vec<u32>,
}

impl Typeset {
    /// `chars` (each with its advance in em) cut into `units`, adjusted by `mode`.
    pub fn new(
        chars: Vec<(char, f64)>,
        units: &[Range<usize>],
        mode: Punctuation,
        justify: bool,
    ) -> Self {
        let adjust = adjust(&chars, mode);
        let classes: Vec<Class> = chars.iter().map(|&(c, a)| class(c, a)).collect();
        let mut shrinkable_before = Vec::with_capacity(chars.len() + 1);
        let mut count = 0;
        shrinkable_before.push(count);
        for (&class, a) in classes.iter().zip(&adjust) {
            let gives = match class {
                Class::Closing => a.right == 0.0,
                Class::Opening => a.left == 0.0,
                _ => false,
            };
            count += u32::from(gives);
            shrinkable_before.push(count);
        }
        Self {
            chars,
            adjust,
            unit_starts: units.iter().map(|u| u.start).collect(),
            compress: mode == Punctuation::Compressed,
            justify,
            classes,
            shrinkable_before,
        }
    }

    /// The least width `range` can be set in as a line: its natural width, less what its
    /// marks can give when the line is justified.
    pub fn min_width(&self, range: Range<usize>, size: Pt, tracking: Pt) -> Mm {
        let natural = self.width(range.clone(), size, tracking);
        if self.justify {
            natural - self.shrinkable(range, size)
        } else {
            natural
        }
    }
}

impl Typeset {
    /// The natural width of `range` as a line at `size`, `tracking` between characters:
    /// the adjustments inside it, and its edges trimmed (an opening bracket at its start,
    /// a closing mark at its end) when `compress` is on.
    pub fn width(&self, range: Range<usize>, size: Pt, tracking: Pt) -> Mm {
        let em = size.to_mm().get();
        let (start_trim, end_trim) = self.edge_trims(&range);
        let mut width = 0.0;
        // The line breaker asks this of every candidate line: the slices are cut once,
        // not indexed (and bounds-checked) twice a character.
        let cut = range.start..range.end.max(range.start);
        let (adjust, chars) = (&self.adjust[cut.clone()], &self.chars[cut]);
        let last = range.len().saturating_sub(1);
        for (i, (a, c)) in adjust.iter().zip(chars).enumerate() {
            let right = if i == last { 0.0 } else { a.right };
            let left = if i == 0 { 0.0 } else { a.left };
            width += (c.1 - left - right) * em;
        }
        let gaps = range.len().saturating_sub(1) as f64;
        Mm(width - (start_trim + end_trim) * em) + tracking.to_mm() * gaps
    }

    /// What `range` can give when set tight: a quarter em from each mark mid-line whose
    /// blank is still there.
    pub fn shrinkable(&self, range: Range<usize>, size: Pt) -> Mm {
        if !self.compress || range.len() < 2 {
            return Mm::ZERO;
        }
        let em = size.to_mm().get();
        // The marks strictly inside the range: its first and last characters are its
        // edges, trimmed by `width` instead.
        let n = self.shrinkable_before[range.end - 1] - self.shrinkable_before[range.start + 1];
        Mm(n as f64 * SHRINK * em)
    }

    /// The blanks an opening bracket at the start and a closing mark at the end give.
    fn edge_trims(&self, range: &Range<usize>) -> (f64, f64) {
        if !self.compress || range.is_empty() {
            return (0.0, 0.0);
        }
        let (first, last) = (range.start, range.end - 1);
        let start = if self.classes[first] == Class::Opening && self.adjust[first].left == 0.0 {
            BLANK
        } else {
            0.0
        };
        let end = if self.classes[last] == Class::Closing && self.adjust[last].right == 0.0 {
            BLANK
        } else {
            0.0
        };
        (start, end)
    }

    /// Sets `range` as a line: each pen position from the box's left edge, with the
    /// adjustments, the trimmed edges and, when `fill` is given, the line justified to that
    /// width (spread over the gaps between units, or taken from the marks' blanks).
    pub fn set(&self, range: Range<usize>, size: Pt, tracking: Pt, fill: Option<Mm>) -> Line {
        let em = size.to_mm().get();
        let (start_trim, _) = self.edge_trims(&range);
        let natural = self.width(range.clone(), size, tracking);
        // Justification: the difference to the box's width.
        let (stretch_per_gap, shrink_per_mark) = match fill {
            Some(target) if target > natural => {
                let gaps = range
                    .clone()
                    .skip(1)
                    .filter(|i| self.unit_starts.binary_search(i).is_ok())
                    .count();
                let per = if gaps > 0 {
                    (target - natural).get() / gaps as f64
                } else {
                    0.0
                };
                (per, 0.0)
            }
            Some(target) if target < natural => {
                let can = self.shrinkable(range.clone(), size);
                let marks = (can.get() / (SHRINK * em)).round();
                let per = if marks > 0.0 {
                    ((natural - target).get() / marks).min(SHRINK * em)
                } else {
                    0.0
                };
                (0.0, per)
            }
            _ => (0.0, 0.0),
        };
        let mut pens = Vec::with_capacity(range.len());
        let mut pen = -start_trim * em;
        let mid = |i: usize| i > range.start && i + 1 < range.end;
        for i in range.clone() {
            let (advance, class) = (self.chars[i].1, self.classes[i]);
            let a = self.adjust[i];
            if i > range.start {
                pen -= a.left * em;
                if self.unit_starts.binary_search(&i).is_ok() {
                    pen += stretch_per_gap;
                }
                // A tight line: an opening mark mid-line gives from its left blank.
                if mid(i) && class == Class::Opening && a.left == 0.0 {
                    pen -= shrink_per_mark;
                }
            }
            pens.push(Mm(pen));
            pen += advance * em;
            if i + 1 < range.end {
                pen += tracking.to_mm().get() - a.right * em;
                // ... and a closing mark mid-line from its right blank.
                if mid(i) && class == Class::Closing && a.right == 0.0 {
                    pen -= shrink_per_mark;
                }
            }
        }
        let (_, end_trim) = self.edge_trims(&range);
        let width = Mm(pen - end_trim * em);
        Line { pens, width }
    }
}

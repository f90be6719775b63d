//! QR codes: the payload a spec defines, and a symbol sized to whole printer dots.
//!
//! "打印分辨率不低于300dpi": a module that is not a whole number of printer dots prints
//! uneven and scans badly. The symbol's version is chosen (at or above the smallest that
//! holds the payload) so that whole-dot modules fill the box as closely as possible, the
//! symbol is centred in the box, and its origin sits on the printer grid.

use std::sync::Arc;

use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::{Color, EcLevel as QrEc, QrResult, Version};

use crate::display::QrSymbol;
use crate::error::{Error, Result};
use crate::memo::Memo;
use crate::record::BoundRecord;
use crate::spec::{EcLevel, QrElement, Spec};
use crate::units::{Mm, Point};

/// The text a QR element encodes: the record's URL when it has one, otherwise one
/// `名称：内容` line per listed field (fields the record lacks are left out).
pub(crate) fn payload(qr: &QrElement, spec: &Spec, record: &BoundRecord) -> String {
    if let Some(url) = qr.url_key.as_deref().and_then(|key| record.get(key)) {
        return url.display("", Default::default());
    }
    let mut lines = Vec::new();
    for line in &qr.lines {
        let Some(value) = record.get(&line.key) else {
            continue;
        };
        let name = line
            .name
            .clone()
            .or_else(|| spec.fields.get(&line.key).map(|f| f.name.clone()))
            .unwrap_or_else(|| line.key.clone());
        let date_style = Default::default();
        lines.push(format!(
            "{name}{}{}",
            qr.separator,
            value.display(&qr.join, date_style)
        ));
    }
    lines.join("\n")
}

/// Builds the symbol for `data` in the element's box. `tolerance` bounds how far the
/// symbol's edges may fall inside the box's.
pub(crate) fn symbol(
    qr: &QrElement,
    data: &str,
    tolerance: Mm,
    masks: &MaskOverlays,
) -> Result<QrSymbol> {
    let ec = match qr.ec_level {
        EcLevel::L => QrEc::L,
        EcLevel::M => QrEc::M,
        EcLevel::Q => QrEc::Q,
        EcLevel::H => QrEc::H,
    };
    let dpi = qr.grid_dpi;
    let box_px = qr.size.to_px(dpi).floor() as i64;
    let slack_px = tolerance.to_px(dpi).floor() as i64;
    let too_dense = |width: usize| Error::QrTooDense {
        element: qr.id.clone(),
        bytes: data.len(),
        module_mm: qr.size.get() / width as f64,
        min_mm: qr.min_module.get(),
    };
    let first = smallest_version(data, ec).ok_or_else(|| too_dense(177))?;
    let smallest_width = 17 + 4 * first as usize;
    let min_module_px = qr.min_module.to_px(dpi).ceil() as i64;

    // (module px, version): the largest module that fills the box within the slack.
    let mut best: Option<(i64, i16)> = None;
    let mut fallback: Option<(i64, i64, i16)> = None;
    for version in first..=40 {
        let width = i64::from(17 + 4 * version);
        let module = box_px / width;
        if module < min_module_px.max(1) {
            break;
        }
        let fill = width * module;
        if box_px - fill <= slack_px && best.is_none_or(|(m, _)| module > m) {
            best = Some((module, version));
        }
        if fallback.is_none_or(|(f, _, _)| fill > f) {
            fallback = Some((fill, module, version));
        }
    }
    let (module_px, version) = best
        .or(fallback.map(|(_, m, v)| (m, v)))
        .ok_or_else(|| too_dense(smallest_width))?;
    let dark = encode(data, version, ec, masks).map_err(|e| Error::Render {
        message: format!("QR encoding failed: {e}"),
    })?;
    let width = 17 + 4 * version as usize;
    let fill_px = module_px * width as i64;
    let offset_px = (box_px - fill_px) / 2;
    let snap = |v: Mm| Mm::from_px(v.to_px(dpi).round() + offset_px as f64, dpi);
    Ok(QrSymbol {
        origin: Point::new(snap(qr.at.x), snap(qr.at.y)),
        module: Mm::from_px(module_px as f64, dpi),
        width,
        dark,
    })
}

/// The smallest version that holds `data` at `ec`, by bisection: capacity grows with the
/// version.
fn smallest_version(data: &str, ec: QrEc) -> Option<i16> {
    let versions: [i16; 40] = std::array::from_fn(|i| i as i16 + 1);
    let holds = |v: i16| holds(data, v, ec);
    versions
        .get(versions.partition_point(|&v| !holds(v)))
        .copied()
}

/// Encodes `data` as one byte-mode segment in `version`, announced as UTF-8 (ECI 26)
/// when it is not ASCII; returns the dark modules row by row.
///
/// Byte mode throughout: the automatic segmentation would put UTF-8 bytes that look like
/// Shift JIS into Kanji mode, which decoders turn into the wrong characters. Without the
/// ECI, decoders guess the charset, and some guess wrong for Chinese.
///
/// The mask is chosen here by the ISO/IEC 18004 penalty rules: `qrcode`'s own selection
/// allocates per module and takes about 20 ms for a version-18 symbol; this takes well
/// under one.
fn encode(data: &str, version: i16, ec: QrEc, masks: &MaskOverlays) -> QrResult<Vec<bool>> {
    let version = Version::Normal(version);
    let raw = bits(data, version, ec)?.into_bytes();
    let (codewords, ec_codewords) = qrcode::ec::construct_codewords(&raw, version, ec)?;
    let width = version.width() as usize;
    let overlays = masks.get(version, ec);
    let data_dark = placed(&codewords, &ec_codewords, &overlays.order, width);
    let overlays = &overlays.masks;
    // Rows and columns of the data as bits once, for symbols a `u128` line holds: each
    // mask is then a XOR of words. Wider symbols are scored module by module.
    let data = (width <= BITWISE_MAX_WIDTH).then(|| BitLines::of(&data_dark, width));
    let mut under = BitLines {
        rows: vec![0; width],
        columns: vec![0; width],
    };
    let mut score = |overlay: &Overlay| match (&overlay.lines, &data) {
        (Some(lines), Some(data)) => {
            for (out, (o, d)) in under.rows.iter_mut().zip(lines.rows.iter().zip(&data.rows)) {
                *out = o ^ d;
            }
            let columns = lines.columns.iter().zip(&data.columns);
            for (out, (o, d)) in under.columns.iter_mut().zip(columns) {
                *out = o ^ d;
            }
            under.penalty(width)
        }
        _ => modulewise_penalty(&masked(&overlay.modules, &data_dark), width),
    };
    // The first of the lowest penalties, as ISO/IEC 18004 leaves the tie to the encoder.
    let best = overlays
        .iter()
        .enumerate()
        .min_by_key(|(_, overlay)| score(overlay))
        .map(|(k, _)| k);
    Ok(best
        .map(|k| masked(&overlays[k].modules, &data_dark))
        .unwrap_or_default())
}

/// The eight mask patterns, in the order of their format-information numbers.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The dark modules, row by row, of `canvas` with `mask` applied (and the format
/// information that names it).
fn masked_modules(canvas: &Canvas, mask: MaskPattern) -> Vec<bool> {
    let mut masked = canvas.clone();
    masked.apply_mask(mask);
    masked
        .into_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect()
}

/// The dark modules of the codewords (data, then error correction) placed unmasked where
/// `order` says, each byte from its most significant bit; modules beyond the codewords
/// (the remainder bits) and function patterns are light. Placing them in a `qrcode`
/// canvas module by module was a seventh of a licence's instructions.
fn placed(data: &[u8], ec: &[u8], order: &[u32], width: usize) -> Vec<bool> {
    let mut dark = vec![false; width * width];
    let bits = data
        .iter()
        .chain(ec)
        .flat_map(|byte| (0..8).rev().map(move |bit| byte >> bit & 1 == 1));
    for (&module, bit) in order.iter().zip(bits) {
        dark[module as usize] = bit;
    }
    dark
}

/// Where data goes, module by module (ISO/IEC 18004 §7.7.3): columns in pairs from the
/// right, upward then downward in turn, the right module of a pair before the left;
/// the vertical timing pattern's column is stepped over, and function patterns are
/// skipped.
fn data_order(width: usize, function: &[bool]) -> Vec<u32> {
    let mut order = Vec::with_capacity(width * width);
    let mut upward = true;
    let mut right = width as i64 - 1;
    while right > 0 {
        if right == 6 {
            right -= 1;
        }
        for step in 0..width {
            let y = if upward { width - 1 - step } else { step };
            for x in [right, right - 1] {
                let module = y * width + x as usize;
                if !function[module] {
                    order.push(module as u32);
                }
            }
        }
        upward = !upward;
        right -= 2;
    }
    order
}

/// The dark data modules of `canvas` before masking, row by row (function patterns,
/// where `function` is true, are light here).
#[cfg(test)]
fn unmasked_data(canvas: Canvas, function: &[bool]) -> Vec<bool> {
    canvas
        .into_colors()
        .into_iter()
        .zip(function)
        .map(|(colour, &function)| !function && colour == Color::Dark)
        .collect()
}

/// What every symbol of `version` and `ec` looks like under each of the eight masks
/// before its data is added: the function patterns with the format information naming
/// the mask, and over the data area the mask's own dark modules. Masking inverts a data
/// module where the mask is dark, so a symbol under a mask is this overlay XOR its
/// unmasked data: eight XORs instead of eight passes of `qrcode`'s per-module masking.
/// Made once per version and level (at most 160) and kept by the owner of a
/// [`MaskOverlays`] (a prepared template).
#[derive(Debug)]
pub(crate) struct MaskOverlays(Memo<(i16, u8), Overlays>);

/// The eight overlays of a version and level, and which of its modules are function
/// patterns (the rest hold data).
#[derive(Debug)]
struct Overlays {
    masks: [Overlay; 8],
    /// The data modules in placement order ([`data_order`]).
    order: Vec<u32>,
}

/// One mask's overlay: its modules, and (for symbols a `u128` line holds) its rows and
/// columns as bits.
#[derive(Debug)]
struct Overlay {
    modules: Vec<bool>,
    lines: Option<BitLines>,
}

impl Default for MaskOverlays {
    fn default() -> Self {
        Self(Memo::new(40 * 4))
    }
}

impl MaskOverlays {
    fn get(&self, version: Version, ec: QrEc) -> Arc<Overlays> {
        self.0.get_or_make(&(version.width(), ec as u8), || {
            let blank = blank(version, ec);
            let width = version.width() as usize;
            let order = data_order(width, &function_patterns(&blank, width));
            let masks = MASKS.map(|mask| {
                let modules = masked_modules(&blank, mask);
                let lines = (width <= BITWISE_MAX_WIDTH).then(|| BitLines::of(&modules, width));
                Overlay { modules, lines }
            });
            Arc::new(Overlays { masks, order })
        })
    }
}

/// A symbol of `version` and `ec` with its function patterns and nothing else.
fn blank(version: Version, ec: QrEc) -> Canvas {
    let mut blank = Canvas::new(version, ec);
    blank.draw_all_functional_patterns();
    blank
}

/// Which modules of `blank` are function patterns, row by row.
fn function_patterns(blank: &Canvas, width: usize) -> Vec<bool> {
    (0..width as i16)
        .flat_map(|y| (0..width as i16).map(move |x| (x, y)))
        .map(|(x, y)| blank.get(x, y) != Module::Empty)
        .collect()
}

/// A symbol's modules under the mask of `overlay`, given its unmasked `data`.
fn masked(overlay: &[bool], data: &[bool]) -> Vec<bool> {
    overlay.iter().zip(data).map(|(&o, &d)| o ^ d).collect()
}

/// The ISO/IEC 18004 §7.8.3 penalty of a masked symbol: runs of five or more, 2 × 2
/// blocks, finder-like patterns, and dark/light imbalance. (The encoder scores masks
/// through [`BitLines::penalty`] or [`modulewise_penalty`]; this is what the tests hold
/// both to.)
#[cfg(test)]
fn penalty(dark: &[bool], width: usize) -> u32 {
    if width <= BITWISE_MAX_WIDTH {
        bitwise_penalty(dark, width)
    } else {
        modulewise_penalty(dark, width)
    }
}

/// Widest symbol scored a row or column per 128-bit word: a finder-like pattern's four
/// light modules after the line's end must still fall inside the word (version 26).
const BITWISE_MAX_WIDTH: usize = 124;

/// [`penalty`] with each row and column one `u128` (bit k = module k, 1 = dark): runs,
/// 2 × 2 blocks and finder-like patterns become shifts, masks and population counts.
#[cfg(test)]
fn bitwise_penalty(dark: &[bool], width: usize) -> u32 {
    BitLines::of(dark, width).penalty(width)
}

/// An 8 × 8 bit matrix, row i in byte i (bit j = column j), transposed.
fn transpose_8x8(mut x: u64) -> u64 {
    let t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x ^= t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x ^= t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^ t ^ (t << 28)
}

/// A symbol's rows and columns, each one `u128` (bit k = module k, 1 = dark).
#[derive(Debug)]
struct BitLines {
    rows: Vec<u128>,
    columns: Vec<u128>,
}

impl BitLines {
    fn of(dark: &[bool], width: usize) -> Self {
        // This runs for every licence: rows eight modules at a time.
        let gather = |eight| u64::from(crate::display::gather_eight(eight));
        let rows: Vec<u128> = dark
            .chunks_exact(width)
            .map(|row| {
                let mut eights = row.chunks_exact(8);
                let mut bits = 0u128;
                for (k, eight) in eights.by_ref().enumerate() {
                    let eight = eight.try_into().unwrap_or_default();
                    bits |= u128::from(gather(eight)) << (8 * k);
                }
                let rest = eights.remainder();
                if rest.is_empty() {
                    return bits;
                }
                let last = std::array::from_fn(|i| rest.get(i).copied().unwrap_or(false));
                bits | u128::from(gather(last)) << (width - rest.len())
            })
            .collect();
        // Columns: the rows' bit matrix transposed in blocks of 8 × 8 bits, each block a
        // word (byte i = row i) transposed by three swaps (Hacker's Delight, §7-3).
        let mut columns = vec![0u128; width];
        for top in (0..width).step_by(8) {
            for left in (0..width).step_by(8) {
                let block = (0..8)
                    .filter_map(|i| rows.get(top + i).map(|row| (i, row)))
                    .fold(0u64, |word, (i, row)| {
                        word | u64::from((row >> left) as u8) << (8 * i)
                    });
                let block = transpose_8x8(block);
                for (j, column) in columns[left..].iter_mut().take(8).enumerate() {
                    *column |= u128::from((block >> (8 * j)) as u8) << top;
                }
            }
        }
        Self { rows, columns }
    }

    /// The ISO/IEC 18004 §7.8.3 penalty of the symbol these lines are: runs, 2 × 2
    /// blocks and finder-like patterns as shifts, masks and population counts.
    fn penalty(&self, width: usize) -> u32 {
        let (rows, columns) = (&self.rows, &self.columns);
        let line_mask: u128 = (1 << width) - 1;
        let line = |bits: u128| -> u32 {
            // N1: a run of L ≥ 5 modules of one colour scores L − 2: the L − 4 places where
            // five in a row start, plus 2 for the run's first such place. Dark and light
            // fives never start at one place, so both colours are counted at once (a
            // `u128`'s population count is some thirty instructions without POPCNT).
            let fives = |one: u128| one & (one >> 1) & (one >> 2) & (one >> 3) & (one >> 4);
            let (dark, light) = (fives(bits), fives(!bits & line_mask));
            let firsts = (dark & !(dark << 1)) | (light & !(light << 1));
            let score = (dark | light).count_ones() + 2 * firsts.count_ones();
            // N3: 1011101 at p..p+6, with p−4..p−1 or p+7..p+10 light; beyond the line counts
            // as light (the bits above the line are 1 in `light`, those below are shifted in).
            let light = !bits;
            let core = bits
                & (light >> 1)
                & (bits >> 2)
                & (bits >> 3)
                & (bits >> 4)
                & (light >> 5)
                & (bits >> 6);
            let before = (1..=4).fold(u128::MAX, |acc, k| acc & ((light << k) | ((1 << k) - 1)));
            let after = (7..=10).fold(u128::MAX, |acc, k| acc & (light >> k));
            score + 40 * (core & (before | after)).count_ones()
        };
        let mut score: u32 = rows.iter().chain(columns).map(|&bits| line(bits)).sum();
        // N2: a 2 × 2 block of one colour at x: both rows agree with each other at x and x + 1,
        // and each row with itself from x to x + 1.
        for pair in rows.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let same = !(a ^ b) & !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & !(a ^ b) >> 1;
            score += 3 * (same & (line_mask >> 1)).count_ones();
        }
        // N4: 10 for each 5 % the dark share deviates from 50 %.
        let dark_count: usize = rows.iter().map(|r| r.count_ones() as usize).sum();
        let percent = dark_count * 100 / (width * width).max(1);
        score + (percent.abs_diff(50) / 5) as u32 * 10
    }
}

/// [`penalty`] module by module, for symbols wider than a `u128` line holds.
fn modulewise_penalty(dark: &[bool], width: usize) -> u32 {
    let mut columns = vec![false; dark.len()];
    for (i, &module) in dark.iter().enumerate() {
        columns[(i % width) * width + i / width] = module;
    }
    let mut score: u32 = dark
        .chunks_exact(width)
        .chain(columns.chunks_exact(width))
        .map(line_penalty)
        .sum();
    // N2: 3 for each 2 × 2 block of one colour.
    for rows in dark.windows(2 * width).step_by(width) {
        let (row, next) = rows.split_at(width);
        for x in 0..width - 1 {
            let c = row[x];
            if row[x + 1] == c && next[x] == c && next[x + 1] == c {
                score += 3;
            }
        }
    }
    // N4: 10 for each 5 % the dark share deviates from 50 %.
    let dark_count = dark.iter().filter(|d| **d).count();
    let percent = dark_count * 100 / dark.len().max(1);
    score += (percent.abs_diff(50) / 5) as u32 * 10;
    score
}

/// The penalties N1 and N3 of one row or column.
fn line_penalty(line: &[bool]) -> u32 {
    let mut score = 0;
    // N1: runs of the same colour, 3 + (length − 5) for each run of 5 or more.
    let mut run = 1;
    for pair in line.windows(2) {
        if pair[0] == pair[1] {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            run = 1;
        }
    }
    if run >= 5 {
        score += run - 2;
    }
    // N3: 1:1:3:1:1 dark-light-dark-dark-dark-light-dark with four light modules (or the
    // symbol's edge) on at least one side, found in a 15-module window slid along the
    // line; the window starts light and four light modules follow the line's end.
    const CORE: u32 = 0b101_1101;
    let mut window = 0u32;
    for k in 0..line.len() + 4 {
        let dark = line.get(k).copied().unwrap_or(false);
        window = ((window << 1) | u32::from(dark)) & 0x7fff;
        if (window >> 4) & 0x7f == CORE && (window >> 11 == 0 || window & 0xf == 0) {
            score += 40;
        }
    }
    score
}

/// The data bits of `data` in `version`, or an error when it does not fit. Cheap: no
/// error correction or masking, so versions can be tried one after another.
/// Whether [`bits`] can encode `data` in `version` at `ec`, by the segment's length
/// instead of building it (the bisection asked six times a licence): the UTF-8 ECI
/// (mode and designator 26, 12 bits) when the text is not ASCII, the byte mode's
/// indicator (4) and character count (8 bits up to version 9, 16 above), 8 bits a byte,
/// against the version's data capacity.
fn holds(data: &str, version: i16, ec: QrEc) -> bool {
    let eci = if data.is_ascii() { 0 } else { 12 };
    let count = if version <= 9 { 8 } else { 16 };
    let needed = eci + 4 + count + 8 * data.len();
    data.len() < 1 << count
        && Bits::new(Version::Normal(version))
            .max_len(ec)
            .is_ok_and(|capacity| needed <= capacity)
}

fn bits(data: &str, version: Version, ec: QrEc) -> QrResult<Bits> {
    let mut bits = Bits::new(version);
    if !data.is_ascii() {
        bits.push_eci_designator(26)?;
    }
    bits.push_byte_data(data.as_bytes())?;
    bits.push_terminator(ec)?;
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ISO/IEC 18004 §7.8.3 written out module by module: the reference the fast scoring
    /// must agree with.
    fn reference_penalty(dark: &[bool], width: usize) -> u32 {
        let at = |x: usize, y: usize| dark[y * width + x];
        let mut score = 0;
        for horizontal in [true, false] {
            for i in 0..width {
                let line: Vec<bool> = (0..width)
                    .map(|j| if horizontal { at(j, i) } else { at(i, j) })
                    .collect();
                let mut run = 1;
                for j in 1..=width {
                    if j < width && line[j] == line[j - 1] {
                        run += 1;
                    } else {
                        if run >= 5 {
                            score += run - 2;
                        }
                        run = 1;
                    }
                }
                const FINDER: [bool; 7] = [true, false, true, true, true, false, true];
                let light = |k: isize| k < 0 || k >= width as isize || !line[k as usize];
                for j in 0..width.saturating_sub(6) {
                    if line[j..j + 7] == FINDER {
                        let j = j as isize;
                        if (j - 4..j).all(light) || (j + 7..j + 11).all(light) {
                            score += 40;
                        }
                    }
                }
            }
        }
        for y in 0..width - 1 {
            for x in 0..width - 1 {
                let c = at(x, y);
                if at(x + 1, y) == c && at(x, y + 1) == c && at(x + 1, y + 1) == c {
                    score += 3;
                }
            }
        }
        let dark_count = dark.iter().filter(|d| **d).count();
        let percent = dark_count * 100 / dark.len().max(1);
        score + (percent.abs_diff(50) / 5) as u32 * 10
    }

    #[test]
    fn fast_penalty_agrees_with_the_reference_on_symbols_and_random_grids() {
        // Real symbols: every mask of several versions.
        for version in [1, 7, 18, 26, 40] {
            let v = Version::Normal(version);
            let data = "柳州市鱼峰区桂香螺蛳粉店 92450203MA5N8K2D76".repeat(version as usize);
            let Ok(bits) = bits(&data, v, QrEc::L) else {
                continue;
            };
            let (codewords, ec) =
                qrcode::ec::construct_codewords(&bits.into_bytes(), v, QrEc::L).expect("codewords");
            let mut canvas = Canvas::new(v, QrEc::L);
            canvas.draw_all_functional_patterns();
            canvas.draw_data(&codewords, &ec);
            let width = v.width() as usize;
            for mask in [
                MaskPattern::Checkerboard,
                MaskPattern::Diamonds,
                MaskPattern::Meadow,
            ] {
                let dark = masked_modules(&canvas, mask);
                assert_eq!(penalty(&dark, width), reference_penalty(&dark, width));
                assert_eq!(
                    modulewise_penalty(&dark, width),
                    reference_penalty(&dark, width)
                );
            }
        }
        // Random grids, sparse to dense, so runs and finder patterns at the edges occur.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for width in [21, 25, 57, 121, 124, 125, 177] {
            for tenths_dark in [2, 5, 8] {
                let dark: Vec<bool> = (0..width * width)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state % 10 < tenths_dark
                    })
                    .collect();
                let reference = reference_penalty(&dark, width);
                assert_eq!(penalty(&dark, width), reference, "width {width}");
                assert_eq!(modulewise_penalty(&dark, width), reference, "width {width}");
            }
        }
    }

    /// Every version and level: the codewords land where `qrcode`'s canvas puts them.
    #[test]
    fn data_is_placed_where_qrcode_places_it_in_every_version() {
        let masks = MaskOverlays::default();
        for version in 1..=40 {
            for ec in [QrEc::L, QrEc::M, QrEc::Q, QrEc::H] {
                let v = Version::Normal(version);
                let data = format!("v{version}");
                let bits = bits(&data, v, ec).expect("a short text fits");
                let (codewords, ec_codewords) =
                    qrcode::ec::construct_codewords(&bits.into_bytes(), v, ec).unwrap();
                let mut canvas = Canvas::new(v, ec);
                canvas.draw_all_functional_patterns();
                canvas.draw_data(&codewords, &ec_codewords);
                let overlays = masks.get(v, ec);
                let width = v.width() as usize;
                assert!(
                    placed(&codewords, &ec_codewords, &overlays.order, width)
                        == unmasked_data(canvas, &function_patterns(&blank(v, ec), width)),
                    "version {version}, {ec:?}"
                );
            }
        }
    }

    #[test]
    fn overlay_xor_data_is_the_symbol_qrcode_masks() {
        for (version, ec) in [
            (1, QrEc::L),
            (7, QrEc::M),
            (18, QrEc::Q),
            (26, QrEc::L),
            (40, QrEc::H),
        ] {
            let v = Version::Normal(version);
            let data =
                "行业综合许可证 92450203MA5N8K2D76 https://example.cn/".repeat(version as usize);
            let Ok(bits) = bits(&data, v, ec) else {
                continue;
            };
            let (codewords, ec_codewords) =
                qrcode::ec::construct_codewords(&bits.into_bytes(), v, ec).expect("codewords");
            let mut canvas = Canvas::new(v, ec);
            canvas.draw_all_functional_patterns();
            canvas.draw_data(&codewords, &ec_codewords);
            let overlays = MaskOverlays::default().get(v, ec);
            let width = v.width() as usize;
            let function = function_patterns(&blank(v, ec), width);
            let data_dark = unmasked_data(canvas.clone(), &function);
            assert!(
                placed(&codewords, &ec_codewords, &overlays.order, width) == data_dark,
                "version {version}, {ec:?}: placed as qrcode places"
            );
            let data_lines = BitLines::of(&data_dark, width);
            for (overlay, mask) in overlays.masks.iter().zip(MASKS) {
                let symbol = masked_modules(&canvas, mask);
                assert!(
                    masked(&overlay.modules, &data_dark) == symbol,
                    "version {version}, {ec:?}, {mask:?}"
                );
                // The encoder's XOR of rows and columns as words is the masked symbol's.
                if let Some(lines) = &overlay.lines {
                    let xor = |a: &[u128], b: &[u128]| -> Vec<u128> {
                        a.iter().zip(b).map(|(a, b)| a ^ b).collect()
                    };
                    let expected = BitLines::of(&symbol, width);
                    assert_eq!(xor(&lines.rows, &data_lines.rows), expected.rows);
                    assert_eq!(xor(&lines.columns, &data_lines.columns), expected.columns);
                }
            }
        }
    }

    #[test]
    fn a_payload_holds_exactly_where_its_bits_can_be_built() {
        for ec in [QrEc::L, QrEc::M, QrEc::Q, QrEc::H] {
            for version in 1..=40 {
                let v = Version::Normal(version);
                let capacity = Bits::new(v).max_len(ec).unwrap() / 8;
                // Around the capacity, ASCII and UTF-8 (with its ECI header).
                for length in capacity.saturating_sub(4)..=capacity + 1 {
                    for data in ["a".repeat(length), "许".repeat(length / 3)] {
                        assert_eq!(
                            holds(&data, version, ec),
                            bits(&data, v, ec).is_ok(),
                            "version {version}, {ec:?}, {} bytes",
                            data.len()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bisection_finds_the_smallest_version_that_holds_the_payload() {
        for ec in [QrEc::L, QrEc::M, QrEc::Q, QrEc::H] {
            for length in (0..3000).step_by(7) {
                // ASCII and UTF-8 (with its ECI header), across every version boundary.
                for data in ["a".repeat(length), "许".repeat(length / 3)] {
                    let linear = (1..=40).find(|&v| bits(&data, Version::Normal(v), ec).is_ok());
                    assert_eq!(
                        smallest_version(&data, ec),
                        linear,
                        "{ec:?}, {} bytes",
                        data.len()
                    );
                }
            }
        }
    }
}

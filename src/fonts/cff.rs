//! CID-keyed CFF subsets written directly from a face's charstrings.
//!
//! Every licence subsets its content face anew (its glyphs are the record's), and
//! `subsetter` parses each kept charstring, renumbers and rewrites it, and builds a whole
//! OpenType font around it, of which the PDF keeps only the CFF table: a quarter of a
//! licence's instructions. A face without subroutines (the GB 2312 content face is built
//! desubroutinised, `fonts/README.md`) needs none of that: each charstring stands alone,
//! so a subset is the source's charstrings copied in the new order, under a CID-keyed
//! font whose charset maps glyph i to CID i (the PDF's Identity-H CIDs), whose FDSelect
//! keeps each glyph's font dict, and whose font dicts (those its glyphs use) and private dicts
//! are the source's.
//!
//! The format is Adobe's Technical Note #5176, *The Compact Font Format Specification*
//! (INDEX §5, DICT encoding §4, Top DICT §9, charsets §13, FDSelect §19, CID-keyed fonts
//! §18). Faces with subroutines, or with anything this reader does not expect, are left to
//! `subsetter` ([`CidFont::parse`] answers `None`). The PDF embeds the result as
//! FontFile3/CIDFontType0C.

use std::ops::Range;

/// What a subset needs of a CID-keyed face without subroutines, read once.
#[derive(Debug)]
pub(crate) struct CidFont {
    /// The CFF table.
    data: Vec<u8>,
    name: Vec<u8>,
    registry: Vec<u8>,
    ordering: Vec<u8>,
    supplement: i32,
    /// The Top DICT's FontBBox and FontMatrix, as operand bytes with their operator.
    kept_top: Vec<u8>,
    /// Each glyph's charstring, as a range of `data`.
    charstrings: Vec<Range<usize>>,
    /// Each glyph's font dict.
    fd_of: Vec<u8>,
    fds: Vec<FontDict>,
}

#[derive(Debug)]
struct FontDict {
    name: Vec<u8>,
    /// Operators kept besides FontName and Private (FontMatrix), encoded.
    kept: Vec<u8>,
    private: Vec<u8>,
}

/// DICT operators (two-byte ones as 1200 + the second byte).
const CHARSET: u16 = 15;
const CHAR_STRINGS: u16 = 17;
const PRIVATE: u16 = 18;
const SUBRS: u16 = 19;
const FONT_BBOX: u16 = 5;
const FONT_MATRIX: u16 = 1207;
const ROS: u16 = 1230;
const CID_COUNT: u16 = 1234;
const FD_ARRAY: u16 = 1236;
const FD_SELECT: u16 = 1237;
const FONT_NAME: u16 = 1238;

/// The first string id of a font's own strings (0–390 are the standard strings).
const FIRST_SID: usize = 391;

impl CidFont {
    /// Reads `cff` (a face's CFF table); `None` unless it is CID-keyed, has no global or
    /// local subroutines, and reads cleanly.
    pub(crate) fn parse(cff: &[u8]) -> Option<Self> {
        let header_size = usize::from(*cff.get(2)?);
        let (names, after_names) = index(cff, header_size)?;
        let (tops, after_tops) = index(cff, after_names)?;
        let (strings, after_strings) = index(cff, after_tops)?;
        let (global_subrs, _) = index(cff, after_strings)?;
        if !global_subrs.is_empty() || names.len() != 1 || tops.len() != 1 {
            return None;
        }
        let string = |sid: f64| -> Option<Vec<u8>> {
            let k = (sid as usize).checked_sub(FIRST_SID)?;
            Some(cff.get(strings.get(k)?.clone())?.to_vec())
        };
        let top = dict(cff.get(tops[0].clone())?)?;
        let ros = top.iter().find(|e| e.op == ROS)?;
        let (registry, ordering) = (
            string(*ros.operands.first()?)?,
            string(*ros.operands.get(1)?)?,
        );
        let supplement = *ros.operands.get(2)? as i32;
        let offset = |op: u16| -> Option<usize> {
            let at = *top.iter().find(|e| e.op == op)?.operands.first()?;
            (at >= 0.0).then_some(at as usize)
        };
        let (charstrings, _) = index(cff, offset(CHAR_STRINGS)?)?;
        let count = charstrings.len();
        let fd_of = fd_select(cff, offset(FD_SELECT)?, count)?;
        let (font_dicts, _) = index(cff, offset(FD_ARRAY)?)?;
        let mut fds = Vec::with_capacity(font_dicts.len());
        for range in font_dicts {
            let entries = dict(cff.get(range)?)?;
            let mut font = FontDict {
                name: Vec::new(),
                kept: Vec::new(),
                private: Vec::new(),
            };
            for entry in &entries {
                match entry.op {
                    FONT_NAME => font.name = string(*entry.operands.first()?)?,
                    PRIVATE => {
                        let (size, at) = (*entry.operands.first()?, *entry.operands.get(1)?);
                        let (size, at) = (size as usize, at as usize);
                        let private = cff.get(at..at.checked_add(size)?)?;
                        // Local subroutines would make charstrings depend on them.
                        if dict(private)?.iter().any(|e| e.op == SUBRS) {
                            return None;
                        }
                        font.private = private.to_vec();
                    }
                    _ => font.kept.extend_from_slice(&entry.encoded),
                }
            }
            fds.push(font);
        }
        if fd_of.iter().any(|&fd| usize::from(fd) >= fds.len()) {
            return None;
        }
        let kept_top = top
            .iter()
            .filter(|e| e.op == FONT_BBOX || e.op == FONT_MATRIX)
            .flat_map(|e| e.encoded.iter().copied())
            .collect();
        Some(Self {
            name: cff.get(names[0].clone())?.to_vec(),
            data: cff.to_vec(),
            registry,
            ordering,
            supplement,
            kept_top,
            charstrings,
            fd_of,
            fds,
        })
    }

    /// The subset holding `glyphs` (old glyph ids; new glyph i, and CID i, is
    /// `glyphs[i]`), as a bare CFF table. `None` for a glyph the face does not have.
    pub(crate) fn subset(&self, glyphs: &[u16]) -> Option<Vec<u8>> {
        let mut charstrings = Vec::with_capacity(glyphs.len());
        for &glyph in glyphs {
            charstrings.push(&self.data[self.charstrings.get(usize::from(glyph))?.clone()]);
        }
        let count = glyphs.len();
        // The font dicts the glyphs use, in the source's order, and each one's new number.
        let mut renumbered: Vec<Option<u8>> = vec![None; self.fds.len()];
        for &glyph in glyphs {
            renumbered[usize::from(self.fd_of[usize::from(glyph)])] = Some(0);
        }
        let mut used: Vec<&FontDict> = Vec::new();
        for (fd, slot) in self.fds.iter().zip(&mut renumbered) {
            if slot.is_some() {
                *slot = Some(used.len() as u8);
                used.push(fd);
            }
        }

        // Strings: the registry, the ordering, each font dict's name.
        let mut strings: Vec<&[u8]> = vec![&self.registry, &self.ordering];
        strings.extend(used.iter().map(|fd| fd.name.as_slice()));
        let string_index = write_index(&strings);
        let name_index = write_index(&[&self.name]);

        // Offsets are written as five-byte integers, so every size is known before any
        // offset is: the Top DICT's length does not depend on where things land.
        let top_len = {
            let probe = self.top_dict(count, [0; 4]);
            probe.len()
        };
        let top_index_len = index_len(&[top_len]);
        let charset = charset(count);
        let fd_select = self.fd_select(glyphs, &renumbered);
        let charstrings_index = write_index(&charstrings);
        let font_dict_lens: Vec<usize> = used
            .iter()
            .enumerate()
            .map(|(k, fd)| font_dict(k, fd, 0, 0).len())
            .collect();
        let fd_array_len = index_len(&font_dict_lens);

        let header_len = 4;
        let charset_at = header_len + name_index.len() + top_index_len + string_index.len() + 2;
        let fd_select_at = charset_at + charset.len();
        let charstrings_at = fd_select_at + fd_select.len();
        let fd_array_at = charstrings_at + charstrings_index.len();
        let mut private_at = fd_array_at + fd_array_len;

        let top = self.top_dict(
            count,
            [charset_at, fd_select_at, fd_array_at, charstrings_at],
        );
        debug_assert_eq!(top.len(), top_len);
        let font_dicts: Vec<Vec<u8>> = used
            .iter()
            .enumerate()
            .map(|(k, fd)| {
                let dict = font_dict(k, fd, fd.private.len(), private_at);
                private_at += fd.private.len();
                dict
            })
            .collect();

        let mut out = Vec::with_capacity(private_at);
        // Major 1, minor 0, header size 4, absolute offsets of 4 bytes.
        out.extend_from_slice(&[1, 0, 4, 4]);
        out.extend_from_slice(&name_index);
        out.extend_from_slice(&write_index(&[&top]));
        out.extend_from_slice(&string_index);
        out.extend_from_slice(&[0, 0]); // no global subroutines
        debug_assert_eq!(out.len(), charset_at);
        out.extend_from_slice(&charset);
        out.extend_from_slice(&fd_select);
        out.extend_from_slice(&charstrings_index);
        let font_dicts: Vec<&[u8]> = font_dicts.iter().map(Vec::as_slice).collect();
        out.extend_from_slice(&write_index(&font_dicts));
        for fd in &used {
            out.extend_from_slice(&fd.private);
        }
        debug_assert_eq!(out.len(), private_at);
        Some(out)
    }

    /// The Top DICT: registry, ordering and supplement, the glyph count, the source's
    /// box and matrix, and the offsets `[charset, FDSelect, FDArray, CharStrings]`.
    fn top_dict(&self, count: usize, at: [usize; 4]) -> Vec<u8> {
        let mut d = Vec::new();
        int(&mut d, FIRST_SID as i32);
        int(&mut d, FIRST_SID as i32 + 1);
        int(&mut d, self.supplement);
        operator(&mut d, ROS);
        d.extend_from_slice(&self.kept_top);
        int(&mut d, count as i32);
        operator(&mut d, CID_COUNT);
        for (op, at) in [CHARSET, FD_SELECT, FD_ARRAY, CHAR_STRINGS]
            .into_iter()
            .zip(at)
        {
            int5(&mut d, at);
            operator(&mut d, op);
        }
        d
    }

    /// FDSelect format 3: runs of new glyphs sharing a font dict (by its new number).
    fn fd_select(&self, glyphs: &[u16], renumbered: &[Option<u8>]) -> Vec<u8> {
        let mut ranges: Vec<(u16, u8)> = Vec::new();
        for (new, &old) in glyphs.iter().enumerate() {
            let fd = renumbered[usize::from(self.fd_of[usize::from(old)])].unwrap_or(0);
            if ranges.last().is_none_or(|&(_, last)| last != fd) {
                ranges.push((new as u16, fd));
            }
        }
        let mut out = vec![3];
        out.extend_from_slice(&(ranges.len() as u16).to_be_bytes());
        for (first, fd) in ranges {
            out.extend_from_slice(&first.to_be_bytes());
            out.push(fd);
        }
        out.extend_from_slice(&(glyphs.len() as u16).to_be_bytes());
        out
    }
}

/// Font dict `k` of the subset: its name (string `2 + k` of the subset's strings), what
/// else the source's had, and its private dict's size and offset.
fn font_dict(k: usize, fd: &FontDict, private_len: usize, private_at: usize) -> Vec<u8> {
    let mut d = Vec::new();
    int(&mut d, (FIRST_SID + 2 + k) as i32);
    operator(&mut d, FONT_NAME);
    d.extend_from_slice(&fd.kept);
    int5(&mut d, private_len);
    int5(&mut d, private_at);
    operator(&mut d, PRIVATE);
    d
}

/// Glyph i is CID i: format 2, one range from CID 1 (glyph 0 is .notdef, not listed).
fn charset(count: usize) -> Vec<u8> {
    if count <= 1 {
        return vec![0];
    }
    let mut out = vec![2];
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&((count - 2) as u16).to_be_bytes());
    out
}

/// Reads the INDEX at `at`: its items' ranges, and where it ends.
fn index(data: &[u8], at: usize) -> Option<(Vec<Range<usize>>, usize)> {
    let count = usize::from(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]));
    if count == 0 {
        return Some((Vec::new(), at + 2));
    }
    let size = usize::from(*data.get(at + 2)?);
    if !(1..=4).contains(&size) {
        return None;
    }
    let offsets_at = at + 3;
    let base = offsets_at + (count + 1) * size - 1;
    let offset = |k: usize| -> Option<usize> {
        let bytes = data.get(offsets_at + k * size..offsets_at + (k + 1) * size)?;
        Some(bytes.iter().fold(0usize, |v, &b| v << 8 | usize::from(b)))
    };
    let mut items = Vec::with_capacity(count);
    let mut start = offset(0)?;
    for k in 1..=count {
        let end = offset(k)?;
        if end < start {
            return None;
        }
        items.push(base + start..base + end);
        start = end;
    }
    let end = base + start;
    (end <= data.len()).then_some((items, end))
}

/// The length of an INDEX holding items of `lens`.
fn index_len(lens: &[usize]) -> usize {
    let data: usize = lens.iter().sum();
    2 + 1 + (lens.len() + 1) * offset_size(data + 1) + data
}

fn offset_size(largest: usize) -> usize {
    match largest {
        0..=0xff => 1,
        0x100..=0xffff => 2,
        0x1_0000..=0xff_ffff => 3,
        _ => 4,
    }
}

fn write_index(items: &[&[u8]]) -> Vec<u8> {
    let data: usize = items.iter().map(|i| i.len()).sum();
    let mut out = Vec::with_capacity(3 + (items.len() + 1) * 4 + data);
    out.extend_from_slice(&(items.len() as u16).to_be_bytes());
    if items.is_empty() {
        return out;
    }
    let size = offset_size(data + 1);
    out.push(size as u8);
    let mut offset = 1usize;
    let push = |out: &mut Vec<u8>, v: usize| {
        out.extend_from_slice(&v.to_be_bytes()[std::mem::size_of::<usize>() - size..]);
    };
    push(&mut out, offset);
    for item in items {
        offset += item.len();
        push(&mut out, offset);
    }
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// One DICT entry: its operator, its operands as numbers, and its bytes.
struct Entry {
    op: u16,
    operands: Vec<f64>,
    encoded: Vec<u8>,
}

/// Reads a DICT (§4): operands before their operator.
fn dict(data: &[u8]) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut operands = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        let b0 = data[i];
        match b0 {
            0..=21 => {
                let op = if b0 == 12 {
                    i += 1;
                    1200 + u16::from(*data.get(i)?)
                } else {
                    u16::from(b0)
                };
                i += 1;
                entries.push(Entry {
                    op,
                    operands: std::mem::take(&mut operands),
                    encoded: data[start..i].to_vec(),
                });
                start = i;
            }
            28 => {
                let v = i16::from_be_bytes([*data.get(i + 1)?, *data.get(i + 2)?]);
                operands.push(f64::from(v));
                i += 3;
            }
            29 => {
                let bytes = data.get(i + 1..i + 5)?;
                operands.push(f64::from(i32::from_be_bytes(bytes.try_into().ok()?)));
                i += 5;
            }
            30 => {
                // A real: its value is not needed (FontMatrix, FontBBox are copied as
                // bytes), only its end, at the nibble 0xf.
                i += 1;
                loop {
                    let b = *data.get(i)?;
                    i += 1;
                    if b >> 4 == 0xf || b & 0xf == 0xf {
                        break;
                    }
                }
                operands.push(0.0);
            }
            32..=246 => {
                operands.push(f64::from(i32::from(b0) - 139));
                i += 1;
            }
            247..=250 => {
                let b1 = i32::from(*data.get(i + 1)?);
                operands.push(f64::from((i32::from(b0) - 247) * 256 + b1 + 108));
                i += 2;
            }
            251..=254 => {
                let b1 = i32::from(*data.get(i + 1)?);
                operands.push(f64::from(-(i32::from(b0) - 251) * 256 - b1 - 108));
                i += 2;
            }
            _ => return None,
        }
    }
    Some(entries)
}

/// Reads FDSelect (formats 0 and 3): each glyph's font dict.
fn fd_select(data: &[u8], at: usize, count: usize) -> Option<Vec<u8>> {
    match *data.get(at)? {
        0 => Some(data.get(at + 1..at + 1 + count)?.to_vec()),
        3 => {
            let ranges = usize::from(u16::from_be_bytes([*data.get(at + 1)?, *data.get(at + 2)?]));
            let mut fd_of = vec![0u8; count];
            let record = |k: usize| -> Option<(usize, u8)> {
                let p = at + 3 + k * 3;
                let first = usize::from(u16::from_be_bytes([*data.get(p)?, *data.get(p + 1)?]));
                Some((first, *data.get(p + 2)?))
            };
            for k in 0..ranges {
                let (first, fd) = record(k)?;
                let end = if k + 1 < ranges {
                    record(k + 1)?.0
                } else {
                    let p = at + 3 + ranges * 3;
                    usize::from(u16::from_be_bytes([*data.get(p)?, *data.get(p + 1)?]))
                };
                fd_of.get_mut(first..end)?.fill(fd);
            }
            Some(fd_of)
        }
        _ => None,
    }
}

/// A DICT integer in its shortest form.
fn int(out: &mut Vec<u8>, v: i32) {
    match v {
        -107..=107 => out.push((v + 139) as u8),
        108..=1131 => {
            let v = v - 108;
            out.extend_from_slice(&[(v / 256 + 247) as u8, (v % 256) as u8]);
        }
        -1131..=-108 => {
            let v = -v - 108;
            out.extend_from_slice(&[(v / 256 + 251) as u8, (v % 256) as u8]);
        }
        -32768..=32767 => {
            out.push(28);
            out.extend_from_slice(&(v as i16).to_be_bytes());
        }
        _ => int5(out, v as usize),
    }
}

/// A DICT integer in five bytes, whatever its size: for offsets fixed before they are
/// known.
fn int5(out: &mut Vec<u8>, v: usize) {
    out.push(29);
    out.extend_from_slice(&(v as i32).to_be_bytes());
}

fn operator(out: &mut Vec<u8>, op: u16) {
    if op >= 1200 {
        out.extend_from_slice(&[12, (op - 1200) as u8]);
    } else {
        out.push(op as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(file: &str) -> Vec<u8> {
        let path = format!("{}/fonts/{file}", env!("CARGO_MANIFEST_DIR"));
        let data = std::fs::read(path).unwrap();
        let raw = ttf_parser::RawFace::parse(&data, 0).unwrap();
        raw.table(ttf_parser::Tag::from_bytes(b"CFF "))
            .unwrap()
            .to_vec()
    }

    /// A subset read back: each new glyph's charstring and private dict are its source
    /// glyph's, the charset is the identity, and only the font dicts in use are kept.
    #[test]
    fn a_subset_holds_the_source_glyphs_in_the_new_order() {
        let source = CidFont::parse(&table("NotoSerifCJKsc-Regular-GB2312.otf"))
            .expect("the content face is CID-keyed without subroutines");
        // .notdef, then glyphs from several font dicts, out of order.
        let glyphs: Vec<u16> = vec![0, 4000, 17, 2500, 3, 7000, 4001];
        let bytes = source.subset(&glyphs).unwrap();
        let subset = CidFont::parse(&bytes).expect("the subset reads back");
        assert_eq!(subset.charstrings.len(), glyphs.len());
        assert_eq!(
            (subset.registry.as_slice(), subset.ordering.as_slice()),
            (&b"Adobe"[..], &b"Identity"[..])
        );
        let used: std::collections::BTreeSet<u8> = glyphs
            .iter()
            .map(|&g| source.fd_of[usize::from(g)])
            .collect();
        assert_eq!(subset.fds.len(), used.len());
        assert!(
            used.len() >= 2,
            "the test should cross font dicts: {used:?}"
        );
        for (new, &old) in glyphs.iter().enumerate() {
            assert_eq!(
                subset.data[subset.charstrings[new].clone()],
                source.data[source.charstrings[usize::from(old)].clone()],
                "glyph {new} (was {old})"
            );
            let (new_fd, old_fd) = (
                &subset.fds[usize::from(subset.fd_of[new])],
                &source.fds[usize::from(source.fd_of[usize::from(old)])],
            );
            assert_eq!(new_fd.private, old_fd.private, "glyph {new}'s private dict");
            assert_eq!(new_fd.name, old_fd.name);
        }
        let top =
            dict(&bytes[index(&bytes, index(&bytes, 4).unwrap().1).unwrap().0[0].clone()]).unwrap();
        let count = top.iter().find(|e| e.op == CID_COUNT).unwrap().operands[0];
        assert_eq!(count as usize, glyphs.len());
        // Charset format 2, one range: glyph i is CID i.
        let charset_at = top.iter().find(|e| e.op == CHARSET).unwrap().operands[0] as usize;
        assert_eq!(
            &bytes[charset_at..charset_at + 5],
            &[2, 0, 1, 0, glyphs.len() as u8 - 2]
        );
        // A glyph the face does not have is refused, not written.
        assert!(source.subset(&[0, u16::MAX]).is_none());
    }

    /// A font file is a user's input (`--font`): damaged tables are refused or read as
    /// what they say, never a panic.
    #[test]
    fn damaged_tables_do_not_panic() {
        let good = table("NotoSerifCJKsc-Regular-GB2312.otf");
        let mut state = 0x2545_f491_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300 {
            let mut bytes = if round % 3 == 0 {
                good[..(next() as usize % 4096).min(good.len())].to_vec()
            } else {
                good.clone()
            };
            for _ in 0..4 {
                if bytes.is_empty() {
                    break;
                }
                // The header, INDEX headers and DICTs lie in the first few KB.
                let at = next() as usize % bytes.len().min(8192);
                bytes[at] = next() as u8;
            }
            if let Some(font) = CidFont::parse(&bytes) {
                let _ = font.subset(&[0, 1, 2, 100, 3000]);
            }
        }
    }

    /// Faces with subroutines are left to `subsetter`.
    #[test]
    fn a_face_with_subroutines_is_not_read() {
        assert!(CidFont::parse(&table("NotoSerifCJKsc-Black-GB2312.otf")).is_none());
        assert!(CidFont::parse(b"\x01\x00\x04").is_none());
        assert!(CidFont::parse(&[]).is_none());
    }
}

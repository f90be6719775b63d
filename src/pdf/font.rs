//! Font embedding: each face used becomes a Type0 font over a subset CIDFont.
//!
//! A subset keeps only the glyphs the page uses, renumbered from 1 after .notdef; the new
//! glyph ids are the CIDs (Identity-H encoding). A CID-keyed CFF face without subroutines
//! (the content face) is subset by copying its charstrings ([`Face::cff_subset`]); any
//! other by `subsetter`. Neither carries a `cmap`, so the page's text is made searchable by
//! a ToUnicode map written here from the characters each glyph was placed for.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use super::{deflate, hash, Effort};
use crate::deflate::Compressors;
use crate::error::{Error, Result};
use crate::fonts::Face;

const SYSTEM_INFO: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// The glyphs of one face that a page uses.
#[derive(Default, Clone)]
pub struct FontUsage {
    remapper: GlyphRemapper,
    /// Text of each CID, for the ToUnicode map.
    text: BTreeMap<u16, char>,
}

impl FontUsage {
    /// The CID for `glyph`, recording that it stands for `text`.
    pub fn cid(&mut self, glyph: u16, text: char) -> u16 {
        let cid = self.remapper.remap(glyph);
        self.text.entry(cid).or_insert(text);
        cid
    }
}

/// Writes the Type0 font, its CIDFont, descriptor, subset font file and ToUnicode map,
/// with the Type0 dictionary at `type0`.
pub fn write_font(
    chunk: &mut Chunk,
    alloc: &mut impl FnMut() -> Ref,
    type0: Ref,
    face: &Face,
    usage: &FontUsage,
    compressors: &Compressors,
) -> Result<()> {
    let parsed = face.parse()?;
    let cids: Vec<u16> = usage.remapper.remapped_gids().collect();
    let program = face.subsets.get_or_try_make(&cids[..], || {
        embedded_program(face, &usage.remapper, &cids, compressors).map(Into::into)
    })?;
    let subtype = if face.metrics()?.is_cff {
        CidFontType::Type0
    } else {
        CidFontType::Type2
    };

    let cid_ref = alloc();
    let descriptor_ref = alloc();
    let cmap_ref = alloc();
    let file_ref = alloc();

    let units = face.metrics()?.units_per_em;
    let to_pdf = |v: f64| (v * 1000.0 / units) as f32;
    let base_font = format!("{}+{}", subset_tag(face.name()?, &cids), face.name()?);
    let base_font = Name(base_font.as_bytes());

    chunk
        .type0_font(type0)
        .base_font(base_font)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_ref)
        .to_unicode(cmap_ref);

    let mut cid = chunk.cid_font(cid_ref);
    cid.subtype(subtype)
        .base_font(base_font)
        .system_info(SYSTEM_INFO)
        .font_descriptor(descriptor_ref);
    if subtype == CidFontType::Type2 {
        cid.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    let widths: Vec<f32> = cids
        .iter()
        .map(|&old| {
            to_pdf(
                parsed
                    .glyph_hor_advance(ttf_parser::GlyphId(old))
                    .map_or(0.0, f64::from),
            )
        })
        .collect();
    cid.widths().consecutive(0, widths);
    cid.finish();

    let m = face.metrics()?;
    let mut flags = FontFlags::SYMBOLIC;
    if face.name()?.contains("Serif") {
        flags |= FontFlags::SERIF;
    }
    let weight = parsed.weight().to_number();
    let mut descriptor = chunk.font_descriptor(descriptor_ref);
    descriptor
        .name(base_font)
        .flags(flags)
        .bbox(Rect::new(
            to_pdf(m.bbox[0]),
            to_pdf(m.bbox[1]),
            to_pdf(m.bbox[2]),
            to_pdf(m.bbox[3]),
        ))
        .italic_angle(0.0)
        .ascent(to_pdf(m.ascender))
        .descent(to_pdf(m.descender))
        .cap_height(to_pdf(m.cap_height))
        .stem_v(10.0 + 0.244 * (f32::from(weight) - 50.0));
    if face.metrics()?.is_cff {
        descriptor.font_file3(file_ref);
    } else {
        descriptor.font_file2(file_ref);
    }
    descriptor.finish();

    let pairs: Vec<u16> = usage
        .text
        .iter()
        .flat_map(|(&cid, &ch)| [cid, (u32::from(ch) >> 16) as u16, u32::from(ch) as u16])
        .collect();
    let cmap = face.to_unicode.get_or_try_make(&pairs[..], || {
        let mut cmap = UnicodeCmap::new(Name(b"Custom"), SYSTEM_INFO);
        for (&cid, &ch) in &usage.text {
            cmap.pair(cid, ch);
        }
        Ok::<_, Error>(deflate(compressors, &cmap.finish(), Effort::Fast).into())
    })?;
    chunk.cmap(cmap_ref, &cmap).filter(Filter::FlateDecode);

    let mut stream = chunk.stream(file_ref, &program);
    if face.metrics()?.is_cff {
        stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
    } else {
        stream.filter(Filter::FlateDecode);
    }
    stream.finish();
    Ok(())
}

/// The subset of `face` holding the glyphs `remapper` has seen (`glyphs`, in its order),
/// as it is embedded. A CFF subset is embedded as its bare CFF table
/// (FontFile3/CIDFontType0C), written directly when the face allows it, and unfiltered:
/// Type 2 charstrings hardly deflate (the Liuzhou content face's subset, 21,825 bytes,
/// deflated to 21,264; a label face's grew), and deflating them was a fifth of a
/// licence's instructions. A TrueType subset is embedded as the whole font (FontFile2),
/// deflated.
fn embedded_program(
    face: &Face,
    remapper: &GlyphRemapper,
    glyphs: &[u16],
    compressors: &Compressors,
) -> Result<Vec<u8>> {
    if face.metrics()?.is_cff {
        if let Some(cff) = face.cff_subset(glyphs) {
            return Ok(cff);
        }
    }
    let subset = face.subset(remapper)?;
    if !face.metrics()?.is_cff {
        return Ok(deflate(compressors, &subset, Effort::Fast));
    }
    let raw = ttf_parser::RawFace::parse(&subset, 0).map_err(|e| Error::Render {
        message: e.to_string(),
    })?;
    let name = face.name()?;
    let cff = raw
        .table(ttf_parser::Tag::from_bytes(b"CFF "))
        .ok_or_else(|| Error::Render {
            message: format!("the subset of {name} has no CFF table"),
        })?;
    Ok(cff.to_vec())
}

/// The six-letter subset tag: derived from the face and its glyph set, so the same
/// input always gives the same name.
fn subset_tag(name: &str, cids: &[u16]) -> String {
    let mut bytes = name.as_bytes().to_vec();
    bytes.extend(cids.iter().flat_map(|c| c.to_be_bytes()));
    let mut h = hash(&bytes);
    (0..6)
        .map(|_| {
            let c = char::from(b'A' + (h % 26) as u8);
            h /= 26;
            c
        })
        .collect()
}

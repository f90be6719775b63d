//! The PDF back end: a [`Page`] as a one-page print PDF.
//!
//! Process colours are written as DeviceCMYK exactly as the spec gives them (black as K
//! only); spot inks as Separation colour spaces whose alternate is their CMYK proof colour
//! (an invisible ink's alternate is no ink at all, so it never shows in a composite view);
//! overprinting inks are painted under an ExtGState with OP/op, OPM 1 and Multiply. Text is real
//! text: subset CID fonts with ToUnicode maps. QR modules are vector rectangles. Output is
//! deterministic: the only dates are the ones asked for (a PDF/X or PDF/A creation date, by
//! default the licence's issue date; a signature's time), and the document ID is a hash of
//! the content.
//!
//! The page's content is two streams: the press artwork every licence of a spec begins
//! with (compressed once, by its bytes, and shared by all threads), then the licence's
//! own. Guilloche tiles are form XObjects compressed once per tile. What is made once
//! lives in a cache that its owner (a prepared template) keeps and drops.
//!
//! Items are grouped into optional-content layers a print shop recognises (press artwork,
//! fluorescent UV ink, variable data). The invisible ink's no-ink alternate is painted in
//! Multiply blend mode, so no composite view shows it (not even as a knock-out), while a
//! separating RIP puts it in full on its own plate. With the spec's `marks`,
//! the MediaBox grows around the sheet (TrimBox) and its bleed (BleedBox), and crop marks
//! are drawn in registration colour (the `All` colorant: every plate).
//!
//! One job per file: `paint` turns items into content operators; `resources` writes
//! what they use (fonts via `font`, tiles, inks, pictures, layers); `page` the catalog
//! and the page with its boxes; `metadata` the info dictionary, XMP and profile
//! (`standard` holds what PDF/X-4 and PDF/A-3b require); `attachments` the PDF/A-3
//! files; `signature` the PAdES slot. [`write`] numbers and orders the objects.

mod attachments;
mod font;
mod metadata;
mod page;
mod paint;
mod resources;
mod signature;
mod standard;

pub(crate) use standard::LICENCE_NS;
pub use standard::{Attachment, PdfStandard, Relationship};

use std::sync::Arc;

use pdf_writer::{Chunk, Filter, Pdf, Ref};

use crate::deflate::Compressors;
use crate::display::{Page, Tile};
use crate::electronic::Metadata;
use crate::error::Result;
use crate::stable_hash::stable_hash as hash;
use crate::fonts::FontBook;
use crate::memo::Memo;
use crate::production::Calibration;
use crate::spec::Pass;
use crate::units::Mm;

/// What to put in the PDF.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// Only the items of this pass (press: the pre-printed blank; print: the variable data
    /// for 套打). Default: `None`, every item (the composite, an electronic copy).
    pub pass: Option<Pass>,
    /// Document title. Default: none.
    pub title: Option<String>,
    /// Moves and scales everything drawn (not the page boxes or crop marks): the office
    /// printer's registration for the print pass. Default: none.
    pub calibration: Calibration,
    /// The standard the file is written to: plain, PDF/X-4 or PDF/A-3b. Default: plain.
    pub standard: PdfStandard,
    /// The licence's metadata for the XMP (GB/T 36903). Default: none.
    pub metadata: Option<Metadata>,
    /// The file's creation date, `YYYY-MM-DD`, which PDF/X and PDF/A require. Default:
    /// the metadata's issue date. A plain PDF carries a date only when given one.
    pub date: Option<String>,
    /// Files attached to a PDF/A-3b (the record, the OFD). Default: none.
    pub attachments: Vec<Attachment>,
    /// Room for a signature, which `sign::pades` fills. Default: none.
    pub signature: Option<SignatureSlot>,
}

/// Room for a PAdES signature: a signature field and a signature dictionary whose byte
/// range and contents are placeholders of fixed width, filled in place by the signer.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureSlot {
    /// The field's name.
    pub name: String,
    /// The element whose box the field covers and whose paths are its appearance (the
    /// seal); none for an invisible signature (PDF/X keeps annotations off the sheet).
    pub element: Option<String>,
    /// The signing time, the dictionary's `M`.
    pub time: std::time::Duration,
    /// Bytes reserved for the CMS.
    pub reserved: usize,
}

/// Where a PDF written with a [`SignatureSlot`] keeps its placeholders: byte offsets in
/// the finished file, taken from the writer as it wrote the signature dictionary. The
/// signer patches exactly these bytes and never searches the file, which carries record
/// text that may look like a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlotOffsets {
    /// The `ByteRange` array, `[` to `]` inclusive: `start..end`.
    pub byte_range: (usize, usize),
    /// The `Contents` hex string, `<` to `>` inclusive: `start..end`.
    pub contents: (usize, usize),
}

/// A PDF as written, with its signature slot's offsets when it has one.
#[derive(Debug, Clone)]
pub(crate) struct WrittenPdf {
    /// The file.
    pub bytes: Vec<u8>,
    /// Where the signature's placeholders are, when `PdfOptions::signature` asked for one.
    pub slot: Option<SlotOffsets>,
}

/// What PDFs of one spec's licences share, made once and kept by its owner: the press
/// artwork's compressed stream, the guilloche tiles' form streams, idle compressors.
/// Bounded; dropped with its owner.
#[derive(Debug)]
pub(crate) struct PdfCache {
    /// Compressed press-artwork streams by their exact bytes: room for the passes and
    /// calibrations in use at once.
    press: Memo<Vec<u8>, [u8]>,
    /// Where painting stood after the press artwork, by what it was painted from.
    presses: Memo<paint::PressKey, paint::PressState>,
    /// Guilloche tiles' compressed forms, by the tile's address; the entry holds the tile,
    /// so the address cannot be reused while the entry lives.
    tiles: Memo<usize, TileForm>,
    /// The output intent's profile, compressed once.
    profile: std::sync::OnceLock<Vec<u8>>,
    compressors: Compressors,
}

/// A guilloche tile's form XObject: its compressed stream and bounding box.
#[derive(Debug)]
struct TileForm {
    _tile: Arc<Tile>,
    stream: Vec<u8>,
    bbox: [f32; 4],
}

/// Press streams remembered: a spec's passes and calibrations in use at once.
const PRESS_STREAMS: usize = 8;
/// Tile forms remembered: more than any spec's guilloche uses.
const TILE_FORMS: usize = 256;

impl Default for PdfCache {
    fn default() -> Self {
        Self {
            press: Memo::new(PRESS_STREAMS),
            presses: Memo::new(PRESS_STREAMS),
            tiles: Memo::new(TILE_FORMS),
            profile: std::sync::OnceLock::new(),
            compressors: Compressors::default(),
        }
    }
}

/// Writes the page as PDF bytes.
///
/// Each call starts from nothing; [`crate::Template`] keeps what licences of a spec share
/// (the press artwork's stream, guilloche forms, compressors) between calls.
pub fn pdf(page: &Page, fonts: &FontBook, options: &PdfOptions) -> Result<Vec<u8>> {
    write(page, fonts, options, &PdfCache::default()).map(|w| w.bytes)
}

/// [`pdf`], reusing what `cache` remembers of earlier PDFs of the same spec.
///
/// Objects are numbered in the order they are made (the frame, the press stream, the
/// resources, the signature, the states, the metadata, the attachments), and written in
/// a fixed order, so the same page and options give the same bytes.
pub(crate) fn write(
    page: &Page,
    fonts: &FontBook,
    options: &PdfOptions,
    cache: &PdfCache,
) -> Result<WrittenPdf> {
    crate::production::check_registration(options.calibration, options.pass)?;
    standard::check(options.standard, &options.attachments)?;
    let stamp = standard::stamp(
        options.standard,
        options.date.as_deref(),
        options.metadata.as_ref(),
    )?;
    let compressors = &cache.compressors;
    let mut next = 1;
    let mut alloc = move || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let frame = page::Frame {
        catalog: alloc(),
        pages: alloc(),
        page: alloc(),
        content: alloc(),
        info: alloc(),
    };

    let painted = paint::paint(page, options, &cache.presses);
    let content = deflate(compressors, &painted.content, Effort::Fast);
    let press = painted
        .press
        .as_ref()
        .filter(|bytes| !bytes.is_empty())
        .map(|bytes| {
            let stream = cache.press.get_or_make(&bytes[..], || {
                deflate(compressors, bytes, Effort::Small).into()
            });
            (alloc(), stream)
        });

    let mut chunk = Chunk::with_capacity(PDF_BYTES);
    let used = resources::write_used(&mut chunk, &mut alloc, page, fonts, &painted, cache)?;
    let signature = options
        .signature
        .as_ref()
        .map(|slot| signature::parts(page, slot, &mut alloc));
    let states = resources::write_states(&mut chunk, &mut alloc, page, &painted, &used);
    let standardised = options.standard != PdfStandard::Plain;
    let xmp_ref = (standardised || options.metadata.is_some()).then(&mut alloc);
    let profile_ref = standardised.then(&mut alloc);
    let attachment_refs: Vec<(Ref, Ref)> = options
        .attachments
        .iter()
        .map(|_| (alloc(), alloc()))
        .collect();

    // Begun with room for a licence (72 KB for Liuzhou's): growing to it was a fifth of
    // the bytes a licence's PDF copies.
    let mut pdf = Pdf::with_capacity(PDF_BYTES);
    if options.standard == PdfStandard::X4 {
        // PDF/X-4 is a profile of PDF 1.6.
        pdf.set_version(1, 6);
    }
    let links = page::CatalogLinks {
        layers: &states.layers,
        xmp: xmp_ref,
        profile: profile_ref,
        attachments: &attachment_refs,
        signature: signature.as_ref(),
    };
    page::write_catalog(&mut pdf, frame, options, &links);
    let press_ref = press.as_ref().map(|(r, _)| *r);
    page::write_page(
        &mut pdf,
        frame,
        page,
        press_ref,
        signature.as_ref(),
        &used,
        &states,
    );
    if let Some((press_ref, press)) = &press {
        pdf.stream(*press_ref, press).filter(Filter::FlateDecode);
    }
    pdf.stream(frame.content, &content)
        .filter(Filter::FlateDecode);
    metadata::write_info(&mut pdf, frame.info, options, stamp);
    if let Some(r) = xmp_ref {
        metadata::write_xmp(&mut pdf, r, options, stamp, &content);
    }
    if let Some(r) = profile_ref {
        metadata::write_profile(&mut pdf, r, cache);
    }
    attachments::write_files(
        &mut pdf,
        &options.attachments,
        &attachment_refs,
        stamp,
        compressors,
    );
    let mut slot_offsets = None;
    if let (Some(parts), Some(slot)) = (&signature, &options.signature) {
        slot_offsets = Some(signature::write(&mut pdf, parts, slot, frame.page)?);
    }
    pdf.extend(&chunk);
    let id = hash(pdf.as_bytes()).to_be_bytes().to_vec();
    pdf.set_file_id((id.clone(), id));
    // Bytes already written stay where they are: the trailer only appends.
    Ok(WrittenPdf {
        bytes: pdf.finish(),
        slot: slot_offsets,
    })
}

/// Millimetres as PDF points.
fn pt(v: Mm) -> f32 {
    v.to_pt().get() as f32
}

/// A spec's CMYK percentages as PDF's 0–1 components.
fn cmyk_unit(c: &crate::spec::Cmyk) -> [f32; 4] {
    [c.c, c.m, c.y, c.k].map(|v| (v / 100.0) as f32)
}

/// Room a PDF and its chunk of objects are begun with: the Liuzhou licence's PDF is
/// 72 KB, a PDF/A-3b carrying its OFD twice that (it grows as it must).
const PDF_BYTES: usize = 128 << 10;

/// How hard to compress a stream.
enum Effort {
    /// Streams made anew for every licence (the content after the press artwork, font
    /// subsets, ToUnicode maps): zlib level 1. Over a batch of 400 Liuzhou licences, a
    /// PDF took 0.4 ms less than at level 2 (2.8 against 3.2 ms) for 11 % more bytes
    /// (71 against 64 KB).
    Fast,
    /// Streams made once and shared by many licences (the press artwork, guilloche
    /// tiles): level 6.
    Small,
}

/// zlib-compresses a stream (deterministic for the same input).
fn deflate(compressors: &Compressors, data: &[u8], effort: Effort) -> Vec<u8> {
    let level = match effort {
        Effort::Fast => 1,
        Effort::Small => 6,
    };
    compressors.zlib(data, level)
}

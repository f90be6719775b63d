//! What the file says about itself: the document information dictionary, the XMP
//! (PDF/X and PDF/A identification, GB/T 36903 licence metadata) and the output intent's
//! colour profile.

use pdf_writer::{Filter, Pdf, Ref, TextStr};

use super::standard::{self, Stamp};
use super::{deflate, Effort, PdfCache, PdfOptions, PdfStandard};
use crate::stable_hash::stable_hash as hash;

/// The producer and creator named in every file.
const PRODUCER: &str = concat!("certpress ", env!("CARGO_PKG_VERSION"));

/// Writes the document information dictionary: producer, title, author (the metadata's
/// issuer), dates when the file has one, and PDF/X's trapping key.
pub(super) fn write_info(pdf: &mut Pdf, r: Ref, options: &PdfOptions, stamp: Option<Stamp>) {
    let mut info = pdf.document_info(r);
    info.producer(TextStr(PRODUCER));
    info.creator(TextStr(PRODUCER));
    if let Some(title) = &options.title {
        info.title(TextStr(title));
    }
    if let Some(author) = author(options) {
        info.author(TextStr(author));
    }
    if let Some(stamp) = stamp {
        info.creation_date(stamp.pdf());
        info.modified_date(stamp.pdf());
    }
    if options.standard == PdfStandard::X4 {
        info.trapped(pdf_writer::types::TrappingStatus::NotTrapped);
    }
}

fn author(options: &PdfOptions) -> Option<&str> {
    options.metadata.as_ref().and_then(|m| m.get("issuer"))
}

/// Writes the XMP. Its document ID is made from the page's compressed content and the
/// file so far, so the same licence has the same ID.
pub(super) fn write_xmp(
    pdf: &mut Pdf,
    r: Ref,
    options: &PdfOptions,
    stamp: Option<Stamp>,
    content: &[u8],
) {
    let id = format!("{:016x}{:016x}", hash(content), hash(pdf.as_bytes()));
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &id[0..8],
        &id[8..12],
        &id[12..16],
        &id[16..20],
        &id[20..32]
    );
    let xmp = standard::xmp(&standard::XmpFacts {
        standard: options.standard,
        title: options.title.as_deref(),
        author: author(options),
        producer: PRODUCER,
        stamp,
        document_id: &uuid,
        metadata: options.metadata.as_ref(),
    });
    pdf.metadata(r, &xmp);
}

/// Writes the output intent's CMYK profile, compressed once per cache.
pub(super) fn write_profile(pdf: &mut Pdf, r: Ref, cache: &PdfCache) {
    let profile = cache
        .profile
        .get_or_init(|| deflate(&cache.compressors, standard::OUTPUT_PROFILE, Effort::Small));
    pdf.icc_profile(r, profile)
        .n(4)
        .range([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
        .filter(Filter::FlateDecode);
}

//! The signature slot: a signature field (merged with its widget) over the seal, its
//! appearance, and the signature dictionary whose placeholders [`crate::sign::pades`]
//! fills at the offsets written here.

use pdf_writer::{Chunk, Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{cmyk_unit, pt, SignatureSlot, SlotOffsets};
use crate::display::{InkKind, Page, Shape};
use crate::error::Result;
use crate::units::Mm;

/// The objects of a signature and where its field lies.
pub(super) struct SignatureParts {
    pub field: Ref,
    dictionary: Ref,
    appearance: Ref,
    /// The field's rectangle in PDF points, and the appearance's content; none for an
    /// invisible signature.
    visible: Option<(Rect, Vec<u8>)>,
}

/// The signature's objects: a visible field over `slot.element`'s box drawn with its
/// paths (process inks), or an invisible one.
pub(super) fn parts(
    page: &Page,
    slot: &SignatureSlot,
    alloc: &mut impl FnMut() -> Ref,
) -> SignatureParts {
    let (field, dictionary, appearance) = (alloc(), alloc(), alloc());
    let height = page.size.height;
    let items: Vec<&crate::display::Item> = match &slot.element {
        Some(id) => page.items.iter().filter(|i| &i.element == id).collect(),
        None => Vec::new(),
    };
    let mut bounds: Option<[f64; 4]> = None;
    let mut content = Content::new();
    for item in &items {
        let (Shape::Path(path), InkKind::Process(cmyk)) =
            (&item.shape, &page.inks[item.ink.0].kind)
        else {
            continue;
        };
        let Some([l, t, r, b]) = path.control_box() else {
            continue;
        };
        bounds = Some(match bounds {
            None => [l, t, r, b],
            Some(a) => [a[0].min(l), a[1].min(t), a[2].max(r), a[3].max(b)],
        });
        let [c, m, y, k] = cmyk_unit(cmyk);
        content.set_fill_cmyk(c, m, y, k);
        path.walk(|p| (pt(p.x), pt(height - p.y)), &mut content);
        if path.even_odd {
            content.fill_even_odd();
        } else {
            content.fill_nonzero();
        }
    }
    let visible = bounds.map(|[l, t, r, b]| {
        let rect = Rect::new(pt(Mm(l)), pt(height - Mm(b)), pt(Mm(r)), pt(height - Mm(t)));
        (rect, content.finish().into_vec())
    });
    SignatureParts {
        field,
        dictionary,
        appearance,
        visible,
    }
}

/// Writes the signature field, its appearance and the signature dictionary with its
/// placeholders ([`crate::sign::pades`] fills them).
///
/// The dictionary is written as a chunk of its own, which holds nothing but its fixed keys
/// and the signing time, so the placeholders' offsets within it are exact; they are
/// returned as offsets in the file.
pub(super) fn write(
    pdf: &mut Pdf,
    parts: &SignatureParts,
    slot: &SignatureSlot,
    page_ref: Ref,
) -> Result<SlotOffsets> {
    let rect = parts
        .visible
        .as_ref()
        .map_or(Rect::new(0.0, 0.0, 0.0, 0.0), |(rect, _)| *rect);
    let mut field = pdf.indirect(parts.field).dict();
    field.pair(Name(b"Type"), Name(b"Annot"));
    field.pair(Name(b"Subtype"), Name(b"Widget"));
    field.pair(Name(b"FT"), Name(b"Sig"));
    field.pair(Name(b"T"), TextStr(&slot.name));
    field.pair(Name(b"V"), parts.dictionary);
    field.pair(Name(b"Rect"), rect);
    // Print | Locked: printed like the page, not movable.
    field.pair(Name(b"F"), 4 + 128);
    field.pair(Name(b"P"), page_ref);
    field
        .insert(Name(b"AP"))
        .dict()
        .pair(Name(b"N"), parts.appearance);
    field.finish();
    let (bbox, stream) = match &parts.visible {
        Some((rect, content)) => (*rect, content.clone()),
        None => (Rect::new(0.0, 0.0, 0.0, 0.0), Vec::new()),
    };
    pdf.form_xobject(parts.appearance, &stream).bbox(bbox);
    let mut own = Chunk::new();
    let mut dictionary = own.indirect(parts.dictionary).dict();
    dictionary.pair(Name(b"Type"), Name(b"Sig"));
    dictionary.pair(Name(b"Filter"), Name(b"Adobe.PPKLite"));
    dictionary.pair(Name(b"SubFilter"), Name(b"ETSI.CAdES.detached"));
    dictionary
        .insert(Name(b"ByteRange"))
        .array()
        .items([0, i32::MAX, i32::MAX, i32::MAX]);
    // Non-ASCII bytes: pdf-writer writes them as a hex string of fixed width.
    dictionary.pair(Name(b"Contents"), Str(&vec![0xFF; slot.reserved]));
    dictionary.pair(Name(b"M"), crate::timestamp::pdf(slot.time));
    dictionary.finish();
    let written = own.as_bytes();
    let within = |needle: &[u8]| written.windows(needle.len()).position(|w| w == needle);
    let missing = || crate::error::Error::Render {
        message: "the signature dictionary was written without its placeholders".into(),
    };
    let range_key = within(b"/ByteRange").ok_or_else(missing)?;
    let range_open = range_key
        + written[range_key..]
            .iter()
            .position(|&b| b == b'[')
            .ok_or_else(missing)?;
    let range_close = range_open
        + written[range_open..]
            .iter()
            .position(|&b| b == b']')
            .ok_or_else(missing)?;
    let contents_key = within(b"/Contents").ok_or_else(missing)?;
    let contents_open = contents_key
        + written[contents_key..]
            .iter()
            .position(|&b| b == b'<')
            .ok_or_else(missing)?;
    let contents_close = contents_open
        + written[contents_open..]
            .iter()
            .position(|&b| b == b'>')
            .ok_or_else(missing)?;
    let base = pdf.len();
    pdf.extend(&own);
    Ok(SlotOffsets {
        byte_range: (base + range_open, base + range_close + 1),
        contents: (base + contents_open, base + contents_close + 1),
    })
}

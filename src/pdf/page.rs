//! The document's frame: the catalog (optional content, output intent, attachments,
//! the signature form) and the page object with its boxes, contents and resources.

use pdf_writer::{Finish, Name, Pdf, Rect, Ref, TextStr};

use super::paint::{mark_offset, CROP_MARK_LENGTH};
use super::resources::{self, States, Used};
use super::signature::SignatureParts;
use super::{attachments, pt, standard, PdfOptions, PdfStandard};
use crate::display::Page;
use crate::production::Layer;
use crate::units::Mm;

/// The objects every PDF has, numbered first.
#[derive(Clone, Copy)]
pub(super) struct Frame {
    pub catalog: Ref,
    pub pages: Ref,
    pub page: Ref,
    pub content: Ref,
    pub info: Ref,
}

/// Objects the catalog points at, when the file has them.
pub(super) struct CatalogLinks<'a> {
    pub layers: &'a [(Layer, Ref)],
    pub xmp: Option<Ref>,
    pub profile: Option<Ref>,
    /// Each attachment's file specification and embedded file.
    pub attachments: &'a [(Ref, Ref)],
    pub signature: Option<&'a SignatureParts>,
}

/// Writes the catalog: pages, layers, metadata, output intent, attachments and the
/// signature's form.
pub(super) fn write_catalog(
    pdf: &mut Pdf,
    frame: Frame,
    options: &PdfOptions,
    links: &CatalogLinks,
) {
    let mut catalog = pdf.catalog(frame.catalog);
    catalog.pages(frame.pages);
    if !links.layers.is_empty() {
        write_oc_properties(&mut catalog, links.layers);
    }
    if let Some(r) = links.xmp {
        catalog.metadata(r);
    }
    if let Some(profile) = links.profile {
        let subtype = match options.standard {
            PdfStandard::A3b => pdf_writer::types::OutputIntentSubtype::PDFA,
            _ => pdf_writer::types::OutputIntentSubtype::PDFX,
        };
        catalog
            .output_intents()
            .push()
            .subtype(subtype)
            .output_condition(TextStr(standard::OUTPUT_CONDITION))
            .output_condition_identifier(TextStr(standard::OUTPUT_CONDITION_ID))
            .registry_name(TextStr(standard::REGISTRY))
            .info(TextStr(standard::OUTPUT_CONDITION))
            .dest_output_profile(profile);
    }
    if !links.attachments.is_empty() {
        attachments::name_tree(&mut catalog, &options.attachments, links.attachments);
    }
    if let Some(parts) = links.signature {
        let mut form = catalog.insert(Name(b"AcroForm")).dict();
        form.insert(Name(b"Fields")).array().item(parts.field);
        // SignaturesExist | AppendOnly.
        form.pair(Name(b"SigFlags"), 3);
    }
    catalog.finish();
}

/// The catalog's optional-content properties: every layer listed and on.
fn write_oc_properties(catalog: &mut pdf_writer::writers::Catalog, layers: &[(Layer, Ref)]) {
    let mut properties = catalog.insert(Name(b"OCProperties")).dict();
    properties
        .insert(Name(b"OCGs"))
        .array()
        .items(layers.iter().map(|&(_, r)| r));
    let mut config = properties.insert(Name(b"D")).dict();
    config.pair(Name(b"Name"), TextStr("Composite"));
    config
        .insert(Name(b"Order"))
        .array()
        .items(layers.iter().map(|&(_, r)| r));
    config
        .insert(Name(b"ON"))
        .array()
        .items(layers.iter().map(|&(_, r)| r));
}

/// Writes the page tree and the page: its boxes (the trim is the sheet; with the spec's
/// marks, the bleed around it and the media room for crop marks), the signature widget,
/// the content streams (the shared press stream first) and the resources.
pub(super) fn write_page(
    pdf: &mut Pdf,
    frame: Frame,
    page: &Page,
    press: Option<Ref>,
    signature: Option<&SignatureParts>,
    used: &Used,
    states: &States,
) {
    pdf.pages(frame.pages).kids([frame.page]).count(1);
    let trim = Rect::new(0.0, 0.0, pt(page.size.width), pt(page.size.height));
    let (bleed, media) = match page.marks {
        None => (trim, trim),
        Some(marks) => {
            let b = pt(marks.bleed);
            let m = if marks.crop_marks {
                pt(mark_offset(marks.bleed) + CROP_MARK_LENGTH + Mm(2.0))
            } else {
                b
            };
            (grow(trim, b), grow(trim, m))
        }
    };
    let mut pdf_page = pdf.page(frame.page);
    pdf_page
        .parent(frame.pages)
        .media_box(media)
        .trim_box(trim)
        .bleed_box(bleed);
    if let Some(parts) = signature {
        pdf_page.annotations([parts.field]);
    }
    if let Some(press) = press {
        pdf_page.contents_array([press, frame.content]);
    } else {
        pdf_page.contents(frame.content);
    }
    resources::name_all(pdf_page.resources(), page, used, states);
    pdf_page.finish();
}

fn grow(r: Rect, by: f32) -> Rect {
    Rect::new(r.x1 - by, r.y1 - by, r.x2 + by, r.y2 + by)
}

//! Files attached to a PDF/A-3b (the record, the OFD): named in the catalog's
//! `EmbeddedFiles` tree and its `AF` array, each a file specification with its embedded
//! file.

use pdf_writer::{Finish, Name, Pdf, Ref, Str, TextStr};

use super::standard::Stamp;
use super::{deflate, Attachment, Effort, Relationship};
use crate::deflate::Compressors;

/// Names the attachments in the catalog: the name tree (keys in order, as the tree
/// requires) and the associated files.
pub(super) fn name_tree(
    catalog: &mut pdf_writer::writers::Catalog,
    attachments: &[Attachment],
    refs: &[(Ref, Ref)],
) {
    let mut named: Vec<(&str, Ref)> = attachments
        .iter()
        .zip(refs)
        .map(|(a, (spec, _))| (a.name.as_str(), *spec))
        .collect();
    named.sort_by(|a, b| a.0.cmp(b.0));
    let mut names = catalog.names();
    let mut files = names.embedded_files();
    let mut entries = files.names();
    for (name, spec) in named {
        entries.insert(Str(name.as_bytes()), spec);
    }
    entries.finish();
    files.finish();
    names.finish();
    catalog
        .insert(Name(b"AF"))
        .array()
        .items(refs.iter().map(|(spec, _)| *spec));
}

/// Writes each attachment's file specification and embedded file (compressed, dated
/// with the file's own date when it has one).
pub(super) fn write_files(
    pdf: &mut Pdf,
    attachments: &[Attachment],
    refs: &[(Ref, Ref)],
    stamp: Option<Stamp>,
    compressors: &Compressors,
) {
    for (attachment, (spec_ref, file_ref)) in attachments.iter().zip(refs) {
        let mut spec = pdf.file_spec(*spec_ref);
        spec.path(Str(attachment.name.as_bytes()))
            .unic_file(TextStr(&attachment.name))
            .description(TextStr(&attachment.description))
            .association_kind(match attachment.relationship {
                Relationship::Data => pdf_writer::types::AssociationKind::Data,
                Relationship::Alternative => pdf_writer::types::AssociationKind::Alternative,
                Relationship::Source => pdf_writer::types::AssociationKind::Source,
                Relationship::Supplement => pdf_writer::types::AssociationKind::Supplement,
            })
            .embedded_file_with_unicode(*file_ref);
        spec.finish();
        let data = deflate(compressors, &attachment.data, Effort::Fast);
        let mut file = pdf.embedded_file(*file_ref, &data);
        file.subtype(Name(attachment.mime.as_bytes()))
            .filter(pdf_writer::Filter::FlateDecode);
        let mut params = file.params();
        params.size(attachment.data.len() as i32);
        if let Some(stamp) = stamp {
            params.modification_date(stamp.pdf());
        }
        params.finish();
        file.finish();
    }
}

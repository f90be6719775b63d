//! The PDF standards a licence can be written to, and what each adds to the file.
//!
//! - **PDF/X-4** (ISO 15930-7:2010), for the print shop's prepress: PDF 1.6, an output
//!   intent `GTS_PDFX` with the CMYK profile of `icc/` (FOGRA39), `GTS_PDFXVersion` and
//!   `Trapped` in the XMP and the Info dictionary, creation and modification dates, every
//!   font embedded (always so), TrimBox and BleedBox (always written). Spot inks stay
//!   Separations and layers stay optional content, both of which PDF/X-4 allows. No
//!   attached files: the standard forbids them.
//! - **PDF/A-3b** (ISO 19005-3:2012), for the archive (档案归集): the `pdfaid`
//!   identification in the XMP, an output intent `GTS_PDFA1` with the same profile (the
//!   page paints DeviceCMYK), Info and XMP saying the same, attached files each with an
//!   `AFRelationship`, a MIME subtype and a date, listed in the catalog's `AF`; an XMP
//!   extension schema describes the licence's own properties, as PDF/A requires of every
//!   property outside the predefined schemas.
//!
//! Every standard and the plain PDF carry the licence's metadata (GB/T 36903) in the XMP
//! when it is known, under the `certpress` namespace.

use std::fmt::Write as _;

use pdf_writer::Date;
use quick_xml::escape::escape;

use crate::electronic::Metadata;
use crate::error::{Error, Result};

/// Which standard the PDF is written to (`plain`, `x-4`, `a-3b` on the command line and in
/// the service's query).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "serve", derive(serde::Deserialize, utoipa::ToSchema))]
pub enum PdfStandard {
    /// A plain PDF 1.7 (the default).
    #[default]
    #[cfg_attr(feature = "serve", serde(rename = "plain"))]
    Plain,
    /// PDF/X-4, for the print shop: CMYK output intent (FOGRA39), Trapped, page boxes.
    #[cfg_attr(feature = "cli", value(name = "x-4"))]
    #[cfg_attr(feature = "serve", serde(rename = "x-4"))]
    X4,
    /// PDF/A-3b, for the archive: output intent, the record (and the OFD written with it)
    /// attached.
    #[cfg_attr(feature = "cli", value(name = "a-3b"))]
    #[cfg_attr(feature = "serve", serde(rename = "a-3b"))]
    A3b,
}

impl PdfStandard {
    /// The name as the standard writes it.
    pub fn name(self) -> &'static str {
        match self {
            PdfStandard::Plain => "PDF 1.7",
            PdfStandard::X4 => "PDF/X-4",
            PdfStandard::A3b => "PDF/A-3b",
        }
    }
}

/// How an attached file relates to the licence (PDF/A-3's `AFRelationship`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    /// The data the licence was made from (the record).
    Data,
    /// Another rendering of the same licence (the OFD).
    Alternative,
    /// What the licence was made from, in its original form.
    Source,
    /// Supplementary material.
    Supplement,
}

/// A file attached to a PDF/A-3b licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name (`record.json`).
    pub name: String,
    /// Its MIME type (`application/json`).
    pub mime: String,
    /// What it is, for a reader's attachment list.
    pub description: String,
    /// How it relates to the licence.
    pub relationship: Relationship,
    /// Its bytes.
    pub data: Vec<u8>,
}

impl Attachment {
    /// The electronic licence (OFD) of the same licence: what an archived PDF/A-3b carries
    /// as its alternative rendering.
    pub fn ofd(bytes: Vec<u8>) -> Self {
        Self {
            name: "licence.ofd".into(),
            mime: "application/ofd".into(),
            description: "The electronic licence (OFD, GB/T 33190)".into(),
            relationship: Relationship::Alternative,
            data: bytes,
        }
    }
}

/// The output intent's CMYK profile (see `icc/README.md`).
pub(crate) const OUTPUT_PROFILE: &[u8] = include_bytes!("../../icc/FOGRA39L-certpress.icc");
/// The registered characterisation the profile describes.
pub(crate) const OUTPUT_CONDITION_ID: &str = "FOGRA39";
/// Its description.
pub(crate) const OUTPUT_CONDITION: &str =
    "Offset printing, ISO 12647-2:2004/Amd 1, coated paper (FOGRA39)";
/// Where that characterisation is registered.
pub(crate) const REGISTRY: &str = "http://www.color.org";

/// A calendar date the file is stamped with: midnight China Standard Time (UTC+8), where
/// licences are issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    year: u16,
    month: u8,
    day: u8,
}

impl Stamp {
    /// From `YYYY-MM-DD`.
    pub(crate) fn parse(iso: &str) -> Option<Self> {
        let mut parts = iso.split('-');
        let year: u16 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        let ok = parts.next().is_none()
            && iso.len() == 10
            && (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && (1900..=9999).contains(&year);
        ok.then_some(Self { year, month, day })
    }

    /// The Info dictionary's date.
    pub(crate) fn pdf(self) -> Date {
        Date::new(self.year)
            .month(self.month)
            .day(self.day)
            .hour(0)
            .minute(0)
            .second(0)
            .utc_offset_hour(8)
            .utc_offset_minute(0)
    }

    /// The XMP's date, the same instant.
    fn xmp(self) -> String {
        format!(
            "{:04}-{:02}-{:02}T00:00:00+08:00",
            self.year, self.month, self.day
        )
    }
}

/// The date a standard's file is stamped with: the one given, else the licence's issue
/// date. A standard needs one; a plain PDF has none (its bytes stay those of the same
/// licence whenever it is made).
pub(crate) fn stamp(
    standard: PdfStandard,
    date: Option<&str>,
    metadata: Option<&Metadata>,
) -> Result<Option<Stamp>> {
    let given = date.or_else(|| metadata.and_then(|m| m.get("issueDate")));
    match (standard, given) {
        (_, Some(iso)) => Stamp::parse(iso).map(Some).ok_or_else(|| Error::Options {
            message: format!("the PDF's date `{iso}` is not a date: give YYYY-MM-DD"),
        }),
        (PdfStandard::Plain, None) => Ok(None),
        (standard, None) => Err(Error::Options {
            message: format!(
                "{} needs the file's creation date: give one (--date YYYY-MM-DD), or declare the licence's metadata (the spec's `electronic` section) so the issue date is used",
                standard.name()
            ),
        }),
    }
}

/// What a standard forbids that the options ask for: an error that says what to change.
pub(crate) fn check(standard: PdfStandard, attachments: &[Attachment]) -> Result<()> {
    if !attachments.is_empty() && standard != PdfStandard::A3b {
        return Err(Error::Options {
            message: format!(
                "{} cannot carry attached files ({}); attach them to a PDF/A-3b (--pdf-standard a-3b)",
                standard.name(),
                attachments
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    for a in attachments {
        if a.name.is_empty() || !a.mime.contains('/') {
            return Err(Error::Options {
                message: format!(
                    "attachment `{}` needs a file name and a MIME type such as application/json",
                    a.name
                ),
            });
        }
    }
    Ok(())
}

/// The certpress XMP namespace for the licence's metadata.
pub(crate) const LICENCE_NS: &str = "urn:certpress:ns:licence:1.0:";

/// What the XMP packet says.
pub(crate) struct XmpFacts<'a> {
    pub standard: PdfStandard,
    pub title: Option<&'a str>,
    pub author: Option<&'a str>,
    pub producer: &'a str,
    pub stamp: Option<Stamp>,
    pub document_id: &'a str,
    pub metadata: Option<&'a Metadata>,
}

/// The XMP metadata packet (uncompressed, as PDF/A and PDF/X readers expect it).
pub(crate) fn xmp(facts: &XmpFacts<'_>) -> Vec<u8> {
    let mut x = String::new();
    x.push_str("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
    x.push_str("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n");
    x.push_str("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n");
    let _ = writeln!(
        x,
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" xmlns:pdfxid=\"http://www.npes.org/pdfx/ns/id/\" xmlns:certpress=\"{LICENCE_NS}\">"
    );
    x.push_str("<dc:format>application/pdf</dc:format>\n");
    if let Some(title) = facts.title {
        let _ = writeln!(
            x,
            "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>",
            escape(title)
        );
    }
    if let Some(author) = facts.author {
        let _ = writeln!(
            x,
            "<dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>",
            escape(author)
        );
    }
    if let Some(stamp) = facts.stamp {
        let date = stamp.xmp();
        let _ = writeln!(x, "<xmp:CreateDate>{date}</xmp:CreateDate>");
        let _ = writeln!(x, "<xmp:ModifyDate>{date}</xmp:ModifyDate>");
        let _ = writeln!(x, "<xmp:MetadataDate>{date}</xmp:MetadataDate>");
    }
    let _ = writeln!(
        x,
        "<xmp:CreatorTool>{}</xmp:CreatorTool>",
        escape(facts.producer)
    );
    let _ = writeln!(x, "<pdf:Producer>{}</pdf:Producer>", escape(facts.producer));
    let _ = writeln!(
        x,
        "<xmpMM:DocumentID>uuid:{}</xmpMM:DocumentID>",
        facts.document_id
    );
    let _ = writeln!(
        x,
        "<xmpMM:InstanceID>uuid:{}</xmpMM:InstanceID>",
        facts.document_id
    );
    match facts.standard {
        PdfStandard::Plain => {}
        PdfStandard::X4 => {
            x.push_str("<pdf:Trapped>False</pdf:Trapped>\n");
            x.push_str("<xmpMM:VersionID>1</xmpMM:VersionID>\n");
            x.push_str("<xmpMM:RenditionClass>default</xmpMM:RenditionClass>\n");
            x.push_str("<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>\n");
        }
        PdfStandard::A3b => {
            x.push_str("<pdfaid:part>3</pdfaid:part>\n");
            x.push_str("<pdfaid:conformance>B</pdfaid:conformance>\n");
        }
    }
    if let Some(metadata) = facts.metadata {
        for entry in &metadata.entries {
            let _ = writeln!(
                x,
                "<certpress:{key}>{}</certpress:{key}>",
                escape(&entry.value),
                key = entry.key
            );
        }
    }
    x.push_str("</rdf:Description>\n");
    if facts.standard == PdfStandard::A3b {
        if let Some(metadata) = facts.metadata {
            extension_schema(&mut x, metadata);
        }
    }
    x.push_str("</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>");
    x.into_bytes()
}

/// The PDF/A extension schema describing the `certpress` properties (ISO 19005-1 §6.7.8,
/// kept by parts 2 and 3).
fn extension_schema(x: &mut String, metadata: &Metadata) {
    x.push_str("<rdf:Description rdf:about=\"\" xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n");
    x.push_str("<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">\n");
    x.push_str("<pdfaSchema:schema>certpress electronic licence metadata (GB/T 36903)</pdfaSchema:schema>\n");
    let _ = writeln!(
        x,
        "<pdfaSchema:namespaceURI>{LICENCE_NS}</pdfaSchema:namespaceURI>"
    );
    x.push_str("<pdfaSchema:prefix>certpress</pdfaSchema:prefix>\n");
    x.push_str("<pdfaSchema:property><rdf:Seq>\n");
    for entry in &metadata.entries {
        let _ = writeln!(
            x,
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>{}</pdfaProperty:description></rdf:li>",
            entry.key,
            escape(entry.name)
        );
    }
    x.push_str("</rdf:Seq></pdfaSchema:property>\n");
    x.push_str("</rdf:li></rdf:Bag></pdfaExtension:schemas>\n</rdf:Description>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly() {
        assert!(Stamp::parse("2022-09-26").is_some());
        for bad in [
            "2022-9-26",
            "2022-13-01",
            "26.09.2022",
            "2022-09-26T00:00",
            "",
        ] {
            assert!(Stamp::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn attachments_are_refused_outside_pdf_a3() {
        let a = Attachment {
            name: "record.json".into(),
            mime: "application/json".into(),
            description: "record".into(),
            relationship: Relationship::Data,
            data: b"{}".to_vec(),
        };
        assert!(check(PdfStandard::A3b, std::slice::from_ref(&a)).is_ok());
        let err = check(PdfStandard::X4, &[a]).unwrap_err().to_string();
        assert!(
            err.contains("PDF/X-4") && err.contains("record.json"),
            "{err}"
        );
    }
}

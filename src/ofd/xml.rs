//! The OFD package's XML files, written with quick-xml (which escapes every attribute and
//! text, so a record's text cannot break the markup).

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::{OfdOptions, NS};
use crate::bitmap::Bitmap;
use crate::error::{Error, Result};
use crate::spec::Cmyk;

/// An XML document being written; the first error (none when writing to memory) is kept
/// and returned by [`Xml::finish`].
pub(crate) struct Xml {
    writer: quick_xml::Writer<Vec<u8>>,
    error: Option<quick_xml::Error>,
}

impl Xml {
    pub(crate) fn new() -> Self {
        let mut xml = Self {
            writer: quick_xml::Writer::new(Vec::new()),
            error: None,
        };
        xml.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        xml
    }

    fn event(&mut self, event: Event<'_>) {
        if let Err(e) = self.writer.write_event(event) {
            self.error.get_or_insert(e);
        }
    }

    fn start<'a>(name: &'a str, attrs: &'a [(&'a str, String)]) -> BytesStart<'a> {
        let mut start = BytesStart::new(name);
        for (key, value) in attrs {
            start.push_attribute((*key, value.as_str()));
        }
        start
    }

    /// `<name attrs>`.
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.event(Event::Start(Self::start(name, attrs)));
    }

    /// `</name>`.
    pub(crate) fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs/>`.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.event(Event::Empty(Self::start(name, attrs)));
    }

    /// `<name attrs>data</name>` for text that holds nothing to escape (path data: digits,
    /// signs, points, spaces and operator letters), written as it is.
    pub(crate) fn data_element(&mut self, name: &str, attrs: &[(&str, String)], data: &str) {
        debug_assert!(!data.contains(['<', '&', '>']));
        self.open(name, attrs);
        self.event(Event::Text(BytesText::from_escaped(data)));
        self.close(name);
    }

    /// `<name attrs>text</name>`, the text escaped.
    pub(crate) fn text_element(&mut self, name: &str, attrs: &[(&str, String)], text: &str) {
        self.open(name, attrs);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        // Writing to memory cannot fail; an error here would be quick-xml's own.
        debug_assert!(self.error.is_none());
        self.writer.into_inner()
    }
}

/// A number in mm as OFD writes it: at most three decimals (1 µm), no trailing zeros.
pub(crate) fn num(v: f64) -> String {
    let mut out = String::with_capacity(12);
    push_num(&mut out, v);
    out
}

/// Appends `v` as [`num`] writes it: rounded to thousandths in integers, so that the
/// hundred thousand coordinates of a licence's guilloche cost no float formatting.
pub(crate) fn push_num(out: &mut String, v: f64) {
    use std::fmt::Write as _;
    let milli = (v * 1000.0).round();
    if !milli.is_finite() || milli.abs() >= 1e15 {
        out.push('0');
        return;
    }
    let milli = milli as i64;
    if milli < 0 {
        out.push('-');
    }
    let (whole, fraction) = (milli.unsigned_abs() / 1000, milli.unsigned_abs() % 1000);
    let _ = write!(out, "{whole}");
    if fraction != 0 {
        let digits = [fraction / 100, fraction / 10 % 10, fraction % 10];
        let keep = if digits[2] != 0 {
            3
        } else if digits[1] != 0 {
            2
        } else {
            1
        };
        out.push('.');
        for d in &digits[..keep] {
            out.push(char::from(b'0' + *d as u8));
        }
    }
}

/// `ST_Box`: `x y width height`.
pub(crate) fn boxed(x: f64, y: f64, width: f64, height: f64) -> String {
    format!("{} {} {} {}", num(x), num(y), num(width), num(height))
}

/// A CMYK colour's `Value` on 8 bits a channel: percent × 2.55, rounded.
pub(crate) fn colour(cmyk: Cmyk) -> String {
    [cmyk.c, cmyk.m, cmyk.y, cmyk.k]
        .map(|v| ((v.clamp(0.0, 100.0) * 2.55).round() as u8).to_string())
        .join(" ")
}

/// `OFD.xml`: the entry, its `DocInfo` with the licence's metadata as `CustomData`.
pub(crate) fn ofd_entry(doc_id: &str, options: &OfdOptions) -> Result<Vec<u8>> {
    let mut w = Xml::new();
    w.open(
        "ofd:OFD",
        &[
            ("xmlns:ofd", NS.into()),
            ("Version", "1.0".into()),
            ("DocType", "OFD".into()),
        ],
    );
    w.open("ofd:DocBody", &[]);
    w.open("ofd:DocInfo", &[]);
    w.text_element("ofd:DocID", &[], doc_id);
    let metadata = options.metadata.as_ref();
    let title = options
        .title
        .clone()
        .or_else(|| metadata.and_then(|m| m.get("licenceType").map(str::to_owned)));
    if let Some(title) = &title {
        w.text_element("ofd:Title", &[], title);
    }
    if let Some(issuer) = metadata.and_then(|m| m.get("issuer")) {
        w.text_element("ofd:Author", &[], issuer);
    }
    if let Some(holder) = metadata.and_then(|m| m.get("holder")) {
        w.text_element("ofd:Subject", &[], holder);
    }
    if let Some(date) = metadata.and_then(|m| m.get("issueDate")) {
        w.text_element("ofd:CreationDate", &[], date);
    }
    w.text_element("ofd:DocUsage", &[], "Normal");
    w.text_element("ofd:Creator", &[], "certpress");
    w.text_element("ofd:CreatorVersion", &[], env!("CARGO_PKG_VERSION"));
    if let Some(metadata) = metadata {
        w.open("ofd:CustomDatas", &[]);
        for entry in &metadata.entries {
            w.text_element(
                "ofd:CustomData",
                &[("Name", entry.name.into())],
                &entry.value,
            );
        }
        w.close("ofd:CustomDatas");
    }
    w.close("ofd:DocInfo");
    w.text_element("ofd:DocRoot", &[], "Doc_0/Document.xml");
    w.close("ofd:DocBody");
    w.close("ofd:OFD");
    Ok(w.finish())
}

/// `Document.xml`: the page area, the resource files, the one page.
pub(crate) fn document(
    max_id: u32,
    width: f64,
    height: f64,
    template: Option<(u32, &str)>,
) -> Result<Vec<u8>> {
    let mut w = Xml::new();
    w.open("ofd:Document", &[("xmlns:ofd", NS.into())]);
    w.open("ofd:CommonData", &[]);
    w.text_element("ofd:MaxUnitID", &[], &max_id.to_string());
    w.open("ofd:PageArea", &[]);
    w.text_element("ofd:PhysicalBox", &[], &boxed(0.0, 0.0, width, height));
    w.close("ofd:PageArea");
    w.text_element("ofd:PublicRes", &[], "PublicRes.xml");
    w.text_element("ofd:DocumentRes", &[], "DocumentRes.xml");
    if let Some((id, loc)) = template {
        w.empty(
            "ofd:TemplatePage",
            &[
                ("ID", id.to_string()),
                ("BaseLoc", loc.into()),
                ("ZOrder", "Background".into()),
            ],
        );
    }
    w.text_element("ofd:DefaultCS", &[], &super::CMYK_SPACE.to_string());
    w.close("ofd:CommonData");
    w.open("ofd:Pages", &[]);
    w.empty(
        "ofd:Page",
        &[
            ("ID", "1".into()),
            ("BaseLoc", "Pages/Page_0/Content.xml".into()),
        ],
    );
    w.close("ofd:Pages");
    w.close("ofd:Document");
    Ok(w.finish())
}

/// `PublicRes.xml`: the CMYK colour space and the embedded fonts `(id, name, file)`.
/// A font resource: its ID, the embedded face's name, the family a reader without the
/// file should fall back on, and the file.
pub(crate) struct FontResource {
    pub id: u32,
    pub name: String,
    pub family: String,
    pub file: String,
}

/// `PublicRes.xml`: the CMYK colour space (when colours are written in it) and the fonts.
pub(crate) fn public_res(space: Option<u32>, fonts: &[FontResource]) -> Result<Vec<u8>> {
    let mut w = Xml::new();
    w.open(
        "ofd:Res",
        &[("xmlns:ofd", NS.into()), ("BaseLoc", "Res".into())],
    );
    if let Some(space) = space {
        w.open("ofd:ColorSpaces", &[]);
        w.empty(
            "ofd:ColorSpace",
            &[
                ("ID", space.to_string()),
                ("Type", "CMYK".into()),
                ("BitsPerComponent", "8".into()),
            ],
        );
        w.close("ofd:ColorSpaces");
    }
    if !fonts.is_empty() {
        w.open("ofd:Fonts", &[]);
        for font in fonts {
            w.open(
                "ofd:Font",
                &[
                    ("ID", font.id.to_string()),
                    ("FontName", font.name.clone()),
                    ("FamilyName", font.family.clone()),
                ],
            );
            w.text_element("ofd:FontFile", &[], &font.file);
            w.close("ofd:Font");
        }
        w.close("ofd:Fonts");
    }
    w.close("ofd:Res");
    Ok(w.finish())
}

/// `DocumentRes.xml`: the pictures `(id, file)`.
pub(crate) fn document_res(media: &[(u32, String)]) -> Result<Vec<u8>> {
    let mut w = Xml::new();
    w.open(
        "ofd:Res",
        &[("xmlns:ofd", NS.into()), ("BaseLoc", "Res".into())],
    );
    if !media.is_empty() {
        w.open("ofd:MultiMedias", &[]);
        for (id, file) in media {
            w.open(
                "ofd:MultiMedia",
                &[
                    ("ID", id.to_string()),
                    ("Type", "Image".into()),
                    ("Format", "PNG".into()),
                ],
            );
            w.text_element("ofd:MediaFile", &[], file);
            w.close("ofd:MultiMedia");
        }
        w.close("ofd:MultiMedias");
    }
    w.close("ofd:Res");
    Ok(w.finish())
}

/// The pixels `[x0, y0, x1, y1]` of a picture as an RGBA PNG: its CMYK as the raster
/// proofs it, or (`ink`) that colour where the picture has coverage.
pub(crate) fn picture_png(
    bitmap: &Bitmap,
    crop: [u32; 4],
    ink: Option<[u8; 3]>,
) -> Result<Vec<u8>> {
    let [x0, y0, x1, y1] = crop;
    let (width, height) = (x1 - x0, y1 - y0);
    let mut rgba = Vec::with_capacity(width as usize * height as usize * 4);
    let coverage = ink.map(|_| bitmap.coverage());
    for y in y0..y1 {
        for x in x0..x1 {
            let i = (y * bitmap.width + x) as usize;
            match (ink, coverage) {
                (Some(rgb), Some(coverage)) => {
                    rgba.extend_from_slice(&rgb);
                    rgba.push(coverage[i]);
                }
                _ => {
                    let p = &bitmap.cmyk[i * 4..i * 4 + 4];
                    let cmyk = Cmyk {
                        c: f64::from(p[0]) / 2.55,
                        m: f64::from(p[1]) / 2.55,
                        y: f64::from(p[2]) / 2.55,
                        k: f64::from(p[3]) / 2.55,
                    };
                    rgba.extend_from_slice(&crate::colour::proof_rgb(cmyk));
                    rgba.push(bitmap.alpha.as_ref().map_or(255, |a| a[i]));
                }
            }
        }
    }
    let mut png = Vec::new();
    let fail = |e: png::EncodingError| Error::Render {
        message: format!("encoding a picture for the OFD failed: {e}"),
    };
    {
        let mut encoder = png::Encoder::new(&mut png, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(fail)?;
        writer.write_image_data(&rgba).map_err(fail)?;
    }
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_are_thousandths_without_trailing_zeros() {
        for (v, text) in [
            (0.0, "0"),
            (-0.0001, "0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (420.0, "420"),
            (0.1234, "0.123"),
            (0.0005, "0.001"),
            (-0.05, "-0.05"),
            (12.3456, "12.346"),
            (f64::NAN, "0"),
        ] {
            assert_eq!(num(v), text, "{v}");
        }
    }
}

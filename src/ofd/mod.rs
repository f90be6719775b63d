//! The OFD back end (GB/T 33190-2016): a [`Page`] as the electronic licence the 电子证照库
//! files, from the same display list as the PDF.
//!
//! An OFD is a ZIP package of XML in millimetres, y down from the page's top-left corner:
//! the display list's own units, so positions are written as they are. The package holds
//! `OFD.xml` (the document's entry and its metadata, `CustomDatas`), `Doc_0/Document.xml`
//! (the page area and the resources), `Doc_0/PublicRes.xml` (the CMYK colour space and
//! the fonts), `Doc_0/DocumentRes.xml` (pictures and the guilloche tiles) and the page's
//! `Content.xml`; fonts are embedded subsets, renumbered, so every text object names its
//! glyphs with a `CGTransform` and keeps its characters in `TextCode` (searchable,
//! copyable).
//!
//! An electronic licence is the composite daylight view: process colours are written as
//! CMYK exactly as the spec gives them (8 bits a channel, so 1 % is 2.55 of 255); a spot
//! ink, which an OFD cannot keep as a plate, is written as its CMYK proof colour; the
//! invisible fluorescent ink is left out, as daylight shows it. Pictures are PNG in RGB
//! (from their CMYK as the raster proofs them), cut to their box.
//!
//! Guilloche lines are cut to their region by geometry ([`clip`]), so no reader needs to
//! honour a clip path for the QR code's quiet zone to stay clear.
//!
//! The package is deterministic: entries in a fixed order, each stamped 1980-01-01 00:00,
//! the document ID a hash of the content.

mod clip;
mod xml;

use std::collections::BTreeMap;
use std::io::Write as _;

use subsetter::GlyphRemapper;

use crate::bitmap::Bitmap;
use crate::display::{
    GlyphRun, InkKind, Lines, Page, Path, PathSink, PlacedImage, QrSymbol, Shape,
};
use crate::electronic::Metadata;
use crate::error::{Error, Result};
use crate::fonts::{FaceId, FontBook};
use crate::units::{Point, Rect};
pub(crate) use xml::num;
use xml::Xml;

/// What to put in the OFD besides the page.
#[derive(Debug, Clone, Default)]
pub struct OfdOptions {
    /// Document title (`DocInfo/Title`). Default: none.
    pub title: Option<String>,
    /// The licence's metadata, written as `CustomData` entries (and its issuer, holder
    /// and date into `DocInfo`). Default: none.
    pub metadata: Option<Metadata>,
}

/// The OFD namespace.
const NS: &str = "http://www.ofdspec.org/2016";

/// The one colour space every colour names: DeviceCMYK, 8 bits a channel.
const CMYK_SPACE: u32 = 1;

/// Writes the page as an OFD package.
pub fn ofd(page: &Page, fonts: &FontBook, options: &OfdOptions) -> Result<Vec<u8>> {
    let mut content = ContentWriter {
        page,
        ids: Ids {
            next: CMYK_SPACE + 1,
        },
        fonts: BTreeMap::new(),
        images: Vec::new(),
    };
    let body = content.body()?;
    let ContentWriter {
        ids,
        fonts: used_fonts,
        images,
        ..
    } = content;

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut font_files = Vec::new();
    for (face_id, usage) in &used_fonts {
        let face = fonts.face(*face_id);
        let program = face.subset(&usage.remapper)?;
        let ext = if face.metrics.is_cff { "otf" } else { "ttf" };
        font_files.push((
            usage.id,
            face.name.clone(),
            format!("font_{}.{ext}", usage.id),
        ));
        files.push((format!("Doc_0/Res/font_{}.{ext}", usage.id), program));
    }
    let mut media = Vec::new();
    for image in &images {
        let file = format!("image_{}.png", image.id);
        files.push((format!("Doc_0/Res/{file}"), image.png.clone()));
        media.push((image.id, file));
    }
    let max_id = ids.next - 1;
    let public_res = xml::public_res(CMYK_SPACE, &font_files)?;
    let document_res = xml::document_res(&media)?;
    let document = xml::document(max_id, page.size.width.get(), page.size.height.get())?;
    let mut entries = vec![
        ("Doc_0/Document.xml".to_owned(), document),
        ("Doc_0/PublicRes.xml".to_owned(), public_res),
        ("Doc_0/DocumentRes.xml".to_owned(), document_res),
        ("Doc_0/Pages/Page_0/Content.xml".to_owned(), body),
    ];
    entries.extend(files);
    // The document ID: a hash of everything else, so the same input gives the same ID.
    let mut hash = Fnv::default();
    for (name, bytes) in &entries {
        hash.write(name.as_bytes());
        hash.write(bytes);
    }
    let entry = xml::ofd_entry(&format!("{:016x}", hash.0), options)?;
    entries.insert(0, ("OFD.xml".to_owned(), entry));
    zip(&entries)
}

/// The ZIP container: entries in the given order, deflated, with fixed timestamps.
pub(crate) fn zip(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| Error::Render {
        message: format!("writing the OFD package failed: {e}"),
    };
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in entries {
        writer
            .start_file(name.as_str(), options)
            .map_err(|e| fail(&e))?;
        writer.write_all(bytes).map_err(|e| fail(&e))?;
    }
    let cursor = writer.finish().map_err(|e| fail(&e))?;
    Ok(cursor.into_inner())
}

/// FNV-1a, 64 bits, for the document ID.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, data: &[u8]) {
        for &b in data {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Object and resource identifiers (`ST_ID`), unique in the document, from 1 up.
struct Ids {
    next: u32,
}

impl Ids {
    fn take(&mut self) -> u32 {
        let id = self.next;
        self.next += 1;
        id
    }
}

/// The glyphs of one face the page uses, and the font resource's ID.
struct FontUse {
    id: u32,
    remapper: GlyphRemapper,
}

/// A picture as the OFD's PNG.
struct ImageUse {
    id: u32,
    png: Vec<u8>,
}

/// Writes the page's `Content.xml`, collecting the fonts, tiles and pictures it uses.
struct ContentWriter<'a> {
    page: &'a Page,
    ids: Ids,
    fonts: BTreeMap<FaceId, FontUse>,
    images: Vec<ImageUse>,
}

impl ContentWriter<'_> {
    fn body(&mut self) -> Result<Vec<u8>> {
        let page = self.page;
        let mut w = Xml::new();
        let layer_id = self.ids.take();
        w.open("ofd:Page", &[("xmlns:ofd", NS.into())]);
        w.open("ofd:Content", &[]);
        w.open(
            "ofd:Layer",
            &[("ID", layer_id.to_string()), ("Type", "Body".into())],
        );
        for item in &page.items {
            let kind = &page.inks[item.ink.0].kind;
            // The composite daylight view: the invisible ink shows nothing.
            if matches!(
                kind,
                InkKind::Spot {
                    invisible: true,
                    ..
                }
            ) {
                continue;
            }
            let colour = xml::colour(kind.proof());
            match &item.shape {
                Shape::Text(run) => self.text(&mut w, run, &colour),
                Shape::Path(path) => self.path(&mut w, path, &colour),
                Shape::Qr(symbol) => self.qr(&mut w, symbol, &colour),
                Shape::Lines(lines) => self.lines(&mut w, lines, &colour),
                Shape::Image(image) => self.image(&mut w, image, kind)?,
            }
        }
        w.close("ofd:Layer");
        w.close("ofd:Content");
        w.close("ofd:Page");
        Ok(w.finish())
    }

    /// A run of glyphs: its characters in `TextCode` (what search and copy read), its
    /// glyphs in the embedded subset by a `CGTransform` (what is drawn).
    fn text(&mut self, w: &mut Xml, run: &GlyphRun, colour: &str) {
        let (Some(first), Some(last)) = (run.glyphs.first(), run.glyphs.last()) else {
            return;
        };
        let next_font_id = self.ids.next;
        let usage = self.fonts.entry(run.face).or_insert_with(|| FontUse {
            id: next_font_id,
            remapper: GlyphRemapper::new(),
        });
        if usage.id == next_font_id {
            self.ids.take();
        }
        let glyphs: Vec<String> = run
            .glyphs
            .iter()
            .map(|g| usage.remapper.remap(g.id).to_string())
            .collect();
        let font_id = usage.id;
        let size = run.size.to_mm().get();
        // The object's box: the run's advances, a size either side of the baseline; a
        // reader that cuts objects to their boundary cuts no ink.
        let left = first.x.get() - size;
        let top = run.baseline.get() - 1.5 * size;
        let width = (last.x + last.advance).get() + size - left;
        let boundary = xml::boxed(left, top, width, 2.5 * size);
        let text: String = run.glyphs.iter().map(|g| g.text).collect();
        let deltas: Vec<String> = run
            .glyphs
            .windows(2)
            .map(|pair| num((pair[1].x - pair[0].x).get()))
            .collect();
        let id = self.ids.take();
        let mut attrs = vec![
            ("ID", id.to_string()),
            ("Boundary", boundary),
            ("Font", font_id.to_string()),
            ("Size", num(size)),
        ];
        if !run.visible {
            // Present for search and copy, painted nowhere (the QR payload's text layer).
            attrs.push(("Fill", "false".into()));
        }
        w.open("ofd:TextObject", &attrs);
        w.empty(
            "ofd:FillColor",
            &[
                ("ColorSpace", CMYK_SPACE.to_string()),
                ("Value", colour.into()),
            ],
        );
        let count = run.glyphs.len().to_string();
        w.open(
            "ofd:CGTransform",
            &[
                ("CodePosition", "0".into()),
                ("CodeCount", count.clone()),
                ("GlyphCount", count),
            ],
        );
        w.text_element("ofd:Glyphs", &[], &glyphs.join(" "));
        w.close("ofd:CGTransform");
        let mut code = vec![
            ("X", num(first.x.get() - left)),
            ("Y", num(run.baseline.get() - top)),
        ];
        if !deltas.is_empty() {
            code.push(("DeltaX", deltas.join(" ")));
        }
        w.text_element("ofd:TextCode", &code, &text);
        w.close("ofd:TextObject");
    }

    /// A filled path, in a boundary around its points.
    fn path(&mut self, w: &mut Xml, path: &Path, colour: &str) {
        let Some([left, top, right, bottom]) = path.control_box() else {
            return;
        };
        let id = self.ids.take();
        let mut attrs = vec![
            ("ID", id.to_string()),
            (
                "Boundary",
                xml::boxed(left, top, right - left, bottom - top),
            ),
            ("Stroke", "false".into()),
            ("Fill", "true".into()),
        ];
        if path.even_odd {
            attrs.push(("Rule", "Even-Odd".into()));
        }
        w.open("ofd:PathObject", &attrs);
        w.empty(
            "ofd:FillColor",
            &[
                ("ColorSpace", CMYK_SPACE.to_string()),
                ("Value", colour.into()),
            ],
        );
        let mut data = PathData::default();
        path.walk(
            |p| ((p.x.get() - left) as f32, (p.y.get() - top) as f32),
            &mut data,
        );
        w.text_element("ofd:AbbreviatedData", &[], &data.0);
        w.close("ofd:PathObject");
    }

    /// QR modules as rectangles, each row's runs of dark modules merged.
    fn qr(&mut self, w: &mut Xml, symbol: &QrSymbol, colour: &str) {
        let module = symbol.module.get();
        let side = symbol.side().get();
        let id = self.ids.take();
        w.open(
            "ofd:PathObject",
            &[
                ("ID", id.to_string()),
                (
                    "Boundary",
                    xml::boxed(symbol.origin.x.get(), symbol.origin.y.get(), side, side),
                ),
                ("Stroke", "false".into()),
                ("Fill", "true".into()),
            ],
        );
        w.empty(
            "ofd:FillColor",
            &[
                ("ColorSpace", CMYK_SPACE.to_string()),
                ("Value", colour.into()),
            ],
        );
        let mut data = String::new();
        for row in 0..symbol.width {
            let mut col = 0;
            while col < symbol.width {
                if !symbol.is_dark(row, col) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < symbol.width && symbol.is_dark(row, col) {
                    col += 1;
                }
                let (x0, x1) = (start as f64 * module, col as f64 * module);
                let (y0, y1) = (row as f64 * module, (row + 1) as f64 * module);
                data.push_str(&format!(
                    "M {} {} L {} {} L {} {} L {} {} C ",
                    num(x0),
                    num(y0),
                    num(x1),
                    num(y0),
                    num(x1),
                    num(y1),
                    num(x0),
                    num(y1)
                ));
            }
        }
        w.text_element("ofd:AbbreviatedData", &[], data.trim_end());
        w.close("ofd:PathObject");
    }

    /// Guilloche lines: the copies' centre-lines cut to their region (see [`clip`]),
    /// stroked, as one path object.
    fn lines(&mut self, w: &mut Xml, lines: &Lines, colour: &str) {
        let cut = clip::cut(lines);
        let Some([left, top, right, bottom]) = cut.control_box() else {
            return;
        };
        let half = lines.tile.width.get() / 2.0;
        let (left, top) = (left - half, top - half);
        let id = self.ids.take();
        w.open(
            "ofd:PathObject",
            &[
                ("ID", id.to_string()),
                (
                    "Boundary",
                    xml::boxed(left, top, right + half - left, bottom + half - top),
                ),
                ("LineWidth", num(lines.tile.width.get())),
                ("Stroke", "true".into()),
                ("Fill", "false".into()),
            ],
        );
        w.empty(
            "ofd:StrokeColor",
            &[
                ("ColorSpace", CMYK_SPACE.to_string()),
                ("Value", colour.into()),
            ],
        );
        let mut data = PathData::default();
        cut.walk(
            |p| ((p.x.get() - left) as f32, (p.y.get() - top) as f32),
            &mut data,
        );
        w.text_element("ofd:AbbreviatedData", &[], &data.0);
        w.close("ofd:PathObject");
    }

    /// A picture, cut to its box, as a PNG in RGB (in one ink: the ink's proof colour
    /// where the picture has coverage).
    fn image(&mut self, w: &mut Xml, image: &PlacedImage, kind: &InkKind) -> Result<()> {
        let Some((cut, crop)) = crop(&image.bitmap, image.area, image.clip) else {
            return Ok(());
        };
        let ink = image.in_ink.then(|| crate::raster::proof_rgb(kind.proof()));
        let png = xml::picture_png(&image.bitmap, crop, ink)?;
        let media = self.ids.take();
        self.images.push(ImageUse { id: media, png });
        let id = self.ids.take();
        w.empty(
            "ofd:ImageObject",
            &[
                ("ID", id.to_string()),
                (
                    "Boundary",
                    xml::boxed(
                        cut.left().get(),
                        cut.top().get(),
                        cut.width().get(),
                        cut.height().get(),
                    ),
                ),
                (
                    "CTM",
                    format!(
                        "{} 0 0 {} 0 0",
                        num(cut.width().get()),
                        num(cut.height().get())
                    ),
                ),
                ("ResourceID", media.to_string()),
            ],
        );
        Ok(())
    }
}

/// The whole pixels of `bitmap` (drawn over `area`) inside `clip`, and the sheet box they
/// cover: `(box, [x0, y0, x1, y1])`. `None` when nothing is inside.
fn crop(bitmap: &Bitmap, area: Rect, clip: Rect) -> Option<(Rect, [u32; 4])> {
    let (w, h) = (f64::from(bitmap.width), f64::from(bitmap.height));
    let sx = w / area.width().get();
    let sy = h / area.height().get();
    let px = |v: f64, max: f64| v.clamp(0.0, max);
    let x0 = px(((clip.left() - area.left()).get() * sx).floor(), w);
    let y0 = px(((clip.top() - area.top()).get() * sy).floor(), h);
    let x1 = px(((clip.right() - area.left()).get() * sx).ceil(), w);
    let y1 = px(((clip.bottom() - area.top()).get() * sy).ceil(), h);
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let at = |x: f64, y: f64| {
        Point::new(
            area.left() + crate::units::Mm(x / sx),
            area.top() + crate::units::Mm(y / sy),
        )
    };
    let (a, b) = (at(x0, y0), at(x1, y1));
    let cut = Rect::from_ltrb(a.x, a.y, b.x, b.y)?;
    Some((cut, [x0 as u32, y0 as u32, x1 as u32, y1 as u32]))
}

/// Abbreviated path data (§9.3.4): `M`, `L`, `B` and `C` with coordinates in mm.
#[derive(Default)]
pub(crate) struct PathData(pub(crate) String);

impl PathData {
    fn point(&mut self, (x, y): (f32, f32)) {
        self.0.push(' ');
        self.0.push_str(&num(f64::from(x)));
        self.0.push(' ');
        self.0.push_str(&num(f64::from(y)));
    }

    fn op(&mut self, op: char) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        self.0.push(op);
    }
}

impl PathSink for PathData {
    fn move_to(&mut self, to: (f32, f32)) {
        self.op('M');
        self.point(to);
    }

    fn line_to(&mut self, to: (f32, f32)) {
        self.op('L');
        self.point(to);
    }

    fn cubic_to(&mut self, c0: (f32, f32), c1: (f32, f32), to: (f32, f32)) {
        self.op('B');
        self.point(c0);
        self.point(c1);
        self.point(to);
    }

    fn close(&mut self) {
        self.op('C');
    }
}

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
//! Guilloche lines are cut to their region by geometry (`ofd::clip`), so no reader needs to
//! honour a clip path for the QR code's quiet zone to stay clear.
//!
//! The package is deterministic: entries in a fixed order, each stamped 1980-01-01 00:00,
//! the document ID a hash of the content.

mod clip;
mod container;
mod truetype;
mod xml;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use subsetter::GlyphRemapper;

use crate::bitmap::Bitmap;
use crate::deflate::Compressors;
use crate::display::{
    GlyphRun, InkKind, Item, Lines, Page, Path, PathSink, PlacedImage, QrSymbol, Shape,
};
use crate::electronic::Metadata;
use crate::error::{Error, Result};
use crate::stable_hash::StableHasher;
use crate::fonts::{FaceId, FontBook};
use crate::memo::Memo;
use crate::units::{Point, Rect};
use container::{Method, Packed};
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
    /// How colours are written. Default: the daylight proof in RGB.
    pub colour: OfdColour,
}

/// How the OFD writes colours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "serve", derive(serde::Deserialize, utoipa::ToSchema))]
#[cfg_attr(feature = "serve", serde(rename_all = "lowercase"))]
pub enum OfdColour {
    /// The daylight proof's RGB (what the raster shows) in OFD's default colour space:
    /// the electronic licence is looked at on screens, and a reader that ignores colour
    /// spaces (many web viewers read any colour's first three values as RGB) still shows
    /// it right.
    #[default]
    Proof,
    /// The spec's CMYK in a declared CMYK colour space: exact for readers that honour
    /// colour spaces, wrong in those that do not.
    Cmyk,
}

/// The OFD namespace.
const NS: &str = "http://www.ofdspec.org/2016";

/// The one colour space every colour names when the OFD is written in CMYK: DeviceCMYK,
/// 8 bits a channel.
const CMYK_SPACE: u32 = 1;

/// A colour as the OFD writes it: the value, and the colour space it is in (none: the
/// default RGB).
#[derive(Debug, Clone)]
struct Paint {
    value: String,
    space: Option<u32>,
}

impl Paint {
    fn new(cmyk: crate::spec::Cmyk, colour: OfdColour) -> Self {
        match colour {
            OfdColour::Proof => Self {
                value: crate::colour::proof_rgb(cmyk)
                    .map(|v| v.to_string())
                    .join(" "),
                space: None,
            },
            OfdColour::Cmyk => Self {
                value: xml::colour(cmyk),
                space: Some(CMYK_SPACE),
            },
        }
    }

    /// `<ofd:FillColor …/>` or `<ofd:StrokeColor …/>`.
    fn write(&self, w: &mut Xml, element: &str) {
        let mut attrs = vec![("Value", self.value.clone())];
        if let Some(space) = self.space {
            attrs.insert(0, ("ColorSpace", space.to_string()));
        }
        w.empty(element, &attrs);
    }
}

/// Writes the page as an OFD package.
///
/// Each call starts from nothing; [`crate::Template`] keeps what licences of a spec share
/// (the guilloche cut to its region, the compressed template page) between calls.
#[cfg(feature = "stages")]
pub fn ofd(page: &Page, fonts: &FontBook, options: &OfdOptions) -> Result<Vec<u8>> {
    let cache = OfdCache::default();
    package(page, fonts, options, &cache)?.zip(&cache.compressors)
}

/// What OFDs of one spec's licences share, made once and kept by its owner: the guilloche
/// cut to its region (the costliest part of an OFD), and the template page, written and
/// compressed.
#[derive(Debug)]
pub(crate) struct OfdCache {
    /// Cut guilloche by the tile's address and a hash of its copies and region (one tile
    /// draws several items: a frame's four sides); the entry holds the tile, its copies
    /// and its region, and is used only when they are the ones asked for.
    cuts: Memo<(usize, u64), Cut>,
    /// The template page by the page's fixed run ([`crate::display::fixed_run`]) and the
    /// colour, with where writing stood after it.
    templates: Memo<(bool, usize, u64), TemplatePage>,
    /// Idle compressors, for the packages' files.
    compressors: Compressors,
}

/// The template page as written, and where writing stood after it (the ids taken, the
/// fonts with their glyph numbering, the pictures), so that a licence's own content goes
/// on from there without writing the page again.
#[derive(Debug)]
struct TemplatePage {
    id: u32,
    entry: Entry,
    /// The stable hash of the page's XML: it stands for the page in the document ID.
    hash: u64,
    ids: Ids,
    fonts: BTreeMap<FaceId, FontUse>,
    images: Vec<ImageUse>,
}

/// Cut guilloche remembered: more than any spec's guilloche uses.
const CUTS: usize = 64;
/// Template pages remembered.
const TEMPLATES: usize = 4;

impl OfdCache {
    /// The compressors packages of this cache's spec are zipped with.
    pub(crate) fn compressors(&self) -> &Compressors {
        &self.compressors
    }
}

impl Default for OfdCache {
    fn default() -> Self {
        Self {
            cuts: Memo::new(CUTS),
            templates: Memo::new(TEMPLATES),
            compressors: Compressors::default(),
        }
    }
}

/// One guilloche item cut to its region, as path data in its box.
#[derive(Debug)]
struct Cut {
    /// Held so that the address the entry is keyed by cannot be reused while it lives.
    tile: Arc<crate::display::Tile>,
    copies: Vec<crate::display::Affine>,
    clip: Vec<Rect>,
    /// `[left, top, width, height]` of the box, mm, stroke included.
    boundary: [f64; 4],
    /// Abbreviated path data relative to the box.
    data: String,
}

/// Where the template page lies in the package.
const TEMPLATE_PAGE: &str = "Doc_0/Tpls/Tpl_0/Content.xml";

/// The OFD package of `page`, its files not yet zipped, reusing what `cache` remembers of
/// earlier OFDs of the same spec.
///
/// The page's leading run of items that do not depend on the record (the press artwork,
/// the pre-printed blank) becomes a template page (模板页, §7.5 of the standard) drawn
/// under the page's own content: the same bytes for every licence of the spec, compressed
/// once.
pub(crate) fn package(
    page: &Page,
    fonts: &FontBook,
    options: &OfdOptions,
    cache: &OfdCache,
) -> Result<Package> {
    let mut content = ContentWriter::new(page, cache, options.colour);
    let (fixed, fixed_hash) = crate::display::fixed_run(&page.items);
    let template = content.template_page(fixed, fixed_hash)?;
    let body = content.content(
        &page.items[fixed..],
        "Body",
        template.as_ref().map(|t| t.id),
    )?;
    let ContentWriter {
        ids,
        fonts: used_fonts,
        images,
        ..
    } = content;

    let mut files: Vec<Entry> = Vec::new();
    let mut font_files = Vec::new();
    for (face_id, usage) in &used_fonts {
        let face = fonts.face(*face_id);
        let glyphs: Vec<u16> = usage.remapper.remapped_gids().collect();
        let chars: Vec<(char, u16)> = usage.chars.iter().map(|(&c, &g)| (c, g)).collect();
        // Remembered by glyph set and character map: the labels' and the title's faces
        // set the same on every licence of a spec.
        let mut key = glyphs.clone();
        key.push(u16::MAX);
        for &(c, g) in &chars {
            let c = c as u32;
            key.extend([(c >> 16) as u16, c as u16, g]);
        }
        let program = face.font_files.get_or_try_make(&key[..], || {
            let subset = face.subset(&usage.remapper)?;
            truetype::truetype(face, &subset, &glyphs, &chars).map(Into::into)
        })?;
        let ext = "ttf";
        // A reader that does not load the embedded file picks a face by these names: the
        // one the spec asks for (宋体, 黑体, 方正大标宋简体), not the stand-in's, as OFD
        // producers name them (`FontName="宋体" FamilyName="宋体"`).
        let family = fonts
            .requested_family(*face_id)
            .map_or_else(|| face.name(), Ok)?
            .to_owned();
        font_files.push(xml::FontResource {
            id: usage.id,
            name: family.clone(),
            family,
            file: format!("font_{}.{ext}", usage.id),
        });
        files.push(Entry::new(
            &format!("Doc_0/Res/font_{}.{ext}", usage.id),
            program.to_vec(),
        ));
    }
    let mut media = Vec::new();
    for image in &images {
        let file = format!("image_{}.png", image.id);
        files.push(Entry::compressed(
            &format!("Doc_0/Res/{file}"),
            image.png.clone(),
        ));
        media.push((image.id, file));
    }
    let max_id = ids.next - 1;
    let space = (options.colour == OfdColour::Cmyk).then_some(CMYK_SPACE);
    let public_res = xml::public_res(space, &font_files)?;
    let document_res = xml::document_res(&media)?;
    let document = xml::document(
        max_id,
        page.size.width.get(),
        page.size.height.get(),
        template
            .as_ref()
            .map(|t| (t.id, "Tpls/Tpl_0/Content.xml")),
    )?;
    let mut entries = vec![
        Entry::new("Doc_0/Document.xml", document),
        Entry::new("Doc_0/PublicRes.xml", public_res),
        Entry::new("Doc_0/DocumentRes.xml", document_res),
    ];
    if let Some(template) = &template {
        entries.push(template.entry.clone());
    }
    entries.push(Entry::new("Doc_0/Pages/Page_0/Content.xml", body));
    entries.extend(files);
    // The document ID: a hash of everything else, so the same input gives the same ID
    // (the template page, the same for every licence of a spec, by its own hash).
    let mut hash = StableHasher::default();
    for entry in &entries {
        hash.write(entry.name.as_bytes());
        match &template {
            Some(t) if entry.name == TEMPLATE_PAGE => hash.write(&t.hash.to_le_bytes()),
            _ => hash.write(&entry.bytes),
        }
    }
    let ofd_xml = xml::ofd_entry(&format!("{:016x}", hash.finish()), options)?;
    entries.insert(0, Entry::new("OFD.xml", ofd_xml));
    Ok(Package { entries })
}

/// An OFD package's files, in order, before they are zipped: what sealing adds to.
#[derive(Debug)]
pub(crate) struct Package {
    pub(crate) entries: Vec<Entry>,
}

impl Package {
    /// The ZIP container of the entries, each deflated by a compressor of `compressors`
    /// (level 1, as the PDF's per-licence streams) unless it is compressed already; a
    /// shared entry's compressed bytes are copied as they are.
    pub(crate) fn zip(&self, compressors: &Compressors) -> Result<Vec<u8>> {
        let packed = self
            .entries
            .iter()
            .map(|entry| match &entry.shared {
                Some(shared) => Ok(Cow::Borrowed(&shared.packed)),
                None => {
                    let method = if entry.compressed {
                        Method::Stored
                    } else {
                        Method::Deflated(1)
                    };
                    Packed::new(&entry.bytes, method, compressors).map(Cow::Owned)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        container::write(
            self.entries
                .iter()
                .zip(&packed)
                .map(|(entry, packed)| (entry.name.as_str(), &**packed)),
        )
    }
}

/// One file of the package: its bytes, and what is kept with it when it is made once for
/// many packages.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) bytes: Arc<[u8]>,
    /// Whether the bytes are compressed already (a PNG, a seal's signed value), so that
    /// deflating them again would only cost time.
    compressed: bool,
    pub(crate) shared: Option<Arc<Shared>>,
}

/// What a file made once for many packages carries: its bytes as the container holds them
/// (compressed once, at the default level), and the SM3 a seal takes of it (GB/T 38540's
/// `CheckValue`), worked out by the first seal.
#[derive(Debug)]
pub(crate) struct Shared {
    packed: Packed,
    pub(crate) seal_digest: OnceLock<[u8; 32]>,
}

impl Entry {
    pub(crate) fn new(name: &str, bytes: Vec<u8>) -> Self {
        Self {
            name: name.to_owned(),
            bytes: bytes.into(),
            compressed: false,
            shared: None,
        }
    }

    /// A file whose bytes are compressed already: stored as they are.
    pub(crate) fn compressed(name: &str, bytes: Vec<u8>) -> Self {
        Self {
            compressed: true,
            ..Self::new(name, bytes)
        }
    }
}

/// Object and resource identifiers (`ST_ID`), unique in the document, from 1 up.
#[derive(Debug, Clone, Copy)]
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
#[derive(Debug, Clone)]
struct FontUse {
    id: u32,
    remapper: GlyphRemapper,
    /// Each character set in this face, and the subset glyph it was set with (the first,
    /// where one character is set with two glyphs).
    chars: BTreeMap<char, u16>,
}

/// A picture as the OFD's PNG.
#[derive(Debug, Clone)]
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
    cache: &'a OfdCache,
    colour: OfdColour,
}

impl<'a> ContentWriter<'a> {
    /// A writer of `page` that has written nothing.
    fn new(page: &'a Page, cache: &'a OfdCache, colour: OfdColour) -> Self {
        ContentWriter {
            page,
            ids: Ids {
                next: CMYK_SPACE + 1,
            },
            fonts: BTreeMap::new(),
            images: Vec::new(),
            cache,
            colour,
        }
    }

    /// The template page of the page's first `fixed` items (hashed `hash` by
    /// [`crate::display::fixed_run`]): remembered, or written now; writing goes on from
    /// where it left off. `None` when no item is fixed.
    fn template_page(&mut self, fixed: usize, hash: u64) -> Result<Option<Arc<TemplatePage>>> {
        if fixed == 0 {
            return Ok(None);
        }
        let key = (self.colour == OfdColour::Cmyk, fixed, hash);
        let template = self.cache.templates.get_or_try_make(&key, || {
            let mut first = ContentWriter::new(self.page, self.cache, self.colour);
            let id = first.ids.take();
            let xml = first.content(&self.page.items[..fixed], "Background", None)?;
            let packed = Packed::new(&xml, Method::Deflated(6), &self.cache.compressors)?;
            let mut hash = StableHasher::default();
            hash.write(&xml);
            Ok::<_, Error>(Arc::new(TemplatePage {
                id,
                entry: Entry {
                    name: TEMPLATE_PAGE.into(),
                    bytes: xml.into(),
                    compressed: false,
                    shared: Some(Arc::new(Shared {
                        packed,
                        seal_digest: OnceLock::new(),
                    })),
                },
                hash: hash.finish(),
                ids: first.ids,
                fonts: first.fonts,
                images: first.images,
            }))
        })?;
        self.ids = template.ids;
        self.fonts = template.fonts.clone();
        self.images = template.images.clone();
        Ok(Some(template))
    }

    /// A page's `Content.xml` holding `items` in one layer; with `template`, the page
    /// shows that template page under them.
    fn content(&mut self, items: &[Item], layer: &str, template: Option<u32>) -> Result<Vec<u8>> {
        let page = self.page;
        let mut w = Xml::new();
        w.open("ofd:Page", &[("xmlns:ofd", NS.into())]);
        if let Some(id) = template {
            w.empty(
                "ofd:Template",
                &[
                    ("TemplateID", id.to_string()),
                    ("ZOrder", "Background".into()),
                ],
            );
        }
        let layer_id = self.ids.take();
        w.open("ofd:Content", &[]);
        w.open(
            "ofd:Layer",
            &[("ID", layer_id.to_string()), ("Type", layer.into())],
        );
        for item in items {
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
            let colour = Paint::new(kind.proof(), self.colour);
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
    ///
    /// A run present only for search (the QR payload's text layer) is left out: readers
    /// that ignore `Fill="false"` would paint it, and the payload is the QR code's and the
    /// metadata's to carry.
    fn text(&mut self, w: &mut Xml, run: &GlyphRun, colour: &Paint) {
        if !run.visible {
            return;
        }
        let (Some(first), Some(last)) = (run.glyphs.first(), run.glyphs.last()) else {
            return;
        };
        let next_font_id = self.ids.next;
        let usage = self.fonts.entry(run.face).or_insert_with(|| FontUse {
            id: next_font_id,
            remapper: GlyphRemapper::new(),
            chars: BTreeMap::new(),
        });
        if usage.id == next_font_id {
            self.ids.take();
        }
        let glyphs: Vec<String> = run
            .glyphs
            .iter()
            .map(|g| {
                let new = usage.remapper.remap(g.id);
                usage.chars.entry(g.text).or_insert(new);
                new.to_string()
            })
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
        let attrs = [
            ("ID", id.to_string()),
            ("Boundary", boundary),
            ("Font", font_id.to_string()),
            ("Size", num(size)),
        ];
        w.open("ofd:TextObject", &attrs);
        colour.write(w, "ofd:FillColor");
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

    /// A filled path, in a boundary around its points. An even-odd path is wound so that
    /// the non-zero rule fills the same (readers that ignore `Rule` fill a ring solid).
    fn path(&mut self, w: &mut Xml, path: &Path, colour: &Paint) {
        let path = &path.nonzero_equivalent();
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
        colour.write(w, "ofd:FillColor");
        let mut data = PathData::default();
        path.walk(
            |p| ((p.x.get() - left) as f32, (p.y.get() - top) as f32),
            &mut data,
        );
        w.data_element("ofd:AbbreviatedData", &[], &data.0);
        w.close("ofd:PathObject");
    }

    /// The QR symbol as the outlines of its dark modules ([`QrSymbol::outlines`]): no
    /// seams between rows in a viewer that anti-aliases, and a quarter fewer corners than
    /// one rectangle a run (the page's file 140 → 107 KB, which a seal hashes). In a grid of
    /// one unit a module that the object's CTM scales: integers.
    fn qr(&mut self, w: &mut Xml, symbol: &QrSymbol, colour: &Paint) {
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
                ("CTM", format!("{} 0 0 {} 0 0", num(module), num(module))),
                ("Stroke", "false".into()),
                ("Fill", "true".into()),
            ],
        );
        colour.write(w, "ofd:FillColor");
        // "M x y L x y … C" an outline, written with itoa (formatting was a tenth of an
        // OFD's time).
        let mut data = String::new();
        let mut digits = itoa::Buffer::new();
        for outline in symbol.outlines().iter() {
            for (i, &(x, y)) in outline.iter().enumerate() {
                data.push_str(if i == 0 { "M " } else { "L " });
                data.push_str(digits.format(x));
                data.push(' ');
                data.push_str(digits.format(y));
                data.push(' ');
            }
            data.push_str("C ");
        }
        w.data_element("ofd:AbbreviatedData", &[], data.trim_end());
        w.close("ofd:PathObject");
    }

    /// Guilloche lines: the copies' centre-lines cut to their region (see [`clip`]),
    /// stroked, as one path object; cut once per spec.
    fn lines(&mut self, w: &mut Xml, lines: &Lines, colour: &Paint) {
        let mut hash = StableHasher::default();
        for c in &lines.copies {
            for v in [c.a, c.b, c.c, c.d, c.e, c.f] {
                hash.write(&v.to_bits().to_le_bytes());
            }
        }
        for r in &lines.clip {
            for v in [r.left(), r.top(), r.right(), r.bottom()] {
                hash.write(&v.get().to_bits().to_le_bytes());
            }
        }
        let key = (Arc::as_ptr(&lines.tile) as usize, hash.finish());
        let make = || Arc::new(cut(lines));
        let mut entry = self.cache.cuts.get_or_make(&key, make);
        if !Arc::ptr_eq(&entry.tile, &lines.tile)
            || entry.copies != lines.copies
            || entry.clip != lines.clip
        {
            // Another item under the same key: cut it without remembering.
            entry = make();
        }
        if entry.data.is_empty() {
            return;
        }
        let [left, top, width, height] = entry.boundary;
        let id = self.ids.take();
        w.open(
            "ofd:PathObject",
            &[
                ("ID", id.to_string()),
                ("Boundary", xml::boxed(left, top, width, height)),
                ("LineWidth", num(lines.tile.width.get())),
                ("Stroke", "true".into()),
                ("Fill", "false".into()),
            ],
        );
        colour.write(w, "ofd:StrokeColor");
        w.data_element("ofd:AbbreviatedData", &[], &entry.data);
        w.close("ofd:PathObject");
    }

    /// A picture, cut to its box, as a PNG in RGB (in one ink: the ink's proof colour
    /// where the picture has coverage).
    fn image(&mut self, w: &mut Xml, image: &PlacedImage, kind: &InkKind) -> Result<()> {
        let Some((cut, crop)) = crop(&image.bitmap, image.area, image.clip) else {
            return Ok(());
        };
        let ink = image.in_ink.then(|| crate::colour::proof_rgb(kind.proof()));
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

/// `lines` cut to its region, as path data relative to its box.
fn cut(lines: &Lines) -> Cut {
    let path = clip::cut(lines);
    let half = lines.tile.width.get() / 2.0;
    let (boundary, data) = match path.control_box() {
        Some([left, top, right, bottom]) => {
            let (left, top) = (left - half, top - half);
            let mut data = PathData::default();
            path.walk(
                |p| ((p.x.get() - left) as f32, (p.y.get() - top) as f32),
                &mut data,
            );
            (
                [left, top, right + half - left, bottom + half - top],
                data.0,
            )
        }
        None => ([0.0; 4], String::new()),
    };
    Cut {
        tile: lines.tile.clone(),
        copies: lines.copies.clone(),
        clip: lines.clip.clone(),
        boundary,
        data,
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
        xml::push_num(&mut self.0, f64::from(x));
        self.0.push(' ');
        xml::push_num(&mut self.0, f64::from(y));
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

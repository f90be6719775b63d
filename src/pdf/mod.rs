//! The PDF back end: a [`Page`] as a one-page print PDF.
//!
//! Process colours are written as DeviceCMYK exactly as the spec gives them (black as K
//! only); spot inks as Separation colour spaces whose alternate is their CMYK proof colour
//! (an invisible ink's alternate is no ink at all, so it never shows in a composite view);
//! overprinting inks are painted under an ExtGState with OP/op and OPM 1. Text is real
//! text: subset CID fonts with ToUnicode maps. QR modules are vector rectangles. Output is
//! deterministic: no dates, and the document ID is a hash of the content.

mod font;

use std::collections::BTreeMap;

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::display::{GlyphRun, InkId, InkKind, Page, Path, QrSymbol, Segment, Shape};
use crate::error::Result;
use crate::fonts::{FaceId, FontBook};
use crate::spec::Pass;
use crate::units::{Mm, Point};
use font::FontUsage;

/// What to put in the PDF.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// Only the items of this pass (press: the pre-printed blank; print: the variable data
    /// for 套打). Default: `None`, every item (the composite, an electronic copy).
    pub pass: Option<Pass>,
    /// Document title. Default: none.
    pub title: Option<String>,
}

/// Writes the page as PDF bytes.
pub fn pdf(page: &Page, fonts: &FontBook, options: &PdfOptions) -> Result<Vec<u8>> {
    let mut next = 1;
    let mut alloc = move || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog_ref = alloc();
    let pages_ref = alloc();
    let page_ref = alloc();
    let content_ref = alloc();
    let info_ref = alloc();

    let height = page.size.height;
    let mut painter = Painter {
        height,
        content: Content::new(),
        fonts: BTreeMap::new(),
        inks_used: Vec::new(),
    };
    for item in page
        .items
        .iter()
        .filter(|i| options.pass.is_none_or(|p| p == i.pass))
    {
        painter.item(page, item.ink, &item.shape);
    }
    let Painter {
        content,
        fonts: usages,
        inks_used,
        ..
    } = painter;
    let content = deflate(&content.finish());

    let mut chunk = Chunk::new();
    let mut font_refs = Vec::new();
    for (face_id, usage) in &usages {
        let type0 = alloc();
        font::write_font(&mut chunk, &mut alloc, type0, fonts.face(*face_id), usage)?;
        font_refs.push((*face_id, type0));
    }
    let mut ink_refs = Vec::new();
    for ink in &inks_used {
        if let InkKind::Spot {
            name,
            proof,
            invisible,
            ..
        } = &page.inks[ink.0].kind
        {
            let r = alloc();
            // An invisible (fluorescent) ink shows nothing where the Separation is not
            // printed as its own plate.
            let alternate = if *invisible {
                [0.0; 4]
            } else {
                cmyk_unit(proof)
            };
            let mut separation = chunk.color_space(r).separation(Name(name.as_bytes()));
            separation.alternate_color_space().device_cmyk();
            separation
                .tint_exponential()
                .domain([0.0, 1.0])
                .c0([0.0; 4])
                .c1(alternate)
                .n(1.0);
            ink_refs.push((*ink, r));
        }
    }
    let overprint = inks_used.iter().any(|ink| {
        matches!(
            page.inks[ink.0].kind,
            InkKind::Spot {
                overprint: true,
                ..
            }
        )
    });
    let gs_ref = alloc();
    if overprint {
        chunk
            .ext_graphics(gs_ref)
            .overprint(true)
            .overprint_fill(true)
            .overprint_mode(pdf_writer::types::OverprintMode::IgnoreZeroChannel);
    }

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_ref).pages(pages_ref);
    pdf.pages(pages_ref).kids([page_ref]).count(1);
    let media = Rect::new(0.0, 0.0, pt(page.size.width), pt(height));
    let mut pdf_page = pdf.page(page_ref);
    pdf_page
        .parent(pages_ref)
        .media_box(media)
        .trim_box(media)
        .bleed_box(media)
        .contents(content_ref);
    let mut resources = pdf_page.resources();
    let mut font_dict = resources.fonts();
    for (face, r) in &font_refs {
        font_dict.pair(font_name(*face).as_name(), *r);
    }
    font_dict.finish();
    let mut spaces = resources.color_spaces();
    for (ink, r) in &ink_refs {
        spaces.pair(ink_name(*ink).as_name(), *r);
    }
    spaces.finish();
    if overprint {
        resources.ext_g_states().pair(Name(b"GSop"), gs_ref);
    }
    resources.finish();
    pdf_page.finish();
    pdf.stream(content_ref, &content)
        .filter(Filter::FlateDecode);
    let mut info = pdf.document_info(info_ref);
    info.producer(TextStr(concat!("certpress ", env!("CARGO_PKG_VERSION"))));
    if let Some(title) = &options.title {
        info.title(TextStr(title));
    }
    info.finish();
    pdf.extend(&chunk);
    let id = hash(pdf.as_bytes()).to_be_bytes().to_vec();
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

/// A resource name as owned bytes.
struct ResName(String);

impl ResName {
    fn as_name(&self) -> Name<'_> {
        Name(self.0.as_bytes())
    }
}

fn font_name(face: FaceId) -> ResName {
    ResName(format!("F{}", face.0))
}

fn ink_name(ink: InkId) -> ResName {
    ResName(format!("CS{}", ink.0))
}

fn pt(v: Mm) -> f32 {
    v.to_pt().get() as f32
}

fn cmyk_unit(c: &crate::spec::Cmyk) -> [f32; 4] {
    [c.c, c.m, c.y, c.k].map(|v| (v / 100.0) as f32)
}

/// Writes one content stream, collecting the fonts and inks it uses.
struct Painter {
    height: Mm,
    content: Content,
    fonts: BTreeMap<FaceId, FontUsage>,
    inks_used: Vec<InkId>,
}

impl Painter {
    /// PDF user space (points, y up) of a sheet point (mm, y down).
    fn point(&self, p: Point) -> (f32, f32) {
        (pt(p.x), pt(self.height - p.y))
    }

    fn item(&mut self, page: &Page, ink: InkId, shape: &Shape) {
        self.content.save_state();
        match &page.inks[ink.0].kind {
            InkKind::Process(cmyk) => {
                let [c, m, y, k] = cmyk_unit(cmyk);
                self.content.set_fill_cmyk(c, m, y, k);
            }
            InkKind::Spot { overprint, .. } => {
                if *overprint {
                    self.content.set_parameters(Name(b"GSop"));
                }
                self.content
                    .set_fill_color_space(pdf_writer::types::ColorSpaceOperand::Named(
                        ink_name(ink).as_name(),
                    ));
                self.content.set_fill_color([1.0]);
            }
        }
        if !self.inks_used.contains(&ink) {
            self.inks_used.push(ink);
        }
        match shape {
            Shape::Text(run) => self.text(run),
            Shape::Path(path) => self.path(path),
            Shape::Qr(symbol) => self.qr(symbol),
        }
        self.content.restore_state();
    }

    fn text(&mut self, run: &GlyphRun) {
        let size = run.size.get() as f32;
        let Some(first) = run.glyphs.first() else {
            return;
        };
        let usage = self.fonts.entry(run.face).or_default();
        let origin = (pt(first.x), pt(self.height - run.baseline));
        let content = &mut self.content;
        content.begin_text();
        if !run.visible {
            content.set_text_rendering_mode(TextRenderingMode::Invisible);
        }
        content.set_font(font_name(run.face).as_name(), size);
        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, origin.0, origin.1]);
        let mut positioned = content.show_positioned();
        let mut items = positioned.items();
        let mut pending: Vec<u8> = Vec::new();
        for (i, glyph) in run.glyphs.iter().enumerate() {
            pending.extend(usage.cid(glyph.id, glyph.text).to_be_bytes());
            let Some(next) = run.glyphs.get(i + 1) else {
                break;
            };
            // TJ moves the pen back by adjust/1000 of the size: the difference between
            // the glyph's natural advance and where the next glyph must start.
            let adjust =
                ((glyph.x + glyph.advance - next.x).to_pt().get() * 1000.0 / run.size.get()) as f32;
            if adjust.abs() > 1e-3 {
                items.show(Str(&pending));
                items.adjust(adjust);
                pending.clear();
            }
        }
        if !pending.is_empty() {
            items.show(Str(&pending));
        }
        items.finish();
        positioned.finish();
        content.end_text();
    }

    fn path(&mut self, path: &Path) {
        for segment in &path.segments {
            match *segment {
                Segment::MoveTo(p) => {
                    let (x, y) = self.point(p);
                    self.content.move_to(x, y);
                }
                Segment::LineTo(p) => {
                    let (x, y) = self.point(p);
                    self.content.line_to(x, y);
                }
                Segment::CubicTo(a, b, p) => {
                    let ((x1, y1), (x2, y2), (x, y)) =
                        (self.point(a), self.point(b), self.point(p));
                    self.content.cubic_to(x1, y1, x2, y2, x, y);
                }
                Segment::Close => {
                    self.content.close_path();
                }
            }
        }
        if path.even_odd {
            self.content.fill_even_odd();
        } else {
            self.content.fill_nonzero();
        }
    }

    fn qr(&mut self, symbol: &QrSymbol) {
        let module = pt(symbol.module);
        let (left, top) = self.point(symbol.origin);
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
                let y = top - module * (row + 1) as f32;
                self.content.rect(
                    left + module * start as f32,
                    y,
                    module * (col - start) as f32,
                    module,
                );
            }
        }
        self.content.fill_nonzero();
    }
}

/// zlib-compresses a stream (deterministic for the same input).
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// FNV-1a, 64 bits: stable across platforms and Rust versions, for IDs and subset tags.
fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

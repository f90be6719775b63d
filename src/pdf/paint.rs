//! Painting: the display list's items as content-stream operators, collecting what they
//! use (fonts, inks, guilloche tiles, pictures, layers) for the resources.

use std::collections::BTreeMap;
use std::sync::Arc;

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Finish, Name, Str};

use super::font::FontUsage;
use super::{cmyk_unit, pt, PdfOptions};
use crate::bitmap::Bitmap;
use crate::display::{
    GlyphRun, InkId, InkKind, Lines, Page, Path, PathSink, PlacedImage, QrSymbol, Shape, Tile,
};
use crate::fonts::FaceId;
use crate::production::Layer;
use crate::spec::Pass;
use crate::units::{Mm, Point};

/// The page painted: its content streams and what they use.
pub(super) struct Painted {
    /// The content up to the first item that depends on the record (every licence of a
    /// spec begins with the same, so it becomes a stream of its own, compressed once);
    /// `None` when the page has no such item or the whole page is fixed.
    pub press: Option<Arc<Vec<u8>>>,
    /// The rest: the licence's own content.
    pub content: Vec<u8>,
    pub fonts: BTreeMap<FaceId, FontUsage>,
    pub inks_used: Vec<InkId>,
    /// Guilloche tiles (one form each), in order of first use.
    pub tiles: Vec<Arc<Tile>>,
    /// Pictures (one image XObject each), with their ink when printed in one.
    pub images: Vec<(Arc<Bitmap>, Option<InkId>)>,
    /// The optional-content layers met, in order of first use.
    pub layers: Vec<Layer>,
}

/// Which press artwork a page begins with, as painted with some options: the options that
/// change its painting (the pass, the calibration) and the fixed items before the first
/// that depends on the record (how many, and a hash of their elements and kinds).
pub(super) type PressKey = (Option<Pass>, [u64; 3], usize, u64);

/// Where painting stood after a page's press artwork: its stream, and what it had used
/// (fonts and the CIDs their glyphs were given, inks, tiles, pictures, layers), to go on
/// with the licence's own items without painting the artwork again.
#[derive(Clone)]
pub(super) struct PressState {
    press: Arc<Vec<u8>>,
    fonts: BTreeMap<FaceId, FontUsage>,
    inks_used: Vec<InkId>,
    tiles: Vec<Arc<Tile>>,
    images: Vec<(Arc<Bitmap>, Option<InkId>)>,
    layers: Vec<Layer>,
    open_layer: Option<Layer>,
}

/// The key of `page`'s press artwork under `options`; `None` when no selected item
/// depends on the record (the whole page is the press artwork, painted as it comes).
fn press_key(page: &Page, options: &PdfOptions) -> Option<PressKey> {
    let selected = || {
        page.items
            .iter()
            .filter(|i| i.pass.selected_by(options.pass))
    };
    let (count, hash) = crate::display::fixed_run(selected());
    // No selected item depends on the record.
    selected().nth(count)?;
    let c = options.calibration;
    let calibration = [c.offset_x.get(), c.offset_y.get(), c.scale].map(f64::to_bits);
    Some((options.pass, calibration, count, hash))
}

/// Paints the items `options` selects, under its calibration, with crop marks when the
/// page asks for them. The press artwork (the fixed items before the first that depends
/// on the record) is painted once per key and remembered in `presses`: every licence of
/// a spec begins with the same.
pub(super) fn paint(
    page: &Page,
    options: &PdfOptions,
    presses: &crate::memo::Memo<PressKey, PressState>,
) -> Painted {
    let key = press_key(page, options);
    let known = key.as_ref().and_then(|key| {
        presses
            .get_or_try_make(key, || Err::<Arc<PressState>, ()>(()))
            .ok()
    });
    let mut painted = match (known, &key) {
        (Some(state), Some(key)) => paint_from(page, options, &state, key.2),
        _ => paint_whole(page, options),
    };
    if let (Some(key), Some(state)) = (key, painted.state.take()) {
        presses.get_or_make(&key, || Arc::new(state));
    }
    painted.painted
}

/// Room a licence's own content stream is begun with: the Liuzhou licence's is 30 KB
/// (the QR's rectangles most of it), and growing to it copied it five times over.
const LICENCE_CONTENT_BYTES: usize = 48 << 10;

/// [`paint`]'s result, with the press state it reached when it painted the artwork.
struct Painting {
    painted: Painted,
    state: Option<PressState>,
}

/// The licence's own items painted after a remembered press artwork of `skip` items.
fn paint_from(page: &Page, options: &PdfOptions, state: &PressState, skip: usize) -> Painting {
    let mut painter = Painter {
        height: page.size.height,
        content: Content::with_capacity(LICENCE_CONTENT_BYTES),
        fonts: state.fonts.clone(),
        inks_used: state.inks_used.clone(),
        tiles: state.tiles.clone(),
        images: state.images.clone(),
    };
    let items = page
        .items
        .iter()
        .filter(|i| i.pass.selected_by(options.pass))
        .skip(skip);
    let mut layers = state.layers.clone();
    let open_layer = painter.paint_items(page, items, &mut layers, state.open_layer, None);
    painter.finish(options, Some(Arc::clone(&state.press)), layers, open_layer, None)
}

/// The whole page painted, the press state remembered where the artwork ends.
fn paint_whole(page: &Page, options: &PdfOptions) -> Painting {
    let height = page.size.height;
    let mut painter = Painter {
        height,
        content: Content::new(),
        fonts: BTreeMap::new(),
        inks_used: Vec::new(),
        tiles: Vec::new(),
        images: Vec::new(),
    };
    if let Some(marks) = page.marks.filter(|m| m.crop_marks) {
        painter.crop_marks(page.size.width, marks.bleed);
    }
    let calibration = options.calibration;
    if !calibration.is_identity() {
        // Sheet (x, y) ↦ (x·s + dx, y·s + dy), y down; in PDF space (y up from the
        // bottom edge H): Y ↦ Y·s + H(1 − s) − dy.
        let s = calibration.scale as f32;
        painter.content.save_state();
        painter.content.transform([
            s,
            0.0,
            0.0,
            s,
            pt(calibration.offset_x),
            pt(height) * (1.0 - s) - pt(calibration.offset_y),
        ]);
    }
    let mut layers: Vec<Layer> = Vec::new();
    let mut state = None;
    let items = page
        .items
        .iter()
        .filter(|i| i.pass.selected_by(options.pass));
    let open_layer = painter.paint_items(page, items, &mut layers, None, Some(&mut state));
    let press = state.as_ref().map(|s: &PressState| Arc::clone(&s.press));
    painter.finish(options, press, layers, open_layer, state)
}

/// Length of a crop mark.
pub(super) const CROP_MARK_LENGTH: Mm = Mm(6.0);

/// Distance of crop marks from the trim: outside the bleed, at least 3 mm.
pub(super) fn mark_offset(bleed: Mm) -> Mm {
    Mm(bleed.get().max(3.0))
}
pub(super) fn layer_name(layer: Layer) -> ResName {
    ResName(format!("L{}", layer as usize))
}

/// A resource name as owned bytes.
pub(super) struct ResName(String);

impl ResName {
    pub(super) fn as_name(&self) -> Name<'_> {
        Name(self.0.as_bytes())
    }
}

pub(super) fn font_name(face: FaceId) -> ResName {
    ResName(format!("F{}", face.0))
}

pub(super) fn tile_name(index: usize) -> ResName {
    ResName(format!("T{index}"))
}

/// A guilloche tile's content stream (its own millimetres; the copies' matrices place and
/// scale it) and its bounding box. The stroke colour comes from the caller.
pub(super) fn tile_stream(tile: &Path, width: Mm) -> (Vec<u8>, [f32; 4]) {
    let mut content = Content::new();
    content.set_line_width(width.get() as f32);
    tile.walk(|p| (p.x.get() as f32, p.y.get() as f32), &mut content);
    content.stroke();
    let w = width.get();
    let bbox = match tile.control_box() {
        Some([left, top, right, bottom]) => [
            (left - w) as f32,
            (top - w) as f32,
            (right + w) as f32,
            (bottom + w) as f32,
        ],
        None => [0.0; 4],
    };
    (content.finish().to_vec(), bbox)
}

impl PathSink for Content {
    fn move_to(&mut self, (x, y): (f32, f32)) {
        Content::move_to(self, x, y);
    }

    fn line_to(&mut self, (x, y): (f32, f32)) {
        Content::line_to(self, x, y);
    }

    fn cubic_to(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), (x, y): (f32, f32)) {
        Content::cubic_to(self, x1, y1, x2, y2, x, y);
    }

    fn close(&mut self) {
        Content::close_path(self);
    }
}

pub(super) fn image_name(index: usize) -> ResName {
    ResName(format!("I{index}"))
}

pub(super) fn ink_name(ink: InkId) -> ResName {
    ResName(format!("CS{}", ink.0))
}

/// Writes one content stream, collecting the fonts and inks it uses.
struct Painter {
    height: Mm,
    content: Content,
    fonts: BTreeMap<FaceId, FontUsage>,
    inks_used: Vec<InkId>,
    /// Guilloche tiles met so far (one form each), in order of first use.
    tiles: Vec<Arc<Tile>>,
    /// Pictures met so far (one image XObject each), with their ink when printed in one.
    images: Vec<(Arc<Bitmap>, Option<InkId>)>,
}

impl Painter {
    /// Paints `items` in their layers, from `open_layer`; the layer open at the end. With
    /// `state` to fill, the stream up to the first item that depends on the record becomes
    /// the press artwork, and where painting stood there is kept in it.
    fn paint_items<'p>(
        &mut self,
        page: &Page,
        items: impl Iterator<Item = &'p crate::display::Item>,
        layers: &mut Vec<Layer>,
        mut open_layer: Option<Layer>,
        mut state: Option<&mut Option<PressState>>,
    ) -> Option<Layer> {
        for item in items {
            if let Some(state) = state.take_if(|_| !item.fixed) {
                *state = Some(PressState {
                    press: Arc::new(
                        std::mem::replace(&mut self.content, Content::new())
                            .finish()
                            .into_vec(),
                    ),
                    fonts: self.fonts.clone(),
                    inks_used: self.inks_used.clone(),
                    tiles: self.tiles.clone(),
                    images: self.images.clone(),
                    layers: layers.clone(),
                    open_layer,
                });
            }
            let layer = Layer::of(page, item);
            if open_layer != Some(layer) {
                if open_layer.is_some() {
                    self.content.end_marked_content();
                }
                self.content
                    .begin_marked_content_with_properties(Name(b"OC"))
                    .properties_named(layer_name(layer).as_name());
                open_layer = Some(layer);
                if !layers.contains(&layer) {
                    layers.push(layer);
                }
            }
            self.item(page, item.ink, &item.shape);
        }
        open_layer
    }

    /// Closes the stream (the open layer, the calibration) and hands over what it used.
    fn finish(
        mut self,
        options: &PdfOptions,
        press: Option<Arc<Vec<u8>>>,
        layers: Vec<Layer>,
        open_layer: Option<Layer>,
        state: Option<PressState>,
    ) -> Painting {
        if open_layer.is_some() {
            self.content.end_marked_content();
        }
        if !options.calibration.is_identity() {
            self.content.restore_state();
        }
        Painting {
            painted: Painted {
                press,
                content: self.content.finish().into_vec(),
                fonts: self.fonts,
                inks_used: self.inks_used,
                tiles: self.tiles,
                images: self.images,
                layers,
            },
            state,
        }
    }

    /// Crop marks at the four corners of the trim, outside the bleed, on every plate.
    fn crop_marks(&mut self, width: Mm, bleed: Mm) {
        let (w, h) = (pt(width), pt(self.height));
        let (near, far) = (
            pt(mark_offset(bleed)),
            pt(mark_offset(bleed) + CROP_MARK_LENGTH),
        );
        let content = &mut self.content;
        content.save_state();
        content.set_stroke_color_space(pdf_writer::types::ColorSpaceOperand::Named(Name(b"CSreg")));
        content.set_stroke_color([1.0]);
        content.set_line_width(0.25);
        for (x, y, dx, dy) in [
            (0.0, 0.0, -1.0, -1.0),
            (w, 0.0, 1.0, -1.0),
            (0.0, h, -1.0, 1.0),
            (w, h, 1.0, 1.0),
        ] {
            // A horizontal mark on the trim's horizontal edge, a vertical one on its
            // vertical edge, both pointing away from the sheet.
            content.move_to(x + dx * near, y).line_to(x + dx * far, y);
            content.move_to(x, y + dy * near).line_to(x, y + dy * far);
        }
        content.stroke();
        content.restore_state();
    }

    /// PDF user space (points, y up) of a sheet point (mm, y down).
    fn point(&self, p: Point) -> (f32, f32) {
        (pt(p.x), pt(self.height - p.y))
    }

    fn item(&mut self, page: &Page, ink: InkId, shape: &Shape) {
        self.content.save_state();
        let stroked = matches!(shape, Shape::Lines(_));
        match &page.inks[ink.0].kind {
            InkKind::Process(cmyk) => {
                let [c, m, y, k] = cmyk_unit(cmyk);
                if stroked {
                    self.content.set_stroke_cmyk(c, m, y, k);
                } else {
                    self.content.set_fill_cmyk(c, m, y, k);
                }
            }
            InkKind::Spot { overprint, .. } => {
                if *overprint {
                    self.content.set_parameters(Name(b"GSop"));
                }
                let name = ink_name(ink);
                let space = pdf_writer::types::ColorSpaceOperand::Named(name.as_name());
                if stroked {
                    self.content.set_stroke_color_space(space);
                    self.content.set_stroke_color([1.0]);
                } else {
                    self.content.set_fill_color_space(space);
                    self.content.set_fill_color([1.0]);
                }
            }
        }
        if !self.inks_used.contains(&ink) {
            self.inks_used.push(ink);
        }
        match shape {
            Shape::Text(run) => self.text(run),
            Shape::Path(path) => self.path(path),
            Shape::Qr(symbol) => self.qr(symbol),
            Shape::Lines(lines) => self.lines(lines),
            Shape::Image(image) => self.image(image, ink),
        }
        self.content.restore_state();
    }

    /// A picture: cut to its box, its image XObject drawn over the area it lands on.
    fn image(&mut self, image: &PlacedImage, ink: InkId) {
        let key = (image.bitmap.clone(), image.in_ink.then_some(ink));
        let index = match self
            .images
            .iter()
            .position(|(b, i)| Arc::ptr_eq(b, &key.0) && *i == key.1)
        {
            Some(i) => i,
            None => {
                self.images.push(key);
                self.images.len() - 1
            }
        };
        let clip = image.clip;
        let (x, y) = self.point(Point::new(clip.left(), clip.bottom()));
        self.content.rect(x, y, pt(clip.width()), pt(clip.height()));
        self.content.clip_nonzero();
        self.content.end_path();
        let area = image.area;
        let (x, y) = self.point(Point::new(area.left(), area.bottom()));
        // The unit square of image space onto the area (image rows run top down).
        self.content
            .transform([pt(area.width()), 0.0, 0.0, pt(area.height()), x, y]);
        self.content.x_object(image_name(index).as_name());
    }

    /// Guilloche lines: clipped to their region, the tile's form drawn at every copy.
    fn lines(&mut self, lines: &Lines) {
        let index = match self.tiles.iter().position(|t| Arc::ptr_eq(t, &lines.tile)) {
            Some(i) => i,
            None => {
                self.tiles.push(lines.tile.clone());
                self.tiles.len() - 1
            }
        };
        for r in &lines.clip {
            let (x, y) = self.point(Point::new(r.left(), r.bottom()));
            self.content.rect(x, y, pt(r.width()), pt(r.height()));
        }
        self.content.clip_nonzero();
        self.content.end_path();
        // Tile millimetres (y down) to PDF points (y up from the sheet's foot).
        let k = pt(Mm(1.0)) as f64;
        let h = self.height.get();
        let name = tile_name(index);
        for c in &lines.copies {
            self.content.save_state();
            self.content.transform([
                (k * c.a) as f32,
                (-k * c.b) as f32,
                (k * c.c) as f32,
                (-k * c.d) as f32,
                (k * c.e) as f32,
                (k * (h - c.f)) as f32,
            ]);
            self.content.x_object(name.as_name());
            self.content.restore_state();
        }
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
        let height = self.height;
        path.walk(|p| (pt(p.x), pt(height - p.y)), &mut self.content);
        if path.even_odd {
            self.content.fill_even_odd();
        } else {
            self.content.fill_nonzero();
        }
    }

    /// QR modules as rectangles in a module grid (one unit per module, y down from the
    /// symbol's top-left), each row's runs of dark modules merged: integer coordinates
    /// keep the stream a third of the size of one written in points.
    fn qr(&mut self, symbol: &QrSymbol) {
        let module = pt(symbol.module);
        let (left, top) = self.point(symbol.origin);
        self.content.save_state();
        self.content
            .transform([module, 0.0, 0.0, -module, left, top]);
        // Thousands of rectangles of small integers (3,721 for the Liuzhou sample), the
        // costliest part of a licence's stream through pdf-writer's operand writer: written
        // here as the text of one operation, byte for byte what `rect` writes (`x y w 1 re`,
        // a line each; pdf-writer puts the line break before each operation).
        let mut rects = String::with_capacity(symbol.width * symbol.width);
        let mut number = itoa::Buffer::new();
        for (row, start, end) in symbol.dark_runs() {
            if !rects.is_empty() {
                rects.push('\n');
            }
            for value in [start, row, end - start] {
                push_small(&mut rects, value, &mut number);
                rects.push(' ');
            }
            rects.push_str("1 re");
        }
        if !rects.is_empty() {
            self.content.op(&rects);
        }
        self.content.fill_nonzero();
        self.content.restore_state();
    }
}

/// Appends `value` in decimal, as itoa writes it. A QR's coordinates are below 1,000: their
/// digits are pushed one by one, where copying itoa's text cost a call each (6,000 a
/// licence).
fn push_small(out: &mut String, value: usize, number: &mut itoa::Buffer) {
    let digit = |d: usize| char::from(b'0' + d as u8);
    match value {
        0..=9 => out.push(digit(value)),
        10..=99 => {
            out.push(digit(value / 10));
            out.push(digit(value % 10));
        }
        100..=999 => {
            out.push(digit(value / 100));
            out.push(digit(value / 10 % 10));
            out.push(digit(value % 10));
        }
        _ => out.push_str(number.format(value)),
    }
}

#[cfg(test)]
mod tests {
    /// Small numbers are written as itoa writes them, on both sides of each digit count.
    #[test]
    fn small_numbers_are_written_as_itoa_writes_them() {
        let mut number = itoa::Buffer::new();
        for value in (0..2_000).chain([usize::MAX]) {
            let mut out = String::from("x");
            super::push_small(&mut out, value, &mut number);
            assert_eq!(out, format!("x{value}"));
        }
    }
}

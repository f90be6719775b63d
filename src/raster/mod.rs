//! The raster back end: a [`Page`] as pixels, drawn with tiny-skia from the same glyph
//! outlines and paths the PDF carries.
//!
//! Proof colours come from CMYK by the formula in [`crate::colour::proof_rgb`]. At the printer grid the
//! layout sized them for (300 dpi), QR modules are whole device pixels drawn without
//! anti-aliasing, so a 300 dpi rendering prints and scans like the PDF.
//!
//! Views: the daylight proof, the page under a UV lamp, and one grey plate per ink (the
//! print shop's separation preview); see [`View`].

mod lines;
pub(crate) mod png;
pub(crate) mod stamp;

use std::collections::HashMap;

use rayon::prelude::*;
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, PixmapMut, Transform};

use crate::colour::{proof_rgb, uv_rgb};
use crate::deflate::Compressors;
use crate::display::{
    GlyphRun, InkKind, Item, Lines, Page, Path, PathSink, PlacedImage, QrSymbol, Shape,
};
use crate::error::{Error, Result};
use crate::fonts::{FaceId, FontBook};
use crate::production::Calibration;
use crate::spec::{Cmyk, Pass};
use crate::units::{Mm, Point};

/// Largest image accepted, in pixels (A3 at about 800 dpi; 600 MB of RGBA).
pub const MAX_PIXELS: u64 = 150_000_000;

/// How to rasterise.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterOptions {
    /// Resolution. Default: 300 dpi.
    pub dpi: f64,
    /// Only the items of this pass. Default: `None`, every item.
    pub pass: Option<Pass>,
    /// What the picture shows. Default: the daylight proof.
    pub view: View,
    /// Moves and scales everything drawn: the office printer's registration for the print
    /// pass. Default: none.
    pub calibration: Calibration,
}

impl Default for RasterOptions {
    fn default() -> Self {
        Self {
            dpi: 300.0,
            pass: None,
            view: View::Proof,
            calibration: Calibration::default(),
        }
    }
}

/// The views a person asks for by name (`proof`, `uv` on the command line and in the
/// service's query); plates are asked for as plates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "serve", derive(serde::Deserialize, utoipa::ToSchema))]
#[cfg_attr(feature = "serve", serde(rename_all = "lowercase"))]
pub enum Light {
    /// Daylight: the fluorescent ink is invisible.
    #[default]
    Proof,
    /// Under a UV lamp: the fluorescent ink glows, the rest is dimmed.
    Uv,
}

impl From<Light> for View {
    fn from(light: Light) -> Self {
        match light {
            Light::Proof => View::Proof,
            Light::Uv => View::Uv,
        }
    }
}

/// What a raster shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// In daylight: every ink in its proof colour, invisible (fluorescent) inks not seen.
    Proof,
    /// Under a UV lamp: fluorescent inks glow in their proof colour; paper and every other
    /// ink are dimmed to a dark violet (`colour::uv_rgb`).
    Uv,
    /// One printing plate as 8-bit grey, darkness = ink coverage: the print shop's
    /// separation preview. An opaque ink knocks out the plates it does not use; an
    /// overprinting ink leaves them alone.
    Plate(Colorant),
}

/// One plate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Colorant {
    /// Process cyan.
    Cyan,
    /// Process magenta.
    Magenta,
    /// Process yellow.
    Yellow,
    /// Process black.
    Black,
    /// A spot ink, by its colorant name (`HotFoilGold`).
    Spot(String),
}

impl Colorant {
    /// The plates a page uses: C, M, Y, K, then each spot ink in the order of the page's
    /// inks.
    pub(crate) fn plates(page: &Page) -> Vec<Colorant> {
        let mut plates = vec![
            Colorant::Cyan,
            Colorant::Magenta,
            Colorant::Yellow,
            Colorant::Black,
        ];
        for ink in &page.inks {
            if let InkKind::Spot { name, .. } = &ink.kind {
                let plate = Colorant::Spot(name.clone());
                if !plates.contains(&plate) {
                    plates.push(plate);
                }
            }
        }
        plates
    }

    /// A short name for file names and reports: `C`, `M`, `Y`, `K` or the spot's name.
    pub fn name(&self) -> &str {
        match self {
            Colorant::Cyan => "C",
            Colorant::Magenta => "M",
            Colorant::Yellow => "Y",
            Colorant::Black => "K",
            Colorant::Spot(name) => name,
        }
    }

    /// The plate's file name: `plate-C.png` … `plate-<SpotName>.png`, with anything but
    /// ASCII letters, digits and `-` replaced by `_`.
    pub fn file_name(&self) -> String {
        let name: String = self
            .name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("plate-{name}.png")
    }

    /// How much of this plate an ink lays down, 0–1.
    fn coverage(&self, ink: &InkKind) -> f64 {
        let unit = |v: f64| (v / 100.0).clamp(0.0, 1.0);
        match (self, ink) {
            (Colorant::Cyan, InkKind::Process(c)) => unit(c.c),
            (Colorant::Magenta, InkKind::Process(c)) => unit(c.m),
            (Colorant::Yellow, InkKind::Process(c)) => unit(c.y),
            (Colorant::Black, InkKind::Process(c)) => unit(c.k),
            (Colorant::Spot(plate), InkKind::Spot { name, .. }) if plate == name => 1.0,
            _ => 0.0,
        }
    }
}

/// A rendered page.
pub struct Raster {
    pixmap: Pixmap,
    dpi: f64,
    grey: bool,
}

impl Raster {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.pixmap.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.pixmap.height()
    }

    /// Resolution in dots per inch.
    pub fn dpi(&self) -> f64 {
        self.dpi
    }

    /// The pixels as RGB, row by row (the page is opaque: paper white under everything).
    pub fn rgb(&self) -> Vec<u8> {
        self.pixmap
            .data()
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect()
    }

    /// Encodes the page as a PNG with its resolution recorded (pHYs): RGB, or 8-bit grey
    /// for a plate.
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        self.encode_png_with(&Compressors::default())
    }

    /// [`Raster::encode_png`] with the compressors of its caller (a prepared template's).
    pub(crate) fn encode_png_with(&self, compressors: &Compressors) -> Result<Vec<u8>> {
        let color = if self.grey {
            ::png::ColorType::Grayscale
        } else {
            ::png::ColorType::Rgb
        };
        let stride = self.width() as usize * 4;
        let data = self.pixmap.data();
        png::encode_rows(
            color,
            self.width(),
            self.height(),
            self.dpi,
            compressors,
            |y, row| pack(&data[y as usize * stride..][..stride], self.grey, row),
        )
    }
}

/// Opaque RGBA pixels as the PNG's samples: RGB, or grey (a plate's pixels are grey, so
/// its red is its grey).
fn pack(rgba: &[u8], grey: bool, out: &mut [u8]) {
    let pixels = rgba.chunks_exact(4);
    // Fixed-size copies: a slice copy per pixel would call memmove 17 million times.
    if grey {
        for (out, pixel) in out.iter_mut().zip(pixels) {
            *out = pixel[0];
        }
    } else {
        for (out, pixel) in out.chunks_exact_mut(3).zip(pixels) {
            out.copy_from_slice(&pixel[..3]);
        }
    }
}

/// The colour an item of `ink` paints in `view`, or `None` when it paints nothing.
fn view_rgb(ink: &InkKind, view: &View) -> Option<[u8; 3]> {
    let (invisible, overprint) = match ink {
        InkKind::Process(_) => (false, false),
        InkKind::Spot {
            invisible,
            overprint,
            ..
        } => (*invisible, *overprint),
    };
    match view {
        View::Proof => (!invisible).then(|| proof_rgb(ink.proof())),
        View::Uv if invisible => Some(proof_rgb(ink.proof())),
        View::Uv => Some(uv_rgb(proof_rgb(ink.proof()))),
        View::Plate(plate) => {
            let coverage = plate.coverage(ink);
            if coverage == 0.0 && overprint {
                return None;
            }
            let grey = (255.0 * (1.0 - coverage)).round() as u8;
            Some([grey; 3])
        }
    }
}

/// Rasterises the page.
pub fn render(page: &Page, fonts: &FontBook, options: &RasterOptions) -> Result<Raster> {
    let mut canvas = Canvas::new(page, options)?;
    canvas.paint(page, page_items(page, options), fonts, options)?;
    Ok(canvas.finish(options))
}

/// The items of `page` that `options` draws, in painting order.
fn page_items<'a>(page: &'a Page, options: &RasterOptions) -> impl Iterator<Item = &'a Item> {
    let pass = options.pass;
    page.items.iter().filter(move |i| i.pass.selected_by(pass))
}

/// The leading items every licence of a spec paints alike (the press artwork under the
/// variable data), rasterised once. [`render_over`] starts each licence from a copy of it
/// instead of drawing them again: a batch of PNGs pays for the artwork once.
pub struct Underlay {
    options: RasterOptions,
    /// The elements and passes of the items it holds, in order: a page it is used for
    /// must begin with the same.
    items: Vec<(String, Pass)>,
    size: crate::units::Size,
    canvas: Canvas,
    /// Each PNG band's piece, kept once a PNG over the underlay has made it from the
    /// underlay's pixels alone ([`png`]).
    kept: Vec<png::KeptBand>,
}

impl Underlay {
    /// Renders the leading fixed items of `page` (any licence of the spec) with `options`.
    pub fn new(page: &Page, fonts: &FontBook, options: &RasterOptions) -> Result<Self> {
        let mut canvas = Canvas::new(page, options)?;
        let fixed: Vec<&Item> = page_items(page, options).take_while(|i| i.fixed).collect();
        canvas.paint(page, fixed.iter().copied(), fonts, options)?;
        let bands = canvas.sheet.height.div_ceil(png::BAND_ROWS);
        Ok(Self {
            options: options.clone(),
            items: fixed.iter().map(|i| (i.element.clone(), i.pass)).collect(),
            size: page.size,
            canvas,
            kept: (0..bands).map(|_| png::KeptBand::new()).collect(),
        })
    }

    /// Whether `page` drawn with `options` begins with what this underlay holds (and
    /// [`render_over`] will use it).
    pub fn fits(&self, page: &Page, options: &RasterOptions) -> bool {
        let mut leading = page_items(page, options).take_while(|i| i.fixed);
        self.options == *options
            && self.size == page.size
            && self.items.iter().all(|(element, pass)| {
                leading
                    .next()
                    .is_some_and(|i| i.element == *element && i.pass == *pass)
            })
            && leading.next().is_none()
    }
}

/// Rasterises `page` straight into a PNG: the bytes of [`render`] (or [`render_over`]
/// with `underlay`) then [`Raster::encode_png`], but painted, filtered and deflated band by
/// band on every core, so the whole sheet is never held (a 300 dpi A3 sheet is 70 MB of
/// RGBA, whose first touch alone cost as much as painting the variable data).
pub(crate) fn png(
    page: &Page,
    fonts: &FontBook,
    options: &RasterOptions,
    underlay: Option<&Underlay>,
    compressors: &Compressors,
) -> Result<Vec<u8>> {
    let under = underlay.filter(|u| u.fits(page, options));
    let (mut sheet, skip) = match under {
        Some(u) => (u.canvas.sheet.clone(), u.items.len()),
        None => (Sheet::new(page, options)?, 0),
    };
    let ops = sheet.ops(page, page_items(page, options).skip(skip), fonts, options)?;
    let grey = matches!(options.view, View::Plate(_));
    let color = if grey {
        ::png::ColorType::Grayscale
    } else {
        ::png::ColorType::Rgb
    };
    let stride = sheet.width as usize * 4;
    let paper = sheet.paper.repeat(sheet.width as usize);
    let fill = |rows: std::ops::Range<u32>, rgba: &mut Vec<u8>, packed: &mut [u8]| {
        let (first, count) = (rows.start as usize, rows.len());
        rgba.clear();
        match under {
            Some(u) => {
                rgba.extend_from_slice(&u.canvas.pixmap.data()[first * stride..][..count * stride])
            }
            None => (0..count).for_each(|_| rgba.extend_from_slice(&paper)),
        }
        sheet.paint_band(&ops, rgba, rows.start);
        pack(rgba, grey, packed);
    };
    // Over an underlay, a PNG band that none of the page's own operations reaches is the
    // underlay's band: its piece is made once and kept.
    let kept: Vec<Option<&png::KeptBand>> = match under {
        Some(u) => match ops.iter().map(Op::reach).collect::<Option<Vec<_>>>() {
            Some(reaches) => u
                .kept
                .iter()
                .enumerate()
                .map(|(band, kept)| {
                    let top = band as u32 * png::BAND_ROWS;
                    let rows = png::BAND_ROWS.min(sheet.height.saturating_sub(top));
                    let untouched = reaches
                        .iter()
                        .all(|&(first, last)| !Op::may_touch(first, last, top, rows));
                    untouched.then_some(kept)
                })
                .collect(),
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    // Groups of the painter's bands: each painted as `paint` paints it, so the pixels are
    // the same.
    png::encode_groups(
        color,
        sheet.width,
        sheet.height,
        sheet.dpi,
        compressors,
        BAND_ROWS,
        &kept,
        fill,
    )
}

/// Rasterises `page` over `underlay`: the same pixels as [`render`], the fixed items
/// copied rather than drawn. A page the underlay does not fit (another spec, other
/// options) is rendered in full.
pub fn render_over(
    page: &Page,
    fonts: &FontBook,
    options: &RasterOptions,
    underlay: &Underlay,
) -> Result<Raster> {
    if !underlay.fits(page, options) {
        return render(page, fonts, options);
    }
    let mut canvas = underlay.canvas.clone();
    let rest = page_items(page, options).skip(underlay.items.len());
    canvas.paint(page, rest, fonts, options)?;
    Ok(canvas.finish(options))
}

impl PathSink for PathBuilder {
    fn move_to(&mut self, (x, y): (f32, f32)) {
        PathBuilder::move_to(self, x, y);
    }

    fn line_to(&mut self, (x, y): (f32, f32)) {
        PathBuilder::line_to(self, x, y);
    }

    fn cubic_to(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), (x, y): (f32, f32)) {
        PathBuilder::cubic_to(self, x1, y1, x2, y2, x, y);
    }

    fn close(&mut self) {
        PathBuilder::close(self);
    }
}

#[derive(Clone)]
struct Canvas {
    pixmap: Pixmap,
    sheet: Sheet,
}

/// The sheet a page is drawn on, without its pixels: its size, the paper, the calibration,
/// and what turns items into operations in sheet pixels.
#[derive(Clone)]
struct Sheet {
    width: u32,
    height: u32,
    /// Paper white, or paper under UV, as RGBA.
    paper: [u8; 4],
    dpi: f64,
    /// Glyph outlines in font units, built once per render.
    glyphs: HashMap<(FaceId, u16), Option<tiny_skia::Path>>,
    /// The calibration, in pixels, applied to everything drawn.
    base: Transform,
    /// Whether `base` moves anything (QR modules are then not snapped to pixels).
    calibrated: bool,
}

impl Canvas {
    /// A blank sheet for `page` under `options`: paper white (or paper under UV).
    fn new(page: &Page, options: &RasterOptions) -> Result<Self> {
        let sheet = Sheet::new(page, options)?;
        let (width, height) = (sheet.width, sheet.height);
        let mut pixmap = Pixmap::new(width, height).ok_or_else(|| Error::Render {
            message: format!("cannot allocate {width} × {height} pixels"),
        })?;
        // In parallel: the first touch of a fresh page's memory is half the cost. One row
        // pixel by pixel, the others copied from it.
        let paper: Vec<u8> = sheet.paper.repeat(width as usize);
        pixmap
            .data_mut()
            .par_chunks_mut(paper.len() * BAND_ROWS as usize)
            .for_each(|band| {
                for row in band.chunks_exact_mut(paper.len()) {
                    row.copy_from_slice(&paper);
                }
            });
        Ok(Canvas { pixmap, sheet })
    }

    /// Draws `items` of `page` in their inks as `options` shows them.
    ///
    /// The items are first prepared as operations in sheet pixels (outlines placed, paths
    /// built), then painted band by band of [`BAND_ROWS`] rows, bands in parallel. The
    /// bands are fixed by the sheet, not by the number of cores, so every machine paints
    /// the same pixels. (Against one whole-sheet paint, a path crossing a band edge is
    /// clipped there, which can move a few of its anti-aliased edge pixels by a coverage
    /// step.)
    fn paint<'a>(
        &mut self,
        page: &'a Page,
        items: impl Iterator<Item = &'a Item>,
        fonts: &FontBook,
        options: &RasterOptions,
    ) -> Result<()> {
        let ops = self.sheet.ops(page, items, fonts, options)?;
        let width = self.pixmap.width();
        let stride = width as usize * 4;
        let sheet = &self.sheet;
        self.pixmap
            .data_mut()
            .par_chunks_mut(stride * BAND_ROWS as usize)
            .enumerate()
            .for_each(|(index, rows)| sheet.paint_band(&ops, rows, index as u32 * BAND_ROWS));
        Ok(())
    }

    fn finish(self, options: &RasterOptions) -> Raster {
        Raster {
            pixmap: self.pixmap,
            dpi: self.sheet.dpi,
            grey: matches!(options.view, View::Plate(_)),
        }
    }
}

impl Sheet {
    fn new(page: &Page, options: &RasterOptions) -> Result<Self> {
        let dpi = options.dpi;
        if !(10.0..=2400.0).contains(&dpi) {
            return Err(Error::Render {
                message: format!("{dpi} dpi is outside 10–2400 dpi"),
            });
        }
        let width = page.size.width.to_px(dpi).round() as u64;
        let height = page.size.height.to_px(dpi).round() as u64;
        if width * height > MAX_PIXELS {
            return Err(Error::Render {
                message: format!(
                    "{width} × {height} pixels is over the {MAX_PIXELS}-pixel limit; lower --dpi"
                ),
            });
        }
        let [r, g, b] = match options.view {
            View::Uv => uv_rgb([255; 3]),
            _ => [255; 3],
        };
        crate::production::check_registration(options.calibration, options.pass)?;
        let c = options.calibration;
        let px = |v: Mm| v.to_px(dpi) as f32;
        Ok(Sheet {
            width: width as u32,
            height: height as u32,
            paper: [r, g, b, 255],
            dpi,
            glyphs: HashMap::new(),
            base: Transform::from_row(
                c.scale as f32,
                0.0,
                0.0,
                c.scale as f32,
                px(c.offset_x),
                px(c.offset_y),
            ),
            calibrated: !c.is_identity(),
        })
    }

    /// `items` of `page` as operations in sheet pixels, in their inks as `options` shows
    /// them.
    fn ops<'a>(
        &mut self,
        page: &'a Page,
        items: impl Iterator<Item = &'a Item>,
        fonts: &FontBook,
        options: &RasterOptions,
    ) -> Result<Vec<Op<'a>>> {
        let mut ops = Vec::new();
        for item in items {
            let ink = &page.inks[item.ink.0].kind;
            let Some([r, g, b]) = view_rgb(ink, &options.view) else {
                continue;
            };
            let mut paint = Paint::default();
            paint.set_color_rgba8(r, g, b, 255);
            paint.anti_alias = true;
            match &item.shape {
                Shape::Text(run) => self.text(fonts, run, &paint, &mut ops)?,
                Shape::Path(path) => self.path(path, paint, &mut ops),
                Shape::Qr(symbol) => self.qr(symbol, paint, &mut ops),
                Shape::Lines(lines) => ops.push(Op::Lines {
                    lines,
                    rgb: [r, g, b],
                }),
                Shape::Image(image) => ops.extend(self.image(image, ink, &options.view)),
            }
        }
        Ok(ops)
    }

    /// Paints `ops` into `rows`, the sheet's RGBA rows from `top` (one band).
    fn paint_band(&self, ops: &[Op<'_>], rows: &mut [u8], top: u32) {
        let height = (rows.len() / (self.width as usize * 4)) as u32;
        if let Some(mut band) = PixmapMut::from_bytes(rows, self.width, height) {
            for op in ops {
                op.paint(&mut band, top, self.base, self.dpi);
            }
        }
    }

    fn px(&self, v: Mm) -> f32 {
        v.to_px(self.dpi) as f32
    }

    fn point(&self, p: Point) -> (f32, f32) {
        (self.px(p.x), self.px(p.y))
    }

    fn text(
        &mut self,
        fonts: &FontBook,
        run: &GlyphRun,
        paint: &Paint<'static>,
        ops: &mut Vec<Op<'_>>,
    ) -> Result<()> {
        if !run.visible {
            return Ok(());
        }
        let face = fonts.face(run.face);
        let parsed = face.parse()?;
        let scale = (run.size.to_mm().to_px(self.dpi) / face.metrics()?.units_per_em) as f32;
        let baseline = self.px(run.baseline);
        for glyph in &run.glyphs {
            let outline = self
                .glyphs
                .entry((run.face, glyph.id))
                .or_insert_with(|| glyph_outline(parsed, glyph.id))
                .as_ref();
            if let Some(outline) = outline {
                // Font units are y-up; the sheet is y-down.
                let transform = Transform::from_row(
                    scale,
                    0.0,
                    0.0,
                    -scale,
                    glyph.x.to_px(self.dpi) as f32,
                    baseline,
                );
                if let Some(path) = outline.clone().transform(self.base.pre_concat(transform)) {
                    ops.push(Op::Fill {
                        path,
                        paint: paint.clone(),
                        rule: FillRule::Winding,
                    });
                }
            }
        }
        Ok(())
    }

    fn path(&self, path: &Path, paint: Paint<'static>, ops: &mut Vec<Op<'_>>) {
        let mut builder = PathBuilder::new();
        path.walk(|p| self.point(p), &mut builder);
        let rule = if path.even_odd {
            FillRule::EvenOdd
        } else {
            FillRule::Winding
        };
        if let Some(outline) = builder.finish().and_then(|p| self.placed(p)) {
            ops.push(Op::Fill {
                path: outline,
                paint,
                rule,
            });
        }
    }

    fn qr(&self, symbol: &QrSymbol, mut paint: Paint<'static>, ops: &mut Vec<Op<'_>>) {
        // At the grid the layout chose (300 dpi by default) a module is a whole number of
        // pixels: draw it snapped and without anti-aliasing. At any other resolution draw
        // the exact geometry, anti-aliased, like a PDF viewer would.
        let exact = symbol.module.to_px(self.dpi) as f32;
        let whole = exact.round();
        let snapped = whole >= 1.0 && (exact - whole).abs() < 0.01 && !self.calibrated;
        let (module, mut left, mut top) =
            (exact, self.px(symbol.origin.x), self.px(symbol.origin.y));
        let module = if snapped {
            left = left.round();
            top = top.round();
            paint.anti_alias = false;
            whole
        } else {
            module
        };
        let mut builder = PathBuilder::new();
        for row in 0..symbol.width {
            for col in 0..symbol.width {
                if symbol.is_dark(row, col) {
                    let (x, y) = (left + module * col as f32, top + module * row as f32);
                    if let Some(rect) = tiny_skia::Rect::from_xywh(x, y, module, module) {
                        builder.push_rect(rect);
                    }
                }
            }
        }
        if let Some(path) = builder.finish().and_then(|p| self.placed(p)) {
            ops.push(Op::Fill {
                path,
                paint,
                rule: FillRule::Winding,
            });
        }
    }

    /// A path in sheet pixels moved by the calibration.
    /// A picture as a pattern over its box: its pixels in the colours `view` shows (its
    /// own CMYK, or `ink` at the picture's coverage), drawn with bilinear filtering.
    fn image(&self, image: &PlacedImage, ink: &InkKind, view: &View) -> Option<Op<'static>> {
        let bitmap = &image.bitmap;
        let mut pixmap = Pixmap::new(bitmap.width, bitmap.height)?;
        let pixels = pixmap.data_mut().chunks_exact_mut(4);
        let premultiplied = |[r, g, b]: [u8; 3], a: u8| {
            let pre = |v: u8| ((u32::from(v) * u32::from(a) + 127) / 255) as u8;
            [pre(r), pre(g), pre(b), a]
        };
        if image.in_ink {
            let rgb = view_rgb(ink, view)?;
            for (out, &a) in pixels.zip(bitmap.coverage()) {
                out.copy_from_slice(&premultiplied(rgb, a));
            }
        } else {
            for (i, (out, p)) in pixels.zip(bitmap.cmyk.chunks_exact(4)).enumerate() {
                let [c, m, y, k] = [p[0], p[1], p[2], p[3]].map(|v| f64::from(v) / 2.55);
                if let Some(rgb) = view_rgb(&InkKind::Process(Cmyk { c, m, y, k }), view) {
                    let a = bitmap.alpha.as_ref().map_or(255, |a| a[i]);
                    out.copy_from_slice(&premultiplied(rgb, a));
                }
            }
        }
        let (left, top) = self.point(Point::new(image.area.left(), image.area.top()));
        let to_sheet = Transform::from_row(
            self.px(image.area.width()) / bitmap.width as f32,
            0.0,
            0.0,
            self.px(image.area.height()) / bitmap.height as f32,
            left,
            top,
        );
        let (l, t) = self.point(Point::new(image.clip.left(), image.clip.top()));
        let clip = tiny_skia::Rect::from_xywh(
            l,
            t,
            self.px(image.clip.width()),
            self.px(image.clip.height()),
        )?;
        Some(Op::Image {
            pixmap,
            to_sheet,
            clip,
            base: self.base,
        })
    }

    fn placed(&self, path: tiny_skia::Path) -> Option<tiny_skia::Path> {
        if self.base.is_identity() {
            Some(path)
        } else {
            path.transform(self.base)
        }
    }
}

/// Rows per band of the sheet painted in parallel (about 2.5 MB of an A3 page at 300 dpi).
const BAND_ROWS: u32 = 128;

/// One drawing operation, prepared in sheet pixels so that any band of rows can paint it.
enum Op<'a> {
    /// A filled outline (a glyph, a path, the QR modules).
    Fill {
        path: tiny_skia::Path,
        paint: Paint<'static>,
        rule: FillRule,
    },
    /// Guilloche lines, drawn by [`lines::draw`] band by band.
    Lines { lines: &'a Lines, rgb: [u8; 3] },
    /// A picture in its view colours: `to_sheet` maps its pixels to sheet pixels, `clip`
    /// is its box in sheet pixels, `base` the calibration.
    Image {
        pixmap: Pixmap,
        to_sheet: Transform,
        clip: tiny_skia::Rect,
        base: Transform,
    },
}

impl Op<'_> {
    /// Whether an operation reaching from row `first` to row `last` (sheet pixels) may
    /// change any of the `rows` rows from `top`: the culling every band paints by.
    fn may_touch(first: f32, last: f32, top: u32, rows: u32) -> bool {
        !(last < top as f32 - 1.0 || first > (top + rows) as f32 + 1.0)
    }

    /// The rows of the sheet (pixels, top and bottom) that painting the operation may
    /// change; `None` when it may change any.
    fn reach(&self) -> Option<(f32, f32)> {
        match self {
            Op::Fill { path, .. } => Some((path.bounds().top(), path.bounds().bottom())),
            Op::Lines { .. } => None,
            Op::Image { clip, base, .. } => {
                // Its box where the calibration moves it, as it is drawn.
                let mut corners = [
                    tiny_skia::Point::from_xy(clip.left(), clip.top()),
                    tiny_skia::Point::from_xy(clip.right(), clip.top()),
                    tiny_skia::Point::from_xy(clip.left(), clip.bottom()),
                    tiny_skia::Point::from_xy(clip.right(), clip.bottom()),
                ];
                base.map_points(&mut corners);
                let first = corners.iter().map(|p| p.y).fold(f32::INFINITY, f32::min);
                let last = corners.iter().map(|p| p.y).fold(f32::NEG_INFINITY, f32::max);
                (first.is_finite() && last.is_finite()).then_some((first, last))
            }
        }
    }

    /// Paints the part of the operation in `band`, the sheet's rows from `top`.
    fn paint(&self, band: &mut PixmapMut, top: u32, base: Transform, dpi: f64) {
        match self {
            Op::Fill { path, paint, rule } => {
                let bounds = path.bounds();
                if !Op::may_touch(bounds.top(), bounds.bottom(), top, band.height()) {
                    return;
                }
                // A whole-pixel move into the band's rows.
                let shift = Transform::from_translate(0.0, -(top as f32));
                band.fill_path(path, paint, *rule, shift, None);
            }
            Op::Lines { lines, rgb } => lines::draw(band, top, lines, base, dpi, *rgb),
            Op::Image {
                pixmap,
                to_sheet,
                clip,
                base,
            } => {
                // Culled by where it is drawn: through the calibration.
                match self.reach() {
                    Some((first, last)) if Op::may_touch(first, last, top, band.height()) => {}
                    _ => return,
                }
                let paint = Paint {
                    shader: tiny_skia::Pattern::new(
                        pixmap.as_ref(),
                        tiny_skia::SpreadMode::Pad,
                        tiny_skia::FilterQuality::Bilinear,
                        1.0,
                        *to_sheet,
                    ),
                    anti_alias: false,
                    ..Paint::default()
                };
                let shift = Transform::from_translate(0.0, -(top as f32)).pre_concat(*base);
                band.fill_rect(*clip, &paint, shift, None);
            }
        }
    }
}

/// A glyph's outline as a tiny-skia path in font units (y up); `None` for a glyph
/// without ink.
pub(crate) fn glyph_outline(face: &ttf_parser::Face<'_>, glyph: u16) -> Option<tiny_skia::Path> {
    let mut builder = OutlineBuilder(PathBuilder::new());
    face.outline_glyph(ttf_parser::GlyphId(glyph), &mut builder)?;
    builder.0.finish()
}

/// Collects a glyph outline into a tiny-skia path, in font units.
struct OutlineBuilder(PathBuilder);

impl ttf_parser::OutlineBuilder for OutlineBuilder {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

//! The spec's elements, typed: texts, fields and their contents, shapes, QR codes,
//! vertical texts, artwork, pictures, guilloche patterns, and their styles.
//!
//! Every struct refuses unknown keys, as the rest of the model does.

use serde::Deserialize;

use super::model::*;
use crate::units::{FontSize, Mm, Point, Pt, Size};

/// How a text's characters are spread along its line.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) enum Align {
    /// Natural advances from the start position (tracking applied).
    #[default]
    Start,
    /// Distributed (两端对齐): first character at the start, the last one's advance edge at
    /// the end, equal gaps between.
    Distribute(Span),
}

/// The line length a distributed text fills.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) enum Span {
    /// Ends at this x position.
    To(Mm),
    /// As wide as the label of the field element with this id.
    LabelOf(String),
}

/// How text is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TextStyle {
    /// Font family key in `fonts`.
    pub font: String,
    /// Type size: points or a Chinese size name.
    pub size: FontSize,
    /// Extra space after each character but the last. Default: 0.
    #[serde(default)]
    pub tracking: Pt,
    /// Distance between baselines, as a multiple of the size. Default: 1.2.
    #[serde(default = "default_line_height")]
    pub line_height: f64,
}

fn default_line_height() -> f64 {
    1.2
}

/// How a content treats full-width punctuation (clreq §3.1.6, GB/T 15834).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub(crate) enum Punctuation {
    /// Every mark full width, as many Word templates set it.
    #[default]
    Full,
    /// Adjacent marks and marks at a line's edges compressed (GB, corner-aligned style),
    /// a quarter em between Han and Latin.
    Compressed,
}

/// A fixed text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TextElement {
    /// Unique id, used in reports and errors.
    pub id: String,
    /// Production pass.
    pub pass: Pass,
    /// The text, one line.
    pub text: String,
    /// Left edge of the first character's em box and top of the ideographic em box.
    pub at: Point,
    /// Typography.
    pub style: TextStyle,
    /// Spread along the line. Default: `Start`.
    #[serde(default)]
    pub align: Align,
    /// Ink key. Default: the spec's `default_ink`.
    #[serde(default)]
    pub ink: Option<String>,
}

/// The label of a field (事项名称).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Label {
    /// The label's text.
    pub text: String,
    /// Left edge and em-box top of its first character.
    pub at: Point,
    /// Typography.
    pub style: TextStyle,
    /// Spread along the line. Default: `Start`.
    #[serde(default)]
    pub align: Align,
}

/// How a content that does not fit at its size is made to fit.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) enum Fit {
    /// One line at the nominal size; anything longer is refused.
    #[default]
    None,
    /// One line, shrunk down to `min`.
    Shrink {
        /// Smallest size allowed.
        min: FontSize,
    },
    /// Wrapped in the box at the nominal size.
    Wrap {
        /// Most lines allowed. Default: as many as the box holds.
        #[serde(default)]
        max_lines: Option<u32>,
    },
    /// Wrapped in the box at the largest size that fits, down to `min`.
    ShrinkWrap {
        /// Smallest size allowed.
        min: FontSize,
        /// Most lines allowed. Default: as many as the box holds.
        #[serde(default)]
        max_lines: Option<u32>,
    },
    /// Tried in order; the first stage that fits wins.
    Stages(Vec<FitStage>),
}

/// One attempt of a staged fit: the largest size in `min..=max` at which the text fits in
/// `max_lines` lines.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FitStage {
    /// Most lines. Default: as many as the box holds.
    #[serde(default)]
    pub max_lines: Option<u32>,
    /// Smallest size allowed in this stage.
    pub min: FontSize,
    /// Largest size tried. Default: the content's nominal size.
    #[serde(default)]
    pub max: Option<FontSize>,
}

/// How a date is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub(crate) enum DateStyle {
    /// `2022年9月26日`.
    #[default]
    Arabic,
    /// `二〇二二年九月二十六日`.
    ChineseNumerals,
}

/// The variable content of a field (事项内容).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Content {
    /// Record key it prints.
    pub key: String,
    /// Typography; the size is the nominal (largest) size.
    pub style: TextStyle,
    /// Space between the label's end and the content. Default: 0.
    #[serde(default)]
    pub gap: Mm,
    /// Right edge of the content's box.
    pub right: Mm,
    /// Bottom edge of the content's box. Default: the bottom of the label's em box.
    #[serde(default)]
    pub bottom: Option<Mm>,
    /// How a long content is made to fit. Default: `None` (one line, nominal size).
    #[serde(default)]
    pub fit: Fit,
    /// Separator between the items of a list. Default: `"；"`.
    #[serde(default = "default_join")]
    pub join: String,
    /// How a date is printed. Default: `Arabic`.
    #[serde(default)]
    pub date_style: DateStyle,
    /// Full-width punctuation: `Full` (every mark full width, default) or `Compressed`
    /// (adjacent marks and marks at a line's edges set half width, a quarter em between
    /// Han and Latin; W3C clreq, GB/T 15834).
    #[serde(default)]
    pub punctuation: Punctuation,
    /// Sets every wrapped line but a paragraph's last to both edges of the box (两端对齐).
    /// Default: false (ragged right).
    #[serde(default)]
    pub justify: bool,
}

fn default_join() -> String {
    "；".into()
}

/// A label and the record content that follows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldElement {
    /// Unique id.
    pub id: String,
    /// Production pass of label and content.
    pub pass: Pass,
    /// The label.
    pub label: Label,
    /// The content; absent for a field whose content is not printed (a seal).
    #[serde(default)]
    pub content: Option<Content>,
    /// Ink key. Default: the spec's `default_ink`.
    #[serde(default)]
    pub ink: Option<String>,
}

/// A stroke along a rectangle's edge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Stroke {
    /// Ink key.
    pub ink: String,
    /// Stroke width.
    pub width: Mm,
    /// Where the stroke lies relative to the edge. Default: `Inside`.
    #[serde(default)]
    pub align: StrokeAlign,
}

/// Where a stroke lies relative to the outline it follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub(crate) enum StrokeAlign {
    /// Entirely inside the shape: the outline is the stroke's outer edge.
    #[default]
    Inside,
    /// Centred on the outline.
    Centre,
}

/// A rectangle or an ellipse.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShapeElement {
    /// Unique id.
    pub id: String,
    /// Production pass.
    pub pass: Pass,
    /// Top-left corner of the bounding box.
    pub at: Point,
    /// Size of the bounding box.
    pub size: Size,
    /// Fill ink key, if filled.
    #[serde(default)]
    pub fill: Option<String>,
    /// Stroke, if stroked.
    #[serde(default)]
    pub stroke: Option<Stroke>,
}

/// Error-correction level of a QR code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub(crate) enum EcLevel {
    /// About 7 % recoverable.
    L,
    /// About 15 % recoverable.
    #[default]
    M,
    /// About 25 % recoverable.
    Q,
    /// About 30 % recoverable.
    H,
}

/// One `名称：内容` line of a QR payload.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QrLine {
    /// Record key whose value follows the name.
    pub key: String,
    /// The name before the separator. Default: the field's `name`.
    #[serde(default)]
    pub name: Option<String>,
}

/// A QR code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QrElement {
    /// Unique id.
    pub id: String,
    /// Production pass.
    pub pass: Pass,
    /// Top-left corner of the box holding the symbol.
    pub at: Point,
    /// Side of the square box holding the symbol (its quiet zone may lie outside).
    pub size: Mm,
    /// The payload's lines, `名称：内容`, one per line.
    pub lines: Vec<QrLine>,
    /// Between name and content. Default: `"："`.
    #[serde(default = "default_separator")]
    pub separator: String,
    /// Between the items of a list. Default: `"；"`.
    #[serde(default = "default_join")]
    pub join: String,
    /// A record key whose URL, when present, is encoded instead of the lines.
    #[serde(default)]
    pub url_key: Option<String>,
    /// Error-correction level. Default: `M`.
    #[serde(default)]
    pub ec_level: EcLevel,
    /// Smallest module side accepted. Default: 0.25 mm.
    #[serde(default = "default_min_module")]
    pub min_module: Mm,
    /// The printer grid modules snap to, so each module is whole printer dots. Default: 300.
    #[serde(default = "default_grid_dpi")]
    pub grid_dpi: f64,
    /// Font family for the searchable text layer. When set, the PDF carries the payload as
    /// invisible text over the symbol, so an electronic copy can be searched and copied.
    #[serde(default)]
    pub text_layer_font: Option<String>,
    /// Ink key. Default: the spec's `default_ink`.
    #[serde(default)]
    pub ink: Option<String>,
}

fn default_separator() -> String {
    "：".into()
}

fn default_min_module() -> Mm {
    Mm(0.25)
}

fn default_grid_dpi() -> f64 {
    300.0
}

/// Anything placed on the page.
#[derive(Debug, Clone, Deserialize)]
pub(crate) enum Element {
    /// A fixed text (the title, the fluorescent mark).
    Text(TextElement),
    /// A label and the record content that follows it.
    Field(FieldElement),
    /// A rectangle (border, rules).
    Rect(ShapeElement),
    /// An ellipse (placeholder artwork).
    Ellipse(ShapeElement),
    /// A QR code built from record fields.
    Qr(QrElement),
    /// SVG artwork drawn in one ink.
    Svg(SvgElement),
    /// A raster picture (PNG or JPEG): a photo in its own colours, or a seal in one ink.
    Image(ImageElement),
    /// A column of upright characters, top to bottom (竖排): a side title, a seal's legend.
    Vertical(VerticalText),
    /// Fine-line security artwork generated from parameters (a border band, a background).
    Guilloche(GuillocheElement),
}

/// A column of upright characters read top to bottom, each centred on the column's axis.
///
/// Characters are set upright at their advance height of one em; punctuation, which needs
/// vertical forms, is refused rather than printed sideways.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerticalText {
    /// Unique id.
    pub id: String,
    /// Production pass.
    pub pass: Pass,
    /// A fixed text. One of `text` and `key`.
    #[serde(default)]
    pub text: Option<String>,
    /// A record key whose value is set (nothing when the record lacks an optional field).
    #[serde(default)]
    pub key: Option<String>,
    /// Top-left of the column: its left edge (one em wide) and the first character's em top.
    pub at: Point,
    /// Typography; `tracking` adds space between characters.
    pub style: TextStyle,
    /// Spreads the characters so the last one's em box ends this far below `at` (两端对齐,
    /// vertically). Default: none, characters one em (plus tracking) apart.
    #[serde(default)]
    pub length: Option<Mm>,
    /// Ink key. Default: the spec's `default_ink`.
    #[serde(default)]
    pub ink: Option<String>,
}

/// SVG artwork (an emblem), scaled into its box and drawn in one ink.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SvgElement {
    /// Unique id.
    pub id: String,
    /// Production pass.
    pub pass: Pass,
    /// Top-left corner of the box.
    pub at: Point,
    /// Size of the box; the artwork is scaled to fit it, aspect ratio kept, centred.
    pub size: Size,
    /// The SVG file, relative to the spec's folder (and inside it). One of `file` and `key`.
    #[serde(default)]
    pub file: Option<String>,
    /// A record key of kind `ImagePath` (a seal for electronic copies): the SVG it names,
    /// relative to the record's folder. Nothing is drawn when the record has none.
    #[serde(default)]
    pub key: Option<String>,
    /// Ink key. Default: the spec's `default_ink`.
    #[serde(default)]
    pub ink: Option<String>,
}

/// A raster picture (PNG or JPEG) in a box: a holder's photo, a seal from a seal system.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImageElement {
    /// Unique id.
    pub id: String,
    /// Production pass.
    pub pass: Pass,
    /// Top-left corner of the box.
    pub at: Point,
    /// Size of the box.
    pub size: Size,
    /// The picture file, relative to the spec's folder (and inside it). One of `file` and
    /// `key`.
    #[serde(default)]
    pub file: Option<String>,
    /// A record key of kind `ImagePath`: the picture it names, relative to the record's
    /// folder (a photo, a seal). Nothing is drawn when the record has none.
    #[serde(default)]
    pub key: Option<String>,
    /// How the picture fills its box. Default: `Contain`.
    #[serde(default)]
    pub fit: ImageFit,
    /// The lowest resolution the picture may print at, in dots per inch (300 for a photo
    /// on a card): a picture below it is refused with the numbers. Default: none.
    #[serde(default)]
    pub min_dpi: Option<f64>,
    /// Prints the picture in this one ink, its opacity and darkness as the ink's coverage
    /// (a seal on the seal's plate). Default: none, the picture's own colours as CMYK.
    #[serde(default)]
    pub ink: Option<String>,
}

/// How a picture fills its box.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub(crate) enum ImageFit {
    /// Whole, as large as the box allows, centred; aspect ratio kept.
    #[default]
    Contain,
    /// Filling the box, centred, what overhangs cut off; aspect ratio kept.
    Cover,
    /// Stretched to the box, refused when its aspect ratio differs from the box's by more
    /// than `tolerance` (a fraction: 0.02 is 2 %).
    Exact {
        /// Largest relative difference of aspect ratios accepted.
        tolerance: f64,
    },
}

/// Fine-line security artwork (guilloche), generated from parameters rather than drawn:
/// a family of curves filling an area or a frame band, stroked in one ink.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GuillocheElement {
    /// Unique id.
    pub id: String,
    /// Production pass (pre-printed artwork is `Press`).
    pub pass: Pass,
    /// Where the pattern lies.
    pub area: PatternArea,
    /// The curves: waves along the area, or a rosette.
    pub pattern: Pattern,
    /// For a `Frame`: a rosette in each corner square (without one the corners stay clear).
    #[serde(default)]
    pub corners: Option<Rosette>,
    /// Stroke width of every line, at least 0.08 mm (finer does not print).
    pub line_width: Mm,
    /// Ink key. Default: the spec's `default_ink`.
    #[serde(default)]
    pub ink: Option<String>,
    /// Elements whose box, grown by a margin, the pattern leaves clear (a QR code, so
    /// scanners read it over the pattern).
    #[serde(default)]
    pub clear: Vec<Clearance>,
}

/// Where a guilloche lies.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) enum PatternArea {
    /// A rectangle: rows of waves across it, or a rosette at its centre.
    Rect {
        /// Top-left corner.
        at: Point,
        /// Size.
        size: Size,
    },
    /// The band just inside a rectangle's edge, `width` wide (a border): waves run along
    /// each side between the corner squares, clockwise, so the four corners are alike.
    Frame {
        /// Outer top-left corner.
        at: Point,
        /// Outer size.
        size: Size,
        /// Width of the band.
        width: Mm,
    },
}

/// A family of guilloche curves.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) enum Pattern {
    /// Rows of interlaced sine waves.
    Waves(Waves),
    /// Concentric rings of petalled closed curves.
    Rosette(Rosette),
}

/// Interlaced sine waves: `curves` waves per row, each a `1/curves` period behind the last,
/// crossing to form a chain; rows `spacing` apart.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Waves {
    /// Length of one period.
    pub wavelength: Mm,
    /// Peak displacement from the row's axis.
    pub amplitude: Mm,
    /// Interlaced waves per row. Default 2.
    #[serde(default = "default_curves")]
    pub curves: u32,
    /// Distance between rows (in a `Frame`, rows are centred in the band; one row when it is
    /// wider than the band).
    pub spacing: Mm,
    /// Phase of the first wave, degrees. Default 0.
    #[serde(default)]
    pub phase: f64,
    /// Phase added from one row to the next, degrees: slanting the pattern. Default 0.
    #[serde(default)]
    pub shift: f64,
    /// Share of a third harmonic mixed into each wave (0–0.5), for a richer line. Default 0.
    #[serde(default)]
    pub harmonic: f64,
}

/// A rosette: `curves` closed curves r(θ) = radius + amplitude · sin(petals · θ + phase +
/// k · 360° / curves), on `rings` radii `ring_spacing` apart.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rosette {
    /// Mean radius of the outer ring.
    pub radius: Mm,
    /// Radial swing of each petal.
    pub amplitude: Mm,
    /// Petals per curve.
    pub petals: u32,
    /// Curves per ring, each rotated a fraction of a petal. Default 2.
    #[serde(default = "default_curves")]
    pub curves: u32,
    /// Rings. Default 1.
    #[serde(default = "default_rings")]
    pub rings: u32,
    /// Radius lost from one ring to the next. Default 0.
    #[serde(default)]
    pub ring_spacing: Mm,
    /// Phase, degrees. Default 0.
    #[serde(default)]
    pub phase: f64,
}

fn default_curves() -> u32 {
    2
}

fn default_rings() -> u32 {
    1
}

/// An element's box that a pattern leaves clear.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Clearance {
    /// The element: a `Qr`, `Rect`, `Ellipse` or `Svg` (elements whose box the spec fixes).
    pub element: String,
    /// Clear space around its box. Default 0.
    #[serde(default)]
    pub margin: Mm,
}

impl Element {
    /// The element's id.
    pub fn id(&self) -> &str {
        match self {
            Element::Text(e) => &e.id,
            Element::Field(e) => &e.id,
            Element::Rect(e) | Element::Ellipse(e) => &e.id,
            Element::Qr(e) => &e.id,
            Element::Svg(e) => &e.id,
            Element::Image(e) => &e.id,
            Element::Vertical(e) => &e.id,
            Element::Guilloche(e) => &e.id,
        }
    }

    /// The element's kind as the spec file writes it: `Text`, `Field`, `Rect`, …
    pub fn kind(&self) -> &'static str {
        match self {
            Element::Text(_) => "Text",
            Element::Field(_) => "Field",
            Element::Rect(_) => "Rect",
            Element::Ellipse(_) => "Ellipse",
            Element::Qr(_) => "Qr",
            Element::Svg(_) => "Svg",
            Element::Image(_) => "Image",
            Element::Vertical(_) => "Vertical",
            Element::Guilloche(_) => "Guilloche",
        }
    }

    /// The record keys it prints: none for an element every licence of the spec shows
    /// alike (fixed text, shapes, the spec's artwork, a label without content).
    pub fn record_keys(&self) -> Vec<&str> {
        match self {
            Element::Field(f) => f.content.iter().map(|c| c.key.as_str()).collect(),
            Element::Qr(q) => q
                .lines
                .iter()
                .map(|l| l.key.as_str())
                .chain(q.url_key.as_deref())
                .collect(),
            Element::Svg(svg) => svg.key.as_deref().into_iter().collect(),
            Element::Image(image) => image.key.as_deref().into_iter().collect(),
            Element::Vertical(v) => v.key.as_deref().into_iter().collect(),
            Element::Text(_) | Element::Rect(_) | Element::Ellipse(_) | Element::Guilloche(_) => {
                Vec::new()
            }
        }
    }

    /// The box the spec fixes for it, whatever the record: a QR code's square, a shape's
    /// or an artwork's box. `None` for texts, whose extent the layout decides.
    pub fn fixed_box(&self) -> Option<crate::units::Rect> {
        let (at, size) = match self {
            Element::Qr(q) => (
                q.at,
                Size {
                    width: q.size,
                    height: q.size,
                },
            ),
            Element::Rect(s) | Element::Ellipse(s) => (s.at, s.size),
            Element::Svg(s) => (s.at, s.size),
            Element::Image(i) => (i.at, i.size),
            _ => return None,
        };
        crate::units::Rect::from_origin_size(at, size)
    }
}

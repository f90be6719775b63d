//! The spec model: what a RON spec file says, typed.
//!
//! Every struct refuses unknown keys, so a misspelt property is an error that names the
//! line, never a silently ignored setting.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::units::{FontSize, Mm, Point, Pt, Size};

/// A certificate layout: one page, its inks, its fonts, the record it expects and its
/// elements.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Human-readable name of the certificate.
    pub name: String,
    /// The sheet.
    pub page: Size,
    /// Positional tolerance of every element. Default: 1 mm.
    #[serde(default = "default_tolerance")]
    pub tolerance: Mm,
    /// The ink that elements without an `ink` are printed in. Default: `"black"`.
    #[serde(default = "default_ink")]
    pub default_ink: String,
    /// Inks by key.
    pub inks: BTreeMap<String, Ink>,
    /// Font families by the name the spec uses (`"宋体"`).
    pub fonts: BTreeMap<String, FontFamily>,
    /// The record's fields by key.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldSpec>,
    /// Bleed and crop marks for the print shop's PDF. Default: none (the PDF is the sheet).
    #[serde(default)]
    pub marks: Option<PrintMarks>,
    /// Everything on the page, painted in this order.
    pub elements: Vec<Element>,
    /// What the published notice says in words that its coordinates may contradict.
    /// `certpress lint` checks each against the layout and warns where they disagree; the
    /// coordinates always win. Default: none.
    #[serde(default)]
    pub notice: Vec<NoticeRule>,
    /// The electronic licence's metadata (GB/T 36903 电子证照元数据), for the OFD, the
    /// PDF's XMP and the identifier. Default: none (a paper-only certificate).
    #[serde(default)]
    pub electronic: Option<Electronic>,
    /// What the QR code's landing page shows. Default: none.
    #[serde(default)]
    pub landing_page: Option<LandingPage>,
    /// The element whose box is a printed frame (a keyline rectangle) that scans of the
    /// sheet are registered on. Default: none (scans must lie square on the sheet).
    #[serde(default)]
    pub registration: Option<String>,
}

/// Where a metadata value comes from: the spec's own text or a record field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Source {
    /// Fixed text, the same on every licence of the spec.
    Text(String),
    /// The record field with this key, as printed (lists joined with `；`).
    Field(String),
    /// The ASCII digits of the record field with this key, in order (`柳鱼一业一证〔2022〕0001号`
    /// → `20220001`): a serial number from a licence number.
    DigitsOf(String),
}

impl Source {
    /// The record key the value comes from, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Source::Text(_) => None,
            Source::Field(key) | Source::DigitsOf(key) => Some(key),
        }
    }
}

/// The electronic licence's metadata, named as GB/T 36903 names them, each from the spec
/// or the record. The identifier (证照标识) is built from `type_code`, `issuer_code`,
/// `serial` and `version` as GB/T 36904 defines it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Electronic {
    /// 证照类型名称.
    pub type_name: Source,
    /// 证照类型代码: letters and digits, as the licence catalogue registers it.
    pub type_code: Source,
    /// 证照编号.
    pub number: Source,
    /// 证照颁发机构.
    pub issuer: Source,
    /// 证照颁发机构代码: the authority's unified social credit code.
    pub issuer_code: Source,
    /// 证照颁发日期: a record field of kind `Date`.
    pub issue_date: Source,
    /// 有效期起始日期. Default: none.
    #[serde(default)]
    pub valid_from: Option<Source>,
    /// 有效期截止日期. Default: none (valid until revoked, 长期).
    #[serde(default)]
    pub valid_until: Option<Source>,
    /// 持证主体.
    pub holder: Source,
    /// 持证主体代码.
    pub holder_code: Source,
    /// 持证主体代码类型 (`统一社会信用代码`).
    pub holder_code_type: Source,
    /// 流水号 of the identifier: letters and digits, unique per issuer and type.
    pub serial: Source,
    /// 版本号 of the identifier, 1–999, raised each time a licence is re-issued on a change
    /// (变更): `Field("licence_version")` takes it from the record (absent: 1), `Text("2")`
    /// fixes it. Default: none, version 1.
    #[serde(default)]
    pub version: Option<Source>,
    /// The element that is the authority's seal: where a signed licence's visible
    /// signature (PDF) and stamp (OFD) go. Default: none (an invisible signature).
    #[serde(default)]
    pub seal: Option<String>,
    /// The SM2 signer ID of the seal's signature. Default: `1234567812345678`.
    #[serde(default)]
    pub signer_id: Option<String>,
}

/// The QR code's landing page (附件2 of the Liuzhou notice): a title and rows of what the
/// licence holds, with the licence's own picture.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandingPage {
    /// The page's title (the operator's name).
    pub title: Source,
    /// The rows, in order. A row whose value is a list field shows one line per item; a
    /// row whose record field is absent is left out.
    pub rows: Vec<LandingRow>,
    /// Whether the page shows the licence's own picture. Default: true.
    #[serde(default = "yes")]
    pub picture: bool,
    /// The approvals' electronic copies ("插入审批结果电子版图片"), shown after the rows.
    /// Default: none.
    #[serde(default)]
    pub approvals: Option<Approvals>,
}

/// The approvals' pictures on the landing page: a section with a heading, each picture
/// captioned with the list item at its position.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approvals {
    /// The section's heading (`法定许可证（件）清单`).
    pub heading: String,
    /// The record field of kind `ImageList` holding the pictures.
    pub pictures: String,
    /// A record field of kind `List` whose items caption the pictures by position (the
    /// permits). Default: none.
    #[serde(default)]
    pub captions: Option<String>,
}

/// One row of the landing page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandingRow {
    /// Its label (`所属区划`).
    pub label: String,
    /// Its value.
    pub value: Source,
}

/// A sentence of the notice, as something the layout can be measured against.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum NoticeRule {
    /// An edge of an element's laid-out box lies at `at` mm from the page's top-left
    /// corner (x for left and right edges, y for top and bottom).
    Edge {
        /// Element id.
        element: String,
        /// Which edge.
        edge: Edge,
        /// Where the notice puts it, mm.
        at: Mm,
        /// The notice's words.
        says: String,
    },
    /// Two elements start at the same x (左端对齐).
    AlignLeft {
        /// Element id.
        element: String,
        /// The element it is to align with.
        with: String,
        /// The notice's words.
        says: String,
    },
}

/// An edge of a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Edge {
    /// Left edge.
    Left,
    /// Top edge.
    Top,
    /// Right edge.
    Right,
    /// Bottom edge.
    Bottom,
}

/// Bleed and crop marks: the PDF's MediaBox grows around the sheet (the TrimBox).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintMarks {
    /// How far artwork may run past the trim, mm (the BleedBox). Default: 3 mm.
    #[serde(default = "default_bleed")]
    pub bleed: Mm,
    /// Draws crop marks outside the bleed, in registration colour (every plate).
    /// Default: true.
    #[serde(default = "yes")]
    pub crop_marks: bool,
}

fn default_bleed() -> Mm {
    Mm(3.0)
}

fn default_tolerance() -> Mm {
    Mm(1.0)
}

fn default_ink() -> String {
    "black".into()
}

pub use crate::colour::Cmyk;

/// An ink: a process colour mixed from CMYK, or a spot ink with a plate of its own.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Ink {
    /// A process colour, written as DeviceCMYK exactly as given.
    Process {
        /// Cyan, percent.
        #[serde(default)]
        c: f64,
        /// Magenta, percent.
        #[serde(default)]
        m: f64,
        /// Yellow, percent.
        #[serde(default)]
        y: f64,
        /// Black, percent.
        #[serde(default)]
        k: f64,
    },
    /// A spot ink: its own plate (a Separation colour space in the PDF).
    Spot {
        /// The colorant name the print shop sees on the plate (`"HotFoilGold"`).
        name: String,
        /// The CMYK colour that stands for the ink in proofs and as the PDF alternate.
        proof: Cmyk,
        /// Whether the ink overprints (knocks nothing out under it). Default: false.
        #[serde(default)]
        overprint: bool,
        /// Whether the ink is invisible in daylight (fluorescent security ink): left out of
        /// the daylight proof. Default: false.
        #[serde(default)]
        invisible: bool,
    },
}

/// A font family: the face the layout asks for and the faces that stand in for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FontFamily {
    /// The face the specification asks for (`"方正大标宋简体"`), for reports.
    pub requested: String,
    /// Faces in fallback order: each character is set in the first face that has it.
    pub faces: Vec<FaceSpec>,
}

/// One font file in a family's chain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceSpec {
    /// File name, looked up in the spec's folder and then in the font folders.
    pub file: String,
    /// Face index within a collection (`.ttc`). Default: 0.
    #[serde(default)]
    pub index: u32,
    /// A face the issuer may or may not have: skipped when the file is absent.
    /// Default: false (an absent file is an error).
    #[serde(default)]
    pub optional: bool,
    /// Whether this face stands in for the requested one; reports flag text set in it.
    /// Default: false.
    #[serde(default)]
    pub stand_in: bool,
}

/// The type of a record field, which decides how it is validated and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum FieldKind {
    /// A line of text.
    Text,
    /// A list of texts (permits).
    List,
    /// An ISO 8601 calendar date (`2022-09-26`).
    Date,
    /// An 18-character unified social credit code, checked against GB 32100-2015.
    CreditCode,
    /// An `http`/`https` URL.
    Url,
    /// A path to an image file.
    ImagePath,
    /// A list of pictures (PNG or JPEG), each a file beside the record or a `data:` URL:
    /// the approvals' electronic copies on the landing page.
    ImageList,
}

/// One field of the record a spec expects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// What the field holds.
    pub kind: FieldKind,
    /// Its name on the certificate (`"经营者名称"`), for messages and QR payloads.
    pub name: String,
    /// Whether a record must carry it. Default: true.
    #[serde(default = "yes")]
    pub required: bool,
    /// The longest value accepted, in characters (for a list, all items together).
    /// Default: 500.
    #[serde(default = "default_max_chars")]
    pub max_chars: usize,
}

fn yes() -> bool {
    true
}

fn default_max_chars() -> usize {
    500
}

/// Which production pass puts an element on paper.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
pub enum Pass {
    /// Printed by the print shop on the blank stock (印制).
    Press,
    /// Printed by the issuing office onto the pre-printed blank (打印, 套打).
    Print,
}

/// Which passes an output holds: one of them, or the composite (`press`, `print`, `all` on
/// the command line and in the service's query).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "serve", derive(serde::Deserialize, utoipa::ToSchema))]
#[cfg_attr(feature = "serve", serde(rename_all = "lowercase"))]
pub enum Passes {
    /// What the print shop prints on blank stock (印制).
    Press,
    /// What the issuing office prints onto a pre-printed blank (套打).
    Print,
    /// Everything: the composite (an electronic copy).
    #[default]
    All,
}

impl Passes {
    /// The one pass selected, or `None` for the composite.
    pub fn filter(self) -> Option<Pass> {
        match self {
            Passes::Press => Some(Pass::Press),
            Passes::Print => Some(Pass::Print),
            Passes::All => None,
        }
    }
}

/// Index of an ink among a spec's inks in key order, which is also the order of the
/// display list's ink table (`display::Page::inks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InkId(pub usize);

impl Pass {
    /// Whether an output of `filter` carries what this pass prints: `None` is every pass
    /// (the composite, an electronic copy), `Some(p)` the one pass `p`. The one place
    /// outputs and reports choose by pass.
    pub fn selected_by(self, filter: Option<Pass>) -> bool {
        filter.is_none_or(|p| p == self)
    }
}

/// How a text's characters are spread along its line.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub enum Align {
    /// Natural advances from the start position (tracking applied).
    #[default]
    Start,
    /// Distributed (两端对齐): first character at the start, the last one's advance edge at
    /// the end, equal gaps between.
    Distribute(Span),
}

/// The line length a distributed text fills.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Span {
    /// Ends at this x position.
    To(Mm),
    /// As wide as the label of the field element with this id.
    LabelOf(String),
}

/// How text is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextStyle {
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
pub enum Punctuation {
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
pub struct TextElement {
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
pub struct Label {
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
pub enum Fit {
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
pub struct FitStage {
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
pub enum DateStyle {
    /// `2022年9月26日`.
    #[default]
    Arabic,
    /// `二〇二二年九月二十六日`.
    ChineseNumerals,
}

/// The variable content of a field (事项内容).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
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
pub struct FieldElement {
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
pub struct Stroke {
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
pub enum StrokeAlign {
    /// Entirely inside the shape: the outline is the stroke's outer edge.
    #[default]
    Inside,
    /// Centred on the outline.
    Centre,
}

/// A rectangle or an ellipse.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeElement {
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
pub enum EcLevel {
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
pub struct QrLine {
    /// Record key whose value follows the name.
    pub key: String,
    /// The name before the separator. Default: the field's `name`.
    #[serde(default)]
    pub name: Option<String>,
}

/// A QR code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrElement {
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
pub enum Element {
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
pub struct VerticalText {
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
pub struct SvgElement {
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
pub struct ImageElement {
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
pub enum ImageFit {
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
pub struct GuillocheElement {
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
pub enum PatternArea {
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
pub enum Pattern {
    /// Rows of interlaced sine waves.
    Waves(Waves),
    /// Concentric rings of petalled closed curves.
    Rosette(Rosette),
}

/// Interlaced sine waves: `curves` waves per row, each a `1/curves` period behind the last,
/// crossing to form a chain; rows `spacing` apart.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waves {
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
pub struct Rosette {
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
pub struct Clearance {
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

    /// The pass that prints it.
    pub fn pass(&self) -> Pass {
        match self {
            Element::Text(e) => e.pass,
            Element::Field(e) => e.pass,
            Element::Rect(e) | Element::Ellipse(e) => e.pass,
            Element::Qr(e) => e.pass,
            Element::Svg(e) => e.pass,
            Element::Image(e) => e.pass,
            Element::Vertical(e) => e.pass,
            Element::Guilloche(e) => e.pass,
        }
    }
}

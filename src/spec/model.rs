//! The spec model: what a RON spec file says, typed.
//!
//! Every struct refuses unknown keys, so a misspelt property is an error that names the
//! line, never a silently ignored setting.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::elements::Element;
use crate::units::{Mm, Size};

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
    pub(crate) default_ink: String,
    /// Inks by key.
    pub(crate) inks: BTreeMap<String, Ink>,
    /// Font families by the name the spec uses (`"宋体"`).
    pub(crate) fonts: BTreeMap<String, FontFamily>,
    /// The record's fields by key.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldSpec>,
    /// Bleed and crop marks for the print shop's PDF. Default: none (the PDF is the sheet).
    #[serde(default)]
    pub(crate) marks: Option<PrintMarks>,
    /// Everything on the page, painted in this order.
    pub(crate) elements: Vec<Element>,
    /// What the published notice says in words that its coordinates may contradict.
    /// `certpress lint` checks each against the layout and warns where they disagree; the
    /// coordinates always win. Default: none.
    #[serde(default)]
    pub(crate) notice: Vec<NoticeRule>,
    /// The electronic licence's metadata (GB/T 36903 电子证照元数据), for the OFD, the
    /// PDF's XMP and the identifier. Default: none (a paper-only certificate).
    #[serde(default)]
    pub(crate) electronic: Option<Electronic>,
    /// What the QR code's landing page shows. Default: none.
    #[serde(default)]
    pub(crate) landing_page: Option<LandingPage>,
    /// The element whose box is a printed frame (a keyline rectangle) that scans of the
    /// sheet are registered on. Default: none (scans must lie square on the sheet).
    #[serde(default)]
    pub(crate) registration: Option<String>,
}

impl Spec {
    /// Whether the spec declares the electronic licence's metadata: it then issues an OFD,
    /// PDF/X and PDF/A metadata, and a licence identifier.
    pub fn is_electronic(&self) -> bool {
        self.electronic.is_some()
    }

    /// Whether the spec declares the QR code's landing page.
    pub fn has_landing_page(&self) -> bool {
        self.landing_page.is_some()
    }
}

/// Where a metadata value comes from: the spec's own text or a record field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) enum Source {
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
pub(crate) struct Electronic {
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
pub(crate) struct LandingPage {
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
pub(crate) struct Approvals {
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
pub(crate) struct LandingRow {
    /// Its label (`所属区划`).
    pub label: String,
    /// Its value.
    pub value: Source,
}

/// A sentence of the notice, as something the layout can be measured against.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum NoticeRule {
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
pub(crate) enum Edge {
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
pub(crate) struct PrintMarks {
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
pub(crate) enum Ink {
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
pub(crate) struct FontFamily {
    /// The face the specification asks for (`"方正大标宋简体"`), for reports.
    pub requested: String,
    /// Faces in fallback order: each character is set in the first face that has it.
    pub faces: Vec<FaceSpec>,
}

/// One font file in a family's chain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaceSpec {
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

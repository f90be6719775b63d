//! The library's front door: a spec prepared once, then one licence per record.
//!
//! A [`Template`] loads a spec and its fonts and does every piece of work that does not
//! depend on the record, once: the guilloche geometry, the QR mask tables, the label
//! subsets (through its `FontBook`), the press artwork's PDF stream and the guilloche
//! forms, the press underlay of rasters, idle compressors. [`Template::issue`] binds and
//! lays out one record; the [`Licence`] it returns writes the PDF, the raster or PNG, the
//! plates and the placement report.
//!
//! Everything a template remembers belongs to it: bounded, shared by the threads that
//! use it (it is `Send + Sync`), dropped with it. Two templates share nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::deflate::Compressors;
use crate::display::Page;
use crate::electronic::{self, Metadata};
use crate::error::{Error, Result};
use crate::fonts::{FontBook, FontOptions};
use crate::landing;
use crate::layout::{self, Layout, Placement};
use crate::memo::Memo;
use crate::ofd::{self, OfdCache, OfdOptions};
use crate::pdf::{
    self, Attachment, PdfCache, PdfOptions, PdfStandard, Relationship, SignatureSlot,
};
use crate::qa;
use crate::raster::{self, Colorant, Raster, RasterOptions, Underlay, View};
use crate::record::{self, BoundRecord, Record, Value};
use crate::sign::{pades, seal, KeyKind, Sealing, Signer};
use crate::spec::{Element, LoadOptions, LoadedSpec, Spec};
use crate::timestamp::SigningTime;

mod licence;

pub use licence::{Plate, StandIn};

/// How a template finds its fonts and artwork.
#[derive(Debug, Clone, Default)]
pub struct TemplateOptions {
    /// Font folders and the issuer's licensed faces. Default: the spec's folder, the
    /// `fonts/` folders above it, `$CERTPRESS_FONT_DIR` and the crate's `fonts/`.
    pub fonts: FontOptions,
    /// Folders outside the spec's that its artwork may come from. Default: none.
    pub asset_dirs: Vec<PathBuf>,
}

/// A spec prepared for issuing: load it once, then [`issue`](Template::issue) a licence
/// per record, from any number of threads.
///
/// ```
/// use certpress::{PdfOptions, RasterOptions, Record, Template};
///
/// let template = Template::load("specs/liuzhou/licence.ron")?;
/// let record = Record::load("specs/liuzhou/sample.json")?;
/// let licence = template.issue(&record)?;
/// let pdf = licence.pdf(&PdfOptions::default())?;
/// assert!(pdf.starts_with(b"%PDF-"));
/// let png = licence.png(&RasterOptions { dpi: 50.0, ..Default::default() })?;
/// assert!(png.starts_with(b"\x89PNG"));
/// // Where the credit code's label landed, in mm from the sheet's top-left corner.
/// let label = licence.report().iter().find(|p| p.element == "credit_code").unwrap();
/// assert!((label.laid_out.left().get() - 218.0).abs() < 1.0);
/// # Ok::<(), certpress::Error>(())
/// ```
#[derive(Debug)]
pub struct Template {
    spec: LoadedSpec,
    fonts: FontBook,
    prepared: layout::Prepared,
    pdf: PdfCache,
    ofd: OfdCache,
    compressors: Compressors,
    underlays: Underlays,
    stamps: raster::stamp::Stamps,
    /// [`Template::fingerprint`], worked out when first asked for.
    fingerprint: std::sync::OnceLock<[u8; 32]>,
}

impl Template {
    /// Loads and prepares the spec at `path`, with default options.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::load_with(path, &TemplateOptions::default())
    }

    /// Loads and prepares the spec at `path`.
    pub fn load_with(path: impl AsRef<Path>, options: &TemplateOptions) -> Result<Self> {
        let load = LoadOptions {
            asset_dirs: options.asset_dirs.clone(),
        };
        let spec = LoadedSpec::load_with(path, &load)?;
        Self::prepare(spec, &options.fonts)
    }

    /// Prepares a spec already loaded (from text, say): loads its fonts and does the
    /// record-independent work.
    pub fn prepare(spec: LoadedSpec, fonts: &FontOptions) -> Result<Self> {
        let fonts = FontBook::load(&spec, fonts)?;
        let prepared = layout::Prepared::new(&spec)?;
        Ok(Self {
            spec,
            fonts,
            prepared,
            pdf: PdfCache::default(),
            ofd: OfdCache::default(),
            compressors: Compressors::default(),
            underlays: Underlays::default(),
            stamps: Default::default(),
            fingerprint: std::sync::OnceLock::new(),
        })
    }

    /// SHA-256 of everything the template is made of: certpress's version, the spec and
    /// its artwork ([`LoadedSpec::fingerprint`]), every font file loaded. Worked out once
    /// when first asked for (the fonts are tens of MB), for a batch to tell a changed
    /// template from the one an earlier run used ([`crate::reissue`]).
    pub fn fingerprint(&self) -> [u8; 32] {
        *self.fingerprint.get_or_init(|| {
            use sha2::Digest as _;
            let mut hasher = sha2::Sha256::new();
            hasher.update(concat!("certpress ", env!("CARGO_PKG_VERSION")).as_bytes());
            hasher.update(self.spec.fingerprint);
            for face in self.fonts.faces() {
                hasher.update(face.index.to_le_bytes());
                hasher.update(face.size.to_le_bytes());
                // A fallback face is read here if no licence has needed it yet; one that
                // cannot be read is hashed by its error (the records needing it fail).
                match face.data() {
                    Ok(data) => hasher.update(&data[..]),
                    Err(err) => hasher.update(err.to_string().as_bytes()),
                }
            }
            hasher.finalize().into()
        })
    }

    /// The record field a licence's version (版本号) comes from, when the spec takes it
    /// from the record.
    pub fn version_key(&self) -> Option<&str> {
        self.spec
            .spec
            .electronic
            .as_ref()
            .and_then(|e| e.version.as_ref())
            .and_then(|v| v.key())
    }

    /// The spec, as loaded and checked.
    pub fn spec(&self) -> &LoadedSpec {
        &self.spec
    }

    /// The spec's model: page, inks, fields, elements.
    pub fn model(&self) -> &Spec {
        &self.spec.spec
    }

    /// The SM2 signer ID the spec's seal is signed with (`electronic.signer_id`, by default
    /// `1234567812345678`): what [`Signer::load`] is given for this spec.
    pub fn signer_id(&self) -> &str {
        self.spec
            .spec
            .electronic
            .as_ref()
            .and_then(|e| e.signer_id.as_deref())
            .unwrap_or(crate::sign::keys::DEFAULT_SM2_ID)
    }

    /// The faces of the spec's families, for driving a stage alone.
    #[cfg(feature = "stages")]
    pub fn fonts(&self) -> &FontBook {
        &self.fonts
    }

    /// The office printer's calibration sheet (the spec's registration marks, K only) as
    /// PDF: printed onto a pre-printed blank and scanned, it is measured by
    /// [`qa::calibrate::measure`] into a [`crate::Calibration`].
    pub fn calibration_sheet_pdf(&self) -> Result<Vec<u8>> {
        let page = qa::calibrate::sheet_page(&self.spec.spec)?;
        let options = PdfOptions {
            title: Some(format!(
                "{}: printer calibration sheet",
                self.spec.spec.name
            )),
            ..Default::default()
        };
        pdf::pdf(&page, &self.fonts, &options)
    }

    /// The calibration sheet as a PNG with its resolution recorded.
    pub fn calibration_sheet_png(&self, options: &RasterOptions) -> Result<Vec<u8>> {
        let page = qa::calibrate::sheet_page(&self.spec.spec)?;
        raster::render(&page, &self.fonts, options)?.encode_png()
    }

    /// The smallest face the spec loads, with its media type (`font/otf` or `font/ttf`):
    /// enough for a page about the spec (the studio's) to show its Chinese on a machine
    /// without a CJK font.
    pub fn smallest_face(&self) -> Option<(Arc<Vec<u8>>, &'static str)> {
        let face = self.fonts.faces().iter().min_by_key(|f| f.size)?;
        let media = if face.metrics().ok()?.is_cff {
            "font/otf"
        } else {
            "font/ttf"
        };
        Some((Arc::clone(face.data().ok()?), media))
    }

    /// Binds `record` to the spec and lays it out. A record the spec refuses (a missing
    /// or malformed field, a text that does not fit, a character no face has) is an
    /// error naming the record and field.
    pub fn issue(&self, record: &Record) -> Result<Licence<'_>> {
        let bound = record::bind_record(&self.spec.spec, record)?;
        let layout = layout::layout(&self.spec, &self.fonts, &self.prepared, &bound)?;
        Ok(Licence {
            template: self,
            layout,
            record: bound,
        })
    }
}

/// One laid-out licence of a [`Template`], ready for any back end. Nothing is rendered
/// until asked for.
#[derive(Debug)]
pub struct Licence<'t> {
    template: &'t Template,
    layout: Layout,
    record: BoundRecord,
}

/// The name of the record attached to a PDF/A-3b.
pub(crate) const RECORD_ATTACHMENT: &str = "record.json";

/// The resolution of the licence's picture on its landing page: 1190 pixels across an A3
/// sheet, sharp on a phone held upright or turned, a few hundred kilobytes.
pub(crate) const LANDING_PICTURE_DPI: f64 = 72.0;

/// Where the landing page's approval pictures go.
#[derive(Debug, Clone, Default)]
pub struct LandingOptions {
    /// A folder, relative to the page, that the pictures are written into and the page
    /// refers to (`approvals`). Default: none, the pictures inline.
    pub assets: Option<String>,
}

/// A landing page and the pictures to write beside it.
#[derive(Debug, Clone)]
pub struct LandingFiles {
    /// The page.
    pub html: String,
    /// `(file name, bytes)` of each picture for the assets folder; empty when inline.
    pub assets: Vec<(String, Vec<u8>)>,
}

/// The largest landing page with its pictures inline: what a phone on a slow line should
/// be asked to load.
pub(crate) const MAX_PAGE_BYTES: usize = 24 << 20;

/// Press underlays by the raster options they were made for. The first raster with some
/// options is rendered straight (a one-off render pays nothing extra); the second makes
/// the underlay that it and every later one starts from.
#[derive(Debug)]
struct Underlays {
    asked: Mutex<BTreeSet<String>>,
    made: Memo<String, Underlay>,
}

/// Raster options in use at once (views, passes, resolutions).
const UNDERLAYS: usize = 8;

impl Default for Underlays {
    fn default() -> Self {
        Self {
            asked: Mutex::default(),
            made: Memo::new(UNDERLAYS),
        }
    }
}

impl Underlays {
    fn get(
        &self,
        page: &Page,
        fonts: &FontBook,
        options: &RasterOptions,
    ) -> Result<Option<Arc<Underlay>>> {
        // Debug formatting of the options is exact (floats round-trip) and total.
        let key = format!("{options:?}");
        {
            let mut asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
            if asked.len() >= UNDERLAYS * 8 {
                asked.clear();
            }
            if asked.insert(key.clone()) {
                return Ok(None);
            }
        }
        let underlay = self
            .made
            .get_or_try_make(&key, || Underlay::new(page, fonts, options).map(Arc::new))?;
        // Made from another licence of the same spec: it fits unless the leading press
        // items differ, and render_over checks that.
        Ok(Some(underlay))
    }
}

/// The picture type GB/T 38540 records for seal artwork.
fn seal_picture_type(bytes: &[u8]) -> String {
    match crate::bitmap::sniff(bytes) {
        Ok(crate::bitmap::Format::Png) => "PNG",
        Ok(crate::bitmap::Format::Jpeg) => "JPG",
        Err(_) => "SVG",
    }
    .to_owned()
}

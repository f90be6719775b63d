//! certpress lays out and renders official certificates for print.
//!
//! A certificate's layout is a declarative RON spec (positions in millimetres, sizes in
//! points or Chinese size names, inks, fonts with fallback chains, the record fields it
//! prints). certpress fills it with a record and renders print-ready PDF and rasters.
//!
//! # Pipeline
//! 1. [`spec`]: RON → a checked, typed [`spec::Spec`] ([`spec::LoadedSpec::load`]).
//! 2. [`fonts`]: the spec's font families loaded once ([`fonts::FontBook`]).
//! 3. [`record`]: a JSON/RON record checked against the spec's fields ([`record::bind`]).
//! 4. [`layout`]: the solver places every element ([`layout::layout`]) and reports where.
//! 5. [`display`]: the positioned result ([`display::Page`]), the only input of the back
//!    ends.
//! 6. Back ends: [`pdf::pdf`] and [`raster::render`].
//!
//! # Example
//! ```
//! use certpress::{fonts::{FontBook, FontOptions}, layout, pdf, record, spec::LoadedSpec};
//!
//! let spec = LoadedSpec::load("specs/liuzhou/licence.ron")?;
//! let fonts = FontBook::load(&spec, &FontOptions::default())?;
//! let record = record::Record::load("specs/liuzhou/sample.json")?;
//! let bound = record::bind(&spec.spec, &record)?;
//! let laid_out = layout::layout(&spec, &fonts, &bound)?;
//! let bytes = pdf::pdf(&laid_out.page, &fonts, &pdf::PdfOptions::default())?;
//! assert!(bytes.starts_with(b"%PDF-"));
//!
//! // The same layout as a 300 dpi proof, encoded as PNG with its resolution recorded.
//! let picture = certpress::raster::render(&laid_out.page, &fonts, &Default::default())?;
//! let png = picture.encode_png()?;
//! assert!(png.starts_with(b"\x89PNG"));
//! # Ok::<(), certpress::Error>(())
//! ```
//!
//! A [`spec::LoadedSpec`] and a [`fonts::FontBook`] are read-only once loaded and can be
//! shared by any number of threads (`&` references, or an `Arc`); font files are read once
//! and their bytes shared, never re-parsed per record. [`batch::run`] does this for a file
//! of records.

pub mod assets;
pub mod batch;
pub(crate) mod deflate;
pub mod display;
pub mod error;
pub mod fonts;
pub mod layout;
pub mod memo;
pub mod output;
pub mod pdf;
pub mod production;
pub mod qa;
pub mod raster;
pub mod record;
pub mod spec;
pub mod units;

pub use error::{Error, Result};

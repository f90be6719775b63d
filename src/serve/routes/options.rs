//! A render request's query as the library's options, checked before any work.

use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use certpress::sign::time::SigningTime;
use certpress::sign::Signing;
use certpress::{Calibration, Licence, OfdOptions, PdfOptions, RasterOptions};

use crate::serve::problem::Problem;

/// An output format of `render`.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum Format {
    /// The print PDF (CMYK, spot inks, layers).
    #[default]
    Pdf,
    /// A raster proof.
    Png,
    /// The electronic licence (GB/T 33190 OFD).
    Ofd,
    /// The QR code's landing page.
    Html,
}

impl Format {
    pub(super) fn label(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Png => "png",
            Format::Ofd => "ofd",
            Format::Html => "html",
        }
    }

    pub(super) fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Png => "image/png",
            Format::Ofd => "application/ofd",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// How to render: the CLI's `render` options, as query parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct RenderQuery {
    /// `pdf` (default), `png`, `ofd` or `html`.
    #[serde(default)]
    #[param(inline)]
    format: Format,
    /// `all` (default), `press` or `print` (套打 onto a pre-printed blank). Not for `ofd`
    /// or `html`, which are the whole licence.
    #[serde(default)]
    #[param(inline)]
    pass: certpress::Passes,
    /// PNG resolution (default 300, at most the service's `--max-dpi`).
    dpi: Option<f64>,
    /// What a PNG shows: `proof` (default) or `uv`.
    #[param(inline)]
    view: Option<certpress::Light>,
    /// The PDF's standard: `plain` (default), `x-4` or `a-3b`.
    #[param(inline)]
    standard: Option<certpress::PdfStandard>,
    /// The PDF's creation date (YYYY-MM-DD); default the licence's issue date.
    date: Option<String>,
    /// An OFD's colours: `proof` (default: the daylight proof in RGB, which every reader
    /// shows right) or `cmyk` (the spec's CMYK in a CMYK colour space).
    #[param(inline)]
    ofd_colour: Option<certpress::OfdColour>,
    /// The print pass's shift right in mm (the office printer's calibration).
    offset_x: Option<f64>,
    /// The print pass's shift down in mm.
    offset_y: Option<f64>,
    /// The print pass's scale about the sheet's top-left corner.
    scale: Option<f64>,
    /// Signs the licence with the service's keys: a PDF with PAdES (ECDSA P-256 or RSA),
    /// an OFD with the authority's SM2 seal (GB/T 38540). Only `pdf` and `ofd`.
    sign: Option<bool>,
    /// The signing time, `YYYY-MM-DDTHH:MM:SS` with `Z` or an offset (`+08:00`); default
    /// now. Fixed, the same record signs to the same bytes (re-issue).
    sign_time: Option<String>,
    /// Re-issue on change: the record digest of the licence issued before (the
    /// `Certpress-Record-Digest` header of its response). With `issued_version`, a record
    /// that differs from it must carry a higher version, or the answer is 409.
    issued_record: Option<String>,
    /// The version of the licence issued before (its `Certpress-Licence-Version` header).
    issued_version: Option<u16>,
}

/// What one render request makes: the library's options, checked before any work.
pub(super) struct Order {
    pub(super) format: Format,
    pdf: PdfOptions,
    raster: RasterOptions,
    ofd: OfdOptions,
    /// The record digest and version of the licence issued before, when the caller asks
    /// for the re-issue rule.
    pub(super) issued: Option<(String, u16)>,
    /// Signed at this time, with the spec's keys.
    signed_at: Option<SigningTime>,
}

impl RenderQuery {
    pub(super) fn order(self, max_dpi: f64, signing: Option<&Signing>) -> Result<Order, Problem> {
        let bad = |message: String| Problem::new(StatusCode::BAD_REQUEST, "options", message);
        let signed_at = match (self.sign.unwrap_or(false), &self.sign_time) {
            (false, None) => None,
            (false, Some(_)) => {
                return Err(bad(
                    "sign_time without sign=true: nothing is signed".to_owned()
                ))
            }
            (true, time) => {
                let (key, what) = match self.format {
                    Format::Pdf => (
                        signing.and_then(|s| s.pades.as_ref()),
                        "an ECDSA P-256 or RSA key (PAdES)",
                    ),
                    Format::Ofd => (
                        signing.and_then(|s| s.seal.as_ref()),
                        "an SM2 key (the OFD's seal)",
                    ),
                    Format::Png | Format::Html => {
                        return Err(bad("sign=true signs a pdf or an ofd".to_owned()))
                    }
                };
                if key.is_none() {
                    return Err(bad(format!(
                        "this service has no key to sign a {}: start it with --sign-key and --sign-cert for {what}",
                        self.format.label()
                    )));
                }
                Some(match time {
                    Some(text) => certpress::sign::time::parse(text)
                        .map_err(|err| Problem::from_error(&err))?,
                    None => certpress::sign::time::now(),
                })
            }
        };
        let pass = self.pass.filter();
        let whole = matches!(self.format, Format::Ofd | Format::Html);
        if whole && pass.is_some() {
            return Err(bad(format!(
                "format={} is the whole licence: leave out pass",
                self.format.label()
            )));
        }
        let not_png = !matches!(self.format, Format::Png);
        if not_png && (self.dpi.is_some() || self.view.is_some()) {
            return Err(bad("dpi and view apply to format=png".to_owned()));
        }
        if !matches!(self.format, Format::Pdf) && (self.standard.is_some() || self.date.is_some()) {
            return Err(bad("standard and date apply to format=pdf".to_owned()));
        }
        if !matches!(self.format, Format::Ofd) && self.ofd_colour.is_some() {
            return Err(bad("ofd_colour applies to format=ofd".to_owned()));
        }
        let issued = match (self.issued_record, self.issued_version) {
            (None, None) => None,
            (Some(record), Some(version))
                if record.len() == 64 && record.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                Some((record.to_ascii_lowercase(), version))
            }
            (Some(_), Some(_)) => {
                return Err(bad(
                    "issued_record is the 64 hex digits of a Certpress-Record-Digest header"
                        .to_owned(),
                ))
            }
            _ => {
                return Err(bad(
                    "issued_record and issued_version go together: both, from the earlier response's headers"
                        .to_owned(),
                ))
            }
        };
        let dpi = self.dpi.unwrap_or(RasterOptions::default().dpi);
        if !(dpi.is_finite() && dpi >= 10.0 && dpi <= max_dpi) {
            return Err(bad(format!(
                "dpi={dpi}: give 10 to {max_dpi} (the service's --max-dpi)"
            )));
        }
        let calibration = Calibration::from_parts(self.offset_x, self.offset_y, self.scale);
        if whole && calibration != Calibration::default() {
            return Err(bad(
                "the calibration (offset_x, offset_y, scale) moves the print pass: give pass=print"
                    .to_owned(),
            ));
        }
        certpress::production::check_registration(calibration, pass)
            .map_err(|err| Problem::from_error(&err))?;
        let pdf = PdfOptions {
            pass,
            calibration,
            standard: self.standard.unwrap_or_default(),
            date: self.date,
            ..Default::default()
        };
        let raster = RasterOptions {
            dpi,
            pass,
            view: self.view.unwrap_or_default().into(),
            calibration,
        };
        Ok(Order {
            format: self.format,
            pdf,
            raster,
            ofd: OfdOptions {
                colour: self.ofd_colour.unwrap_or_default(),
                ..Default::default()
            },
            issued,
            signed_at,
        })
    }
}

impl Order {
    /// The bytes `certpress render` writes for the same record and options (and keys).
    pub(super) fn make(
        &self,
        licence: &Licence,
        signing: Option<&Signing>,
    ) -> certpress::Result<Vec<u8>> {
        let pades = signing.and_then(|s| s.pades.as_ref());
        let seal = signing.and_then(|s| s.seal.as_ref());
        match (self.format, self.signed_at, pades, seal) {
            (Format::Pdf, Some(time), Some(signer), _) => licence.signed_pdf_with(
                &self.pdf,
                signer,
                time,
                signing.and_then(|s| s.tsa.as_ref()),
            ),
            (Format::Ofd, Some(time), _, Some(signer)) => licence.sealed_ofd_with(
                &self.ofd,
                signer,
                time,
                &signing.map(|s| s.sealing()).unwrap_or_default(),
            ),
            (_, Some(_), _, _) => Err(certpress::Error::Options {
                message: "no key signs this format".to_owned(),
            }),
            (Format::Pdf, None, _, _) => licence.pdf(&self.pdf),
            (Format::Png, None, _, _) => licence.png(&self.raster),
            (Format::Ofd, None, _, _) => licence.ofd(&self.ofd),
            (Format::Html, None, _, _) => licence.landing_page().map(String::into_bytes),
        }
    }
}

//! The endpoints, and the OpenAPI description generated from them: each handler parses
//! its request, calls the library's front door on the render pool, and answers the bytes
//! or the JSON the CLI would give for the same input.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use certpress::error::ErrorReport;
use certpress::record::{self, FieldInfo, Record};
use certpress::sign::time::SigningTime;
use certpress::sign::Signing;
use certpress::{Calibration, Licence, OfdOptions, PdfOptions, RasterOptions};

use super::admission::Refusal;
use super::catalog::Served;
use super::metrics::Gauges;
use super::problem::{ErrorBody, Problem, RefusalCode};
use super::Service;

/// How a record names itself in messages: the request carries no file name.
const RECORD_NAME: &str = "request body";

/// Every route, with the metrics layer around them.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/specs", get(list_specs))
        .route("/v1/specs/{name}/fields", get(fields))
        .route("/v1/specs/{name}/sample", get(sample))
        .route("/v1/specs/{name}/render", post(render))
        .route("/v1/specs/{name}/check", post(check))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&service),
            observe,
        ))
        .with_state(service)
}

/// The OpenAPI 3.1 description, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "certpress",
        description = "Renders licences from a city's spec and a record: PDF, PNG, OFD, the QR landing page, and the conformance check. Errors are `{\"error\": {\"code\", \"field\", \"message\"}}`."
    ),
    paths(healthz, readyz, metrics, list_specs, fields, sample, render, check),
    components(schemas(
        ErrorBody,
        ErrorReport,
        FieldInfo,
        SpecList,
        SpecSummary,
        SpecFailure,
        CheckReport
    ))
)]
pub struct ApiDoc;

/// JSON answers, pretty-printed with a final newline (people read them with curl too).
fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string_pretty(value) {
        Ok(mut text) => {
            text.push('\n');
            (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
        }
        Err(err) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("could not write the answer as JSON: {err}"),
        )
        .into_response(),
    }
}

/// Counts every answer by route, status and error code, and logs the server's errors.
async fn observe(State(service): State<Arc<Service>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let code = response
        .extensions()
        .get::<RefusalCode>()
        .map(|c| c.0.as_str());
    service.metrics.answered(&route, status.as_u16(), code);
    if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        eprintln!(
            "certpress serve: {method} {route} answered {status} ({})",
            code.unwrap_or("-")
        );
    }
    response
}

#[derive(Serialize, ToSchema)]
struct Status {
    /// `ok`, `ready`, `draining` or `no-specs`.
    status: &'static str,
    /// Specs served.
    specs: usize,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Status)))]
async fn healthz(State(service): State<Arc<Service>>) -> Response {
    json(
        StatusCode::OK,
        &Status {
            status: "ok",
            specs: service.catalog.served.len(),
        },
    )
}

/// Readiness: specs are loaded and the service is not draining.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready for requests", body = Status),
        (status = 503, description = "Draining after SIGTERM, or no spec loaded", body = Status)))]
async fn readyz(State(service): State<Arc<Service>>) -> Response {
    let specs = service.catalog.served.len();
    let (status, word) = if service.draining.load(Ordering::SeqCst) {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else if specs == 0 {
        (StatusCode::SERVICE_UNAVAILABLE, "no-specs")
    } else {
        (StatusCode::OK, "ready")
    };
    json(
        status,
        &Status {
            status: word,
            specs,
        },
    )
}

/// Prometheus metrics (text exposition format 0.0.4).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text", content_type = "text/plain; version=0.0.4", body = String)))]
async fn metrics(State(service): State<Arc<Service>>) -> Response {
    let gauges = Gauges {
        running: service.admission.running(),
        waiting: service.admission.waiting(),
        workers: service.admission.workers(),
        specs: service.catalog.served.len(),
        failed_specs: service.catalog.failed.len(),
        draining: service.draining.load(Ordering::SeqCst),
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        service.metrics.text(&gauges),
    )
        .into_response()
}

/// This description.
async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(err) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("could not write the OpenAPI description: {err}"),
        )
        .into_response(),
    }
}

/// The specs served and those that failed to load.
#[derive(Serialize, ToSchema)]
struct SpecList {
    /// Specs served, by name.
    specs: Vec<SpecSummary>,
    /// Specs that failed to load at start: fix the file and restart.
    failed: Vec<SpecFailure>,
}

/// One spec served.
#[derive(Serialize, ToSchema)]
struct SpecSummary {
    /// The name in the URL (`/v1/specs/{name}/render`).
    name: String,
    /// The spec's own title.
    title: String,
    /// The spec file, relative to the specs folder.
    file: String,
    /// The sheet's width in mm.
    width_mm: f64,
    /// The sheet's height in mm.
    height_mm: f64,
    /// The formats `render` makes for it: `pdf` and `png` always; `ofd` and `html` when
    /// the spec declares its electronic metadata and landing page.
    formats: Vec<&'static str>,
}

/// One spec that failed to load.
#[derive(Serialize, ToSchema)]
struct SpecFailure {
    /// The name it would have had.
    name: String,
    /// The spec file, relative to the specs folder.
    file: String,
    /// Why it failed.
    error: ErrorReport,
}

/// The specs served (and those that failed to load at start).
#[utoipa::path(get, path = "/v1/specs", tag = "specs",
    responses((status = 200, description = "Every spec", body = SpecList)))]
async fn list_specs(State(service): State<Arc<Service>>) -> Response {
    let specs = service
        .catalog
        .served
        .iter()
        .map(|(name, served)| {
            let spec = served.template.model();
            let mut formats = vec!["pdf", "png"];
            if spec.electronic.is_some() {
                formats.push("ofd");
            }
            if spec.landing_page.is_some() {
                formats.push("html");
            }
            SpecSummary {
                name: name.clone(),
                title: spec.name.clone(),
                file: served.file.display().to_string(),
                width_mm: spec.page.width.get(),
                height_mm: spec.page.height.get(),
                formats,
            }
        })
        .collect();
    let failed = service
        .catalog
        .failed
        .iter()
        .map(|(name, failed)| SpecFailure {
            name: name.clone(),
            file: failed.file.display().to_string(),
            error: failed.error.clone(),
        })
        .collect();
    json(StatusCode::OK, &SpecList { specs, failed })
}

/// The spec `name`, or 404 saying which specs there are.
fn served<'s>(service: &'s Service, name: &str) -> Result<&'s Arc<Served>, Problem> {
    if let Some(served) = service.catalog.served.get(name) {
        return Ok(served);
    }
    let message = match service.catalog.failed.get(name) {
        Some(failed) => format!(
            "the spec `{name}` ({}) failed to load at start: {}; fix it and restart the service",
            failed.file.display(),
            failed.error.message
        ),
        None => format!(
            "no spec `{name}`; served: {} (GET /v1/specs)",
            service
                .catalog
                .served
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(Problem::new(StatusCode::NOT_FOUND, "unknown-spec", message))
}

/// The record keys a spec expects: what a form needs.
#[utoipa::path(get, path = "/v1/specs/{name}/fields", tag = "specs",
    params(("name" = String, Path, description = "The spec's name (GET /v1/specs)")),
    responses(
        (status = 200, description = "The record keys, in key order", body = Vec<FieldInfo>),
        (status = 404, description = "No such spec", body = ErrorBody)))]
async fn fields(State(service): State<Arc<Service>>, Path(name): Path<String>) -> Response {
    match served(&service, &name) {
        Ok(served) => json(StatusCode::OK, &served.fields),
        Err(problem) => problem.into_response(),
    }
}

/// A record skeleton: every field with a placeholder of its kind, for an integrator to
/// fill (what `certpress sample` writes).
#[utoipa::path(get, path = "/v1/specs/{name}/sample", tag = "specs",
    params(("name" = String, Path, description = "The spec's name")),
    responses(
        (status = 200, description = "A record that binds", body = Object),
        (status = 404, description = "No such spec", body = ErrorBody)))]
async fn sample(State(service): State<Arc<Service>>, Path(name): Path<String>) -> Response {
    match served(&service, &name) {
        Ok(served) => json(StatusCode::OK, &record::skeleton(served.template.model())),
        Err(problem) => problem.into_response(),
    }
}

/// An output format of `render`.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum Format {
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
    fn label(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Png => "png",
            Format::Ofd => "ofd",
            Format::Html => "html",
        }
    }

    fn content_type(self) -> &'static str {
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
struct RenderQuery {
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
struct Order {
    format: Format,
    pdf: PdfOptions,
    raster: RasterOptions,
    ofd: OfdOptions,
    /// The record digest and version of the licence issued before, when the caller asks
    /// for the re-issue rule.
    issued: Option<(String, u16)>,
    /// Signed at this time, with the spec's keys.
    signed_at: Option<SigningTime>,
}

impl RenderQuery {
    fn order(self, max_dpi: f64, signing: Option<&Signing>) -> Result<Order, Problem> {
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
    fn make(&self, licence: &Licence, signing: Option<&Signing>) -> certpress::Result<Vec<u8>> {
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

/// Parses the query string, refusing unknown parameters (a typo is an error, not a default).
fn query<T: serde::de::DeserializeOwned>(request: &Request) -> Result<T, Problem> {
    serde_urlencoded::from_str(request.uri().query().unwrap_or("")).map_err(|err| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "options",
            format!("the query string: {err}"),
        )
    })
}

/// Reads the request's record: JSON by content type, within the body limit and the
/// request timeout, then parsed.
async fn read_record(service: &Service, request: Request) -> Result<Record, Problem> {
    check_content_type(request.headers())?;
    let limit = service.limits.max_body;
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("the record is over the service's limit of {limit} bytes (--max-body)"),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let body = Limited::new(request.into_body(), limit);
    let bytes: Bytes = match tokio::time::timeout(service.limits.request_timeout, body.collect())
        .await
    {
        Err(_) => {
            return Err(Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                format!(
                    "the body did not arrive within {} s (--request-timeout)",
                    service.limits.request_timeout.as_secs_f64()
                ),
            ))
        }
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
        Ok(Err(err)) => {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-body",
                format!("reading the body: {err}"),
            ))
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let text = std::str::from_utf8(&bytes).map_err(|err| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            format!("the body is not UTF-8 ({err}); send the record as UTF-8 JSON"),
        )
    })?;
    // Syntax first, so that broken JSON is the caller's 400 and only a well-formed record
    // the spec refuses is a 422.
    if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            format!("the body is not JSON: {err}"),
        ));
    }
    Record::from_json(text, RECORD_NAME).map_err(|err| Problem::from_error(&err))
}

fn check_content_type(headers: &HeaderMap) -> Result<(), Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!(
                "the record must be JSON with Content-Type: application/json (got {:?})",
                content_type
            ),
        ))
    }
}

/// Runs `work` on the render pool, timing it for the metrics; refusals become answers.
async fn on_pool<T: Send + 'static>(
    service: &Arc<Service>,
    spec: &str,
    format: &'static str,
    work: impl FnOnce() -> certpress::Result<T> + Send + 'static,
) -> Result<T, Problem> {
    let timed = {
        let service = Arc::clone(service);
        move || {
            let started = Instant::now();
            let result = work();
            service.metrics.rendered(format, started.elapsed());
            result
        }
    };
    match service
        .admission
        .run(service.limits.request_timeout, timed)
        .await
    {
        Ok(result) => result.map_err(|err| Problem::from_error(&err)),
        Err(Refusal::Full) => Err(Problem::overloaded(
            format!(
                "every render worker is busy and {} requests wait already; retry shortly",
                service.limits.queue
            ),
            1,
        )),
        Err(Refusal::Waited(wait)) => Err(Problem::overloaded(
            format!(
                "no render worker came free within {} s; retry shortly",
                wait.as_secs_f64()
            ),
            1,
        )),
        Err(Refusal::Panicked(message)) => {
            eprintln!("certpress serve: rendering {format} for spec `{spec}` panicked: {message}");
            Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the renderer failed on this request (logged); the service goes on",
            ))
        }
    }
}

/// Renders a record.
#[utoipa::path(post, path = "/v1/specs/{name}/render", tag = "licences",
    params(("name" = String, Path, description = "The spec's name"), RenderQuery),
    request_body(content = Object, content_type = "application/json",
        description = "The record: a JSON object of the spec's fields (GET /v1/specs/{name}/fields)"),
    responses(
        (status = 200, description = "The licence, the same bytes `certpress render` writes", content(
            (Binary = "application/pdf"), (Binary = "image/png"), (Binary = "application/ofd"),
            (String = "text/html"))),
        (status = 400, description = "Malformed JSON, or options that do not go together", body = ErrorBody),
        (status = 404, description = "No such spec", body = ErrorBody),
        (status = 408, description = "The body did not arrive in time", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not application/json", body = ErrorBody),
        (status = 409, description = "Re-issue: the record differs from `issued_record`, and its version is not above `issued_version`", body = ErrorBody),
        (status = 422, description = "The record is refused: `field` names the field", body = ErrorBody),
        (status = 503, description = "Overloaded: retry after `Retry-After` seconds", body = ErrorBody),
        (status = 500, description = "A failure on our side (logged)", body = ErrorBody)))]
async fn render(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    match render_inner(&service, &name, request).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn render_inner(
    service: &Arc<Service>,
    name: &str,
    request: Request,
) -> Result<Response, Problem> {
    let served = Arc::clone(served(service, name)?);
    let order =
        query::<RenderQuery>(&request)?.order(service.limits.max_dpi, served.signing.as_ref())?;
    let record = read_record(service, request).await?;
    let format = order.format;
    let (bytes, digest, version) = on_pool(service, name, format.label(), move || {
        let template = &served.template;
        let licence = template.issue(&record)?;
        let version = licence.version()?;
        let digest = certpress::reissue::record_digest(&record, template.model());
        if let Some((issued, issued_version)) = &order.issued {
            certpress::reissue::require_new_version(
                &record.name,
                template.version_key(),
                &digest,
                version,
                (issued, *issued_version),
            )?;
        }
        let bytes = order.make(&licence, served.signing.as_ref())?;
        Ok((bytes, certpress::reissue::hex(&digest), version))
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (RECORD_DIGEST.clone(), digest),
            (LICENCE_VERSION.clone(), version.to_string()),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// What a caller keeps of a licence it issued, to ask for the re-issue rule later
/// (`issued_record`, `issued_version`): the record digest and the version.
static RECORD_DIGEST: header::HeaderName =
    header::HeaderName::from_static("certpress-record-digest");
static LICENCE_VERSION: header::HeaderName =
    header::HeaderName::from_static("certpress-licence-version");

/// A binary file, for the OpenAPI description.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // only its schema is read
struct Binary(Vec<u8>);

/// The conformance check's query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct CheckQuery {
    /// Checks only the elements of one pass: `all` (default), `press` or `print`.
    #[serde(default)]
    #[param(inline)]
    pass: certpress::Passes,
}

/// The conformance report: where every element landed against the spec, in the layout and
/// in the ink of a 300 dpi rendering (`certpress check --json`).
#[derive(Serialize, ToSchema)]
struct CheckReport {
    /// The spec's name.
    spec: String,
    /// The spec's tolerance in mm.
    tolerance_mm: f64,
    /// Every part of every element in the layout: placed, laid out, deviation, pass.
    #[schema(value_type = Vec<Object>)]
    layout: Vec<certpress::qa::Entry>,
    /// Every element's ink in the rendering.
    #[schema(value_type = Vec<Object>)]
    ink: Vec<certpress::qa::ink::InkEntry>,
    /// Everything within tolerance.
    pass: bool,
}

/// Checks where every element of a record's licence lands.
#[utoipa::path(post, path = "/v1/specs/{name}/check", tag = "licences",
    params(("name" = String, Path, description = "The spec's name"), CheckQuery),
    request_body(content = Object, content_type = "application/json", description = "The record"),
    responses(
        (status = 200, description = "The report (`pass` says whether everything is within tolerance)", body = CheckReport),
        (status = 400, description = "Malformed JSON or query", body = ErrorBody),
        (status = 404, description = "No such spec", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not application/json", body = ErrorBody),
        (status = 422, description = "The record is refused", body = ErrorBody),
        (status = 503, description = "Overloaded: retry after `Retry-After` seconds", body = ErrorBody)))]
async fn check(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    match check_inner(&service, &name, request).await {
        Ok(report) => json(StatusCode::OK, &report),
        Err(problem) => problem.into_response(),
    }
}

async fn check_inner(
    service: &Arc<Service>,
    name: &str,
    request: Request,
) -> Result<CheckReport, Problem> {
    let served = Arc::clone(served(service, name)?);
    let pass = query::<CheckQuery>(&request)?.pass.filter();
    let record = read_record(service, request).await?;
    let spec = name.to_owned();
    on_pool(service, name, "check", move || {
        let licence = served.template.issue(&record)?;
        let report = licence.check(
            None,
            certpress::qa::check::CheckOptions {
                pass,
                ..Default::default()
            },
        )?;
        Ok(CheckReport {
            spec,
            tolerance_mm: report.tolerance_mm,
            layout: report.layout,
            ink: report.ink,
            pass: report.pass,
        })
    })
    .await
}

async fn not_found(request: Request) -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        format!(
            "no endpoint {} {}; the endpoints are in GET /openapi.json",
            request.method(),
            request.uri().path()
        ),
    )
    .into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        format!(
            "{} is not allowed on {}; see GET /openapi.json",
            request.method(),
            request.uri().path()
        ),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    fn service() -> Arc<Service> {
        Arc::new(Service {
            catalog: super::super::catalog::Catalog::default(),
            admission: super::super::admission::Admission::new(1, 0),
            metrics: super::super::metrics::Metrics::default(),
            limits: super::super::Limits {
                workers: 1,
                queue: 0,
                max_body: 1024,
                header_timeout: Duration::from_secs(1),
                request_timeout: Duration::from_secs(5),
                drain_timeout: Duration::from_secs(1),
                max_connections: 4,
                max_dpi: 600.0,
            },
            draining: AtomicBool::new(false),
        })
    }

    #[test]
    fn a_panicking_render_answers_500_and_the_next_one_renders() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let service = service();
            let failed = on_pool(&service, "liuzhou", "pdf", || -> certpress::Result<u8> {
                panic!("index out of bounds in a renderer")
            })
            .await
            .unwrap_err();
            assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(failed.report.code, "internal");
            // The panic's text stays in the log, not in the answer.
            assert!(!failed.report.message.contains("index out of bounds"));
            let fine = on_pool(&service, "liuzhou", "pdf", || Ok(5u8)).await;
            assert_eq!(fine.unwrap(), 5);
        });
    }

    #[test]
    fn the_library_errors_map_to_whose_move_it_is() {
        let record = certpress::Record::from_json("[1]", "r").unwrap_err();
        assert_eq!(
            Problem::from_error(&record).status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let options = certpress::Error::Options {
            message: "dpi".to_owned(),
        };
        assert_eq!(
            Problem::from_error(&options).status,
            StatusCode::BAD_REQUEST
        );
        let io = certpress::Error::io("x", std::io::Error::other("disk"));
        assert_eq!(
            Problem::from_error(&io).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}

//! The studio's endpoints: the page and its two files, the state the page polls, the
//! pictures, the record form's submissions, and a dropped scan's check. Every answer
//! carries the Content-Security-Policy that keeps the page to this origin.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Uri;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use certpress::View;
use certpress::{CheckOptions, Light, Passes, RasterOptions, Scan};

use super::state::{plate_name, Problem, SheetView, Studio};

/// The page, its script and its style, built into the binary: nothing is fetched from
/// anywhere else.
const PAGE: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/studio.js");
const STYLE: &str = include_str!("page/studio.css");

/// Only this origin: no other host's script, style, picture or connection; no inline
/// script; no framing.
pub const CSP: &str = "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The largest scan a page may drop (a 600 dpi A3 JPEG is about 10 MB).
const MAX_SCAN_BYTES: usize = 64 << 20;
/// The finest picture the page may ask for: 400 % zoom of an A3 sheet on a dense screen.
const MAX_DPI: f64 = 600.0;

/// Every route, with the security headers around them.
pub fn router(studio: Arc<Studio>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { file(PAGE, "text/html; charset=utf-8") }),
        )
        .route(
            "/studio.js",
            get(|| async { file(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/studio.css",
            get(|| async { file(STYLE, "text/css; charset=utf-8") }),
        )
        .route("/ui-font", get(ui_font))
        .route("/api/state", get(state))
        .route("/api/picture.png", get(picture))
        .route("/api/record", post(record))
        .route(
            "/api/check",
            post(check).layer(DefaultBodyLimit::max(MAX_SCAN_BYTES)),
        )
        .route("/api/overlay.png", get(overlay))
        .layer(middleware::from_fn(secure))
        .with_state(studio)
}

async fn secure(request: axum::extract::Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn file(text: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(text) => (status, [(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

fn problem(status: StatusCode, problem: &Problem) -> Response {
    json(status, &serde_json::json!({ "error": problem }))
}

fn png(bytes: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "image/png")], Body::from(bytes)).into_response()
}

/// The query string, unknown parameters refused (the page's cache-busting `v` aside).
fn query<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, Problem> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|e| Problem::options(e.to_string()))?;
    let kept: Vec<_> = pairs.into_iter().filter(|(k, _)| k != "v").collect();
    let text = serde_urlencoded::to_string(kept).map_err(|e| Problem::options(e.to_string()))?;
    serde_urlencoded::from_str(&text)
        .map_err(|e| Problem::options(format!("the query string: {e}")))
}

/// Work off the async threads: layout and rendering take milliseconds to seconds.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

/// A face of the spec's own for the page's text (its field names and messages are
/// Chinese, and a viewing machine may have no CJK font): the smallest face the spec loads,
/// from this origin. The page's style puts it after the system's faces.
async fn ui_font(State(studio): State<Arc<Studio>>) -> Response {
    let template = studio.current().template.clone();
    match template.as_ref().and_then(|t| t.smallest_face()) {
        Some((data, media)) => (
            [(header::CONTENT_TYPE, media)],
            Body::from(Vec::clone(&data)),
        )
            .into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            &Problem::options("the spec has not loaded yet".into()),
        ),
    }
}

/// What the page shows, and the version it polls for: what changes with every edit of
/// the record form, and the sheet the version made ([`SheetView`], shared).
#[derive(Serialize)]
struct StateView<'a> {
    version: u64,
    spec: String,
    spec_problem: Option<Problem>,
    record: serde_json::Value,
    record_problem: Option<Problem>,
    fields: Vec<certpress::record::FieldInfo>,
    #[serde(flatten)]
    sheet: &'a SheetView,
    check: Option<serde_json::Value>,
}

async fn state(State(studio): State<Arc<Studio>>) -> Response {
    let spec = studio.spec_path.display().to_string();
    let (current, fields, sheet) = blocking(move || {
        let c = studio.current();
        let current = (
            c.version,
            c.spec_problem.clone(),
            c.record.clone(),
            c.record_problem.clone(),
            c.check.as_ref().map(|(report, _)| report.clone()),
        );
        drop(c);
        let sheet = studio.sheet(current.0);
        (current, studio.fields(), sheet)
    })
    .await;
    let (version, spec_problem, record, record_problem, check) = current;
    let view = StateView {
        version,
        spec,
        spec_problem,
        record,
        record_problem,
        fields,
        sheet: &sheet,
        check,
    };
    json(StatusCode::OK, &view)
}

/// Which picture: the pass, the light or one plate, at a resolution.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PictureQuery {
    #[serde(default)]
    pass: Passes,
    #[serde(default)]
    light: Light,
    plate: Option<String>,
    dpi: Option<f64>,
}

async fn picture(State(studio): State<Arc<Studio>>, uri: Uri) -> Response {
    let q: PictureQuery = match query(&uri) {
        Ok(q) => q,
        Err(refusal) => return problem(StatusCode::BAD_REQUEST, &refusal),
    };
    let dpi = q.dpi.unwrap_or(100.0);
    if !(dpi.is_finite() && (10.0..=MAX_DPI).contains(&dpi)) {
        let refusal = Problem::options(format!("dpi={dpi}: give 10 to {MAX_DPI}"));
        return problem(StatusCode::BAD_REQUEST, &refusal);
    }
    // Resolutions in steps of 25 dpi: a zoom's nearby sizes share one picture.
    let dpi = (dpi / 25.0).ceil() * 25.0;
    let answer = blocking(move || {
        let (version, template, shown) = {
            let c = studio.current();
            (c.version, c.template.clone(), c.shown.clone())
        };
        let template =
            template.ok_or_else(|| Problem::options("the spec has not loaded yet".into()))?;
        let key = format!("{version}/{:?}/{:?}/{:?}/{dpi}", q.pass, q.light, q.plate);
        studio.picture(key, || {
            let record = studio.record(&shown)?;
            let licence = template
                .issue(&record)
                .map_err(|e| Problem::from_error(&e))?;
            let options = RasterOptions {
                dpi,
                pass: q.pass.filter(),
                view: q.light.into(),
                ..Default::default()
            };
            // A plate: that plate alone, in its own view.
            let options = match &q.plate {
                None => options,
                Some(name) => RasterOptions {
                    view: View::Plate(
                        licence
                            .colorants()
                            .into_iter()
                            .find(|c| plate_name(c) == *name)
                            .ok_or_else(|| Problem::options(format!("no plate `{name}`")))?,
                    ),
                    ..options
                },
            };
            licence
                .png(&options)
                .map(Bytes::from)
                .map_err(|e| Problem::from_error(&e))
        })
    })
    .await;
    match answer {
        Ok(bytes) => png(bytes),
        Err(refusal) => problem(StatusCode::UNPROCESSABLE_ENTITY, &refusal),
    }
}

/// The record form's submission: shown when the spec accepts it, else refused at its
/// field (the last good picture stays).
async fn record(State(studio): State<Arc<Studio>>, body: Bytes) -> Response {
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value @ serde_json::Value::Object(_)) => value,
        _ => {
            let refusal = Problem::options("send the record as a JSON object".into());
            return problem(StatusCode::BAD_REQUEST, &refusal);
        }
    };
    let refused = blocking(move || {
        studio.set_record(value);
        studio.current().record_problem.clone()
    })
    .await;
    match refused {
        None => json(StatusCode::OK, &serde_json::json!({ "ok": true })),
        Some(refusal) => problem(StatusCode::UNPROCESSABLE_ENTITY, &refusal),
    }
}

/// Which elements a dropped scan is checked for.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckQuery {
    #[serde(default)]
    pass: Passes,
    dpi: Option<f64>,
}

/// A dropped scan (PNG, JPEG or TIFF bytes) checked against the spec, as `check --image`
/// does; the report is answered and kept, its overlay at `/api/overlay.png`.
async fn check(State(studio): State<Arc<Studio>>, uri: Uri, body: Bytes) -> Response {
    let q: CheckQuery = match query(&uri) {
        Ok(q) => q,
        Err(refusal) => return problem(StatusCode::BAD_REQUEST, &refusal),
    };
    let answer = blocking(move || -> Result<serde_json::Value, Problem> {
        let (template, shown) = {
            let c = studio.current();
            (c.template.clone(), c.shown.clone())
        };
        let template =
            template.ok_or_else(|| Problem::options("the spec has not loaded yet".into()))?;
        let scan = Scan::decode(&body, q.dpi).map_err(Problem::options)?;
        let record = studio.record(&shown)?;
        let licence = template
            .issue(&record)
            .map_err(|e| Problem::from_error(&e))?;
        let options = CheckOptions {
            pass: q.pass.filter(),
            ..Default::default()
        };
        let report = licence
            .check(Some(scan), options)
            .map_err(|e| Problem::from_error(&e))?;
        let overlay = licence
            .check_overlay(&report)
            .map_err(|e| Problem::from_error(&e))?;
        let value = serde_json::to_value(&report).unwrap_or_default();
        studio.current().check = Some((value.clone(), Bytes::from(overlay)));
        Ok(value)
    })
    .await;
    match answer {
        Ok(report) => json(StatusCode::OK, &report),
        Err(refusal) => problem(StatusCode::UNPROCESSABLE_ENTITY, &refusal),
    }
}

async fn overlay(State(studio): State<Arc<Studio>>) -> Response {
    let overlay = studio.current().check.as_ref().map(|(_, o)| o.clone());
    match overlay {
        Some(bytes) => png(bytes),
        None => problem(
            StatusCode::NOT_FOUND,
            &Problem::options("no scan checked yet: drop one on the page".into()),
        ),
    }
}

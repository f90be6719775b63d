//! The licence endpoints: render a record, check where its elements land.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::body::{query, read_record};
use super::json;
use super::options::RenderQuery;
use super::pool::on_pool;
use super::specs::served;
use crate::serve::problem::{ErrorBody, Problem};
use crate::serve::Service;

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
pub(super) async fn render(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    match render_inner(&service, &name, request).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

pub(super) async fn render_inner(
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
pub(super) static RECORD_DIGEST: header::HeaderName =
    header::HeaderName::from_static("certpress-record-digest");
pub(super) static LICENCE_VERSION: header::HeaderName =
    header::HeaderName::from_static("certpress-licence-version");

/// A binary file, for the OpenAPI description.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // only its schema is read
pub(super) struct Binary(Vec<u8>);

/// The conformance check's query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct CheckQuery {
    /// Checks only the elements of one pass: `all` (default), `press` or `print`.
    #[serde(default)]
    #[param(inline)]
    pass: certpress::Passes,
}

/// The conformance report: where every element landed against the spec, in the layout and
/// in the ink of a 300 dpi rendering (`certpress check --json`).
#[derive(Serialize, ToSchema)]
pub(super) struct CheckReport {
    /// The spec's name.
    spec: String,
    /// The spec's tolerance in mm.
    tolerance_mm: f64,
    /// Every part of every element in the layout: where the spec and the layout put it,
    /// what its verdict rests on (`basis`: `placed` rows are not measurements), pass.
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
pub(super) async fn check(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    match check_inner(&service, &name, request).await {
        Ok(report) => json(StatusCode::OK, &report),
        Err(problem) => problem.into_response(),
    }
}

pub(super) async fn check_inner(
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

//! The specs served: the list, and each spec's fields and record skeleton.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use certpress::error::ErrorReport;
use certpress::record::{self, FieldInfo};

use super::json;
use crate::serve::catalog::Served;
use crate::serve::problem::{ErrorBody, Problem};
use crate::serve::Service;

/// The specs served and those that failed to load.
#[derive(Serialize, ToSchema)]
pub(super) struct SpecList {
    /// Specs served, by name.
    specs: Vec<SpecSummary>,
    /// Specs that failed to load at start: fix the file and restart.
    failed: Vec<SpecFailure>,
}

/// One spec served.
#[derive(Serialize, ToSchema)]
pub(super) struct SpecSummary {
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
pub(super) struct SpecFailure {
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
pub(super) async fn list_specs(State(service): State<Arc<Service>>) -> Response {
    let specs = service
        .catalog
        .served
        .iter()
        .map(|(name, served)| {
            let spec = served.template.model();
            let mut formats = vec!["pdf", "png"];
            if spec.is_electronic() {
                formats.push("ofd");
            }
            if spec.has_landing_page() {
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
pub(super) fn served<'s>(service: &'s Service, name: &str) -> Result<&'s Arc<Served>, Problem> {
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
pub(super) async fn fields(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Response {
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
pub(super) async fn sample(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Response {
    match served(&service, &name) {
        Ok(served) => json(StatusCode::OK, &record::skeleton(served.template.model())),
        Err(problem) => problem.into_response(),
    }
}

//! Operations: liveness, readiness, Prometheus metrics, the OpenAPI description.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::{json, ApiDoc};
use crate::serve::metrics::Gauges;
use crate::serve::problem::Problem;
use crate::serve::Service;

#[derive(Serialize, ToSchema)]
pub(super) struct Status {
    /// `ok`, `ready`, `draining` or `no-specs`.
    status: &'static str,
    /// Specs served.
    specs: usize,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Status)))]
pub(super) async fn healthz(State(service): State<Arc<Service>>) -> Response {
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
pub(super) async fn readyz(State(service): State<Arc<Service>>) -> Response {
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
pub(super) async fn metrics(State(service): State<Arc<Service>>) -> Response {
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
pub(super) async fn openapi() -> Response {
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

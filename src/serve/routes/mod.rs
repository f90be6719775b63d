//! The endpoints, and the OpenAPI description generated from them: each handler parses
//! its request, calls the library's front door on the render pool, and answers the bytes
//! or the JSON the CLI would give for the same input.
//!
//! One job per file: [`operations`] (health, readiness, metrics, this description),
//! [`specs`] (the list, fields, samples), [`options`] (a query as the library's options),
//! [`body`] (the query string and the record body within limits), [`pool`] (work on the
//! render pool), [`licences`] (render and check).

mod body;
mod licences;
mod operations;
mod options;
mod pool;
mod specs;

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use utoipa::OpenApi;

use certpress::error::ErrorReport;
use certpress::record::FieldInfo;

use super::problem::{ErrorBody, Problem, RefusalCode};
use super::Service;
use licences::{check, render, CheckReport};
use operations::{healthz, metrics, openapi, readyz};
use specs::{fields, list_specs, sample, SpecFailure, SpecList, SpecSummary};

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
    paths(
        operations::healthz,
        operations::readyz,
        operations::metrics,
        specs::list_specs,
        specs::fields,
        specs::sample,
        licences::render,
        licences::check
    ),
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
    use super::pool::on_pool;
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    fn service() -> Arc<Service> {
        Arc::new(Service {
            catalog: crate::serve::catalog::Catalog::default(),
            admission: crate::serve::admission::Admission::new(1, 0),
            metrics: crate::serve::metrics::Metrics::default(),
            limits: crate::serve::Limits {
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

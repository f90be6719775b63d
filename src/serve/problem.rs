//! A refused or failed request, answered in the CLI's JSON error shape
//! (`{"error": {"code", "field", "message"}}`) with the HTTP status that says whose move it
//! is: 4xx the caller's, 5xx ours.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use certpress::error::ErrorReport;

/// The body of every error answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorReport,
}

/// A request the service answers with an error.
#[derive(Debug)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// What is said.
    pub report: ErrorReport,
    /// Seconds after which a retry may succeed (503).
    pub retry_after: Option<u32>,
}

/// The code of an error answer, left on the response for the metrics layer to count.
#[derive(Debug, Clone)]
pub struct RefusalCode(pub String);

impl Problem {
    /// A problem of the service's own (not the library's): `code` is stable, `message`
    /// says what to do.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Problem {
            status,
            report: ErrorReport {
                code: code.to_owned(),
                field: None,
                message: message.into(),
            },
            retry_after: None,
        }
    }

    /// The library's error, with the status its code calls for: a record the spec cannot
    /// print is 422, an option out of range 400, anything about the spec, its fonts or the
    /// renderer 500 (the caller cannot fix it).
    pub fn from_error(err: &certpress::Error) -> Self {
        let status = match err.code() {
            "record" | "missing-glyph" | "overflow" | "qr-too-dense" | "scan-registration"
            | "scan-resolution" | "scan-partial-sheet" => StatusCode::UNPROCESSABLE_ENTITY,
            "options" | "unreadable" => StatusCode::BAD_REQUEST,
            "version-not-raised" => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Problem {
            status,
            report: err.report(),
            retry_after: None,
        }
    }

    /// The service is full: the caller should retry after `seconds`.
    pub fn overloaded(message: impl Into<String>, seconds: u32) -> Self {
        Problem {
            retry_after: Some(seconds),
            ..Problem::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let code = RefusalCode(self.report.code.clone());
        let body = ErrorBody { error: self.report };
        // Serialising three strings cannot fail; an empty object would still be JSON.
        let mut text = serde_json::to_string_pretty(&body).unwrap_or_else(|_| "{}".to_owned());
        text.push('\n');
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            text,
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(code);
        response
    }
}

//! Reading a request: the query string, and the record body within its limits.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use certpress::record::Record;

use crate::serve::problem::Problem;
use crate::serve::Service;

/// How a record names itself in messages: the request carries no file name.
const RECORD_NAME: &str = "request body";

/// Parses the query string, refusing unknown parameters (a typo is an error, not a default).
pub(super) fn query<T: serde::de::DeserializeOwned>(request: &Request) -> Result<T, Problem> {
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
pub(super) async fn read_record(service: &Service, request: Request) -> Result<Record, Problem> {
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

pub(super) fn check_content_type(headers: &HeaderMap) -> Result<(), Problem> {
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

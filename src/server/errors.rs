//! The HTTP edge's one error shape: `{"kind": "...", "detail": {"message": "..."}}` with a status code per kind.
//! Every failure the server returns (bad token, body too large, malformed JSON, unknown route, a failed `api::`
//! call) goes through `ApiError`, so clients parse one shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{Error, ErrorKind};

/// The stable kinds of HTTP errors (serialized as-is in `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub enum ApiErrorKind {
    /// The request is well-formed but a value is wrong (an unknown option, a value out of range): 422.
    Input,
    /// The request names something that does not exist, or the route is unknown: 404.
    NotFound,
    /// The request conflicts with stored state (a duplicate name): 409.
    Conflict,
    /// The bearer token is missing or wrong: 401.
    Unauthorized,
    /// The body is larger than `--max-body-bytes`: 413.
    PayloadTooLarge,
    /// The body is not JSON of the expected shape, or the method / content type is wrong: 400 (405, 415).
    BadRequest,
    /// A valid request failed while being done (I/O, database): 500.
    Failed,
    /// The server is not ready (store unreachable, schema not current) or is shutting down: 503.
    Unavailable,
}

/// `detail` of an error body.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ErrorDetail {
    pub message: String,
}

/// The JSON body of every error response.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ErrorBody {
    pub kind: ApiErrorKind,
    pub detail: ErrorDetail,
}

/// An error on its way to becoming an HTTP response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: ApiErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: ApiErrorKind, message: impl Into<String>) -> ApiError {
        ApiError { status, kind, message: message.into() }
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, ApiErrorKind::Unauthorized, message)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ApiErrorKind::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, ApiErrorKind::NotFound, message)
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiErrorKind::PayloadTooLarge,
            format!("request body is larger than the limit of {limit} bytes (--max-body-bytes)"),
        )
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ApiErrorKind::Unavailable, message)
    }

    pub fn failed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ApiErrorKind::Failed, message)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody { kind: self.kind, detail: ErrorDetail { message: self.message.clone() } }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let (status, kind) = match e.kind() {
            ErrorKind::Input => (StatusCode::UNPROCESSABLE_ENTITY, ApiErrorKind::Input),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, ApiErrorKind::NotFound),
            ErrorKind::Conflict => (StatusCode::CONFLICT, ApiErrorKind::Conflict),
            ErrorKind::Failed => (StatusCode::INTERNAL_SERVER_ERROR, ApiErrorKind::Failed),
        };
        ApiError::new(status, kind, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            eprintln!("server: {} {:?}: {}", self.status.as_u16(), self.kind, self.message);
        }
        let unauthorized = self.kind == ApiErrorKind::Unauthorized;
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if unauthorized {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_error_kinds_map_to_status_and_kind() {
        let e = ApiError::from(Error::Input("bad value for --x".into()));
        assert_eq!((e.status, e.kind), (StatusCode::UNPROCESSABLE_ENTITY, ApiErrorKind::Input));
        let e = ApiError::from(Error::Failed("disk".into()));
        assert_eq!((e.status, e.kind), (StatusCode::INTERNAL_SERVER_ERROR, ApiErrorKind::Failed));
        let body = serde_json::to_value(ApiError::too_large(10).body()).unwrap();
        assert_eq!(body["kind"], "PayloadTooLarge");
        assert!(body["detail"]["message"].as_str().unwrap().contains("10 bytes"));
    }
}

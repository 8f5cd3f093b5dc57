//! The HTTP edge's errors: every failure the server returns (bad token, body too large, malformed JSON, unknown route, a
//! failed `api::` call) goes through `ApiError`, which carries a status code and becomes the edge's one error shape
//! (`api::edge::EdgeError`, `{"kind": "...", "detail": {"message": "..."}}`), so clients parse one shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use browser_ai_mlops_core::api::edge::{self, EdgeError};
use browser_ai_mlops_core::error::Error;

/// The kinds of HTTP errors: the edge's kinds (`api::edge`), shared with the desktop app.
pub use browser_ai_mlops_core::api::edge::EdgeErrorKind as ApiErrorKind;
/// The JSON body of every error response: the edge error (`{"kind", "detail": {"message"}}`).
pub type ErrorBody = EdgeError;

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

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, ApiErrorKind::Forbidden, message)
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
        EdgeError::new(self.kind, self.message.clone())
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let kind = edge::kind_of(&e);
        let status = match kind {
            ApiErrorKind::Input => StatusCode::UNPROCESSABLE_ENTITY,
            ApiErrorKind::NotFound => StatusCode::NOT_FOUND,
            ApiErrorKind::Conflict => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, kind, e.to_string())
    }
}

impl From<EdgeError> for ApiError {
    fn from(e: EdgeError) -> ApiError {
        let kind = e.kind();
        let status = match kind {
            ApiErrorKind::Input => StatusCode::UNPROCESSABLE_ENTITY,
            ApiErrorKind::NotFound => StatusCode::NOT_FOUND,
            ApiErrorKind::Conflict => StatusCode::CONFLICT,
            ApiErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ApiErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ApiErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiErrorKind::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, kind, e.message().to_string())
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

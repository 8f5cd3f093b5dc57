//! The one error shape every transport edge sends: `{"kind": "...", "detail": {"message": "..."}}`. The HTTP server
//! answers failures with it (plus a status code per kind) and the desktop app returns it from every command, so the
//! UI parses one discriminated union whichever transport carried the call.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// The stable kinds of edge errors (serialized as-is in `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub enum EdgeErrorKind {
    /// The request is well-formed but a value is wrong (an unknown option, a value out of range).
    Input,
    /// The request names something that does not exist, or the route is unknown.
    NotFound,
    /// The request conflicts with stored state (a duplicate name).
    Conflict,
    /// The bearer token is missing or wrong (HTTP only).
    Unauthorized,
    /// The token is valid but its user's role may not do this (a viewer changing state; HTTP only).
    Forbidden,
    /// The body is larger than `--max-body-bytes` (HTTP only).
    PayloadTooLarge,
    /// The body is not JSON of the expected shape, or the method / content type is wrong.
    BadRequest,
    /// A valid request failed while being done (I/O, database).
    Failed,
    /// The backend is not ready (store unreachable, schema not current) or is shutting down.
    Unavailable,
}

/// `detail` of an edge error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ErrorDetail {
    pub message: String,
}

/// Every failure a transport edge reports, as an adjacently tagged union (`kind` + `detail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", content = "detail")]
pub enum EdgeError {
    #[error("{}", .0.message)]
    Input(ErrorDetail),
    #[error("{}", .0.message)]
    NotFound(ErrorDetail),
    #[error("{}", .0.message)]
    Conflict(ErrorDetail),
    #[error("{}", .0.message)]
    Unauthorized(ErrorDetail),
    #[error("{}", .0.message)]
    Forbidden(ErrorDetail),
    #[error("{}", .0.message)]
    PayloadTooLarge(ErrorDetail),
    #[error("{}", .0.message)]
    BadRequest(ErrorDetail),
    #[error("{}", .0.message)]
    Failed(ErrorDetail),
    #[error("{}", .0.message)]
    Unavailable(ErrorDetail),
}

impl EdgeError {
    pub fn new(kind: EdgeErrorKind, message: impl Into<String>) -> EdgeError {
        let detail = ErrorDetail { message: message.into() };
        match kind {
            EdgeErrorKind::Input => EdgeError::Input(detail),
            EdgeErrorKind::NotFound => EdgeError::NotFound(detail),
            EdgeErrorKind::Conflict => EdgeError::Conflict(detail),
            EdgeErrorKind::Unauthorized => EdgeError::Unauthorized(detail),
            EdgeErrorKind::Forbidden => EdgeError::Forbidden(detail),
            EdgeErrorKind::PayloadTooLarge => EdgeError::PayloadTooLarge(detail),
            EdgeErrorKind::BadRequest => EdgeError::BadRequest(detail),
            EdgeErrorKind::Failed => EdgeError::Failed(detail),
            EdgeErrorKind::Unavailable => EdgeError::Unavailable(detail),
        }
    }

    pub fn kind(&self) -> EdgeErrorKind {
        match self {
            EdgeError::Input(_) => EdgeErrorKind::Input,
            EdgeError::NotFound(_) => EdgeErrorKind::NotFound,
            EdgeError::Conflict(_) => EdgeErrorKind::Conflict,
            EdgeError::Unauthorized(_) => EdgeErrorKind::Unauthorized,
            EdgeError::Forbidden(_) => EdgeErrorKind::Forbidden,
            EdgeError::PayloadTooLarge(_) => EdgeErrorKind::PayloadTooLarge,
            EdgeError::BadRequest(_) => EdgeErrorKind::BadRequest,
            EdgeError::Failed(_) => EdgeErrorKind::Failed,
            EdgeError::Unavailable(_) => EdgeErrorKind::Unavailable,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            EdgeError::Input(d)
            | EdgeError::NotFound(d)
            | EdgeError::Conflict(d)
            | EdgeError::Unauthorized(d)
            | EdgeError::Forbidden(d)
            | EdgeError::PayloadTooLarge(d)
            | EdgeError::BadRequest(d)
            | EdgeError::Failed(d)
            | EdgeError::Unavailable(d) => &d.message,
        }
    }
}

/// The kind a crate error crosses an edge as.
pub fn kind_of(e: &Error) -> EdgeErrorKind {
    match e.kind() {
        ErrorKind::Input => EdgeErrorKind::Input,
        ErrorKind::NotFound => EdgeErrorKind::NotFound,
        ErrorKind::Conflict => EdgeErrorKind::Conflict,
        ErrorKind::Forbidden => EdgeErrorKind::Forbidden,
        ErrorKind::Failed => EdgeErrorKind::Failed,
    }
}

impl From<Error> for EdgeError {
    fn from(e: Error) -> EdgeError {
        EdgeError::new(kind_of(&e), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_kind_and_detail_message() {
        let e = EdgeError::from(Error::Input("bad value for --x".into()));
        assert_eq!(e.kind(), EdgeErrorKind::Input);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v, serde_json::json!({"kind": "Input", "detail": {"message": "bad value for --x"}}));
        let back: EdgeError = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn every_kind_round_trips_through_new_and_kind() {
        use EdgeErrorKind::*;
        for kind in [Input, NotFound, Conflict, Unauthorized, PayloadTooLarge, BadRequest, Failed, Unavailable] {
            let e = EdgeError::new(kind, "m");
            assert_eq!((e.kind(), e.message()), (kind, "m"));
            let v = serde_json::to_value(&e).unwrap();
            assert_eq!(v["kind"], serde_json::to_value(kind).unwrap());
        }
    }
}

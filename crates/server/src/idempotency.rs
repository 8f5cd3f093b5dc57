//! The `Idempotency-Key` request header on mutating unary operations: the first successful response is stored under
//! (key, operation) with the SHA-256 of the request's JSON body; a request with the same key and body gets the stored
//! response (and the header `Idempotent-Replayed: true`) without the operation running again; the same key with
//! another body is refused with 422. Requests with one key are handled one at a time (a per-key lock), so two
//! concurrent sends of one request run the operation once.
//!
//! The response is stored after the operation committed, in its own transaction: if the server dies between the
//! two, a retry runs the operation again (see docs/reference/http-api.md for what that means per operation). Errors
//! are not stored: the operation wrote nothing, and the retry runs it again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use browser_ai_mlops_core::Core;
use browser_ai_mlops_core::api::op::{self, Json};
use browser_ai_mlops_core::api::{Access, Operation, Shape};
use sha2::{Digest, Sha256};

use super::errors::{ApiError, ApiErrorKind};

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
const MAX_KEY_CHARS: usize = 255;

/// One async lock per key in use, removed when the last holder is done.
#[derive(Default)]
pub struct KeyLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

fn refused(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ApiErrorKind::Input, message)
}

/// The request's key, if it carries one; a malformed key is an error.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(HEADER) else { return Ok(None) };
    let key = value.to_str().ok().map(str::trim).unwrap_or("");
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(refused(format!(
            "Idempotency-Key header: expected 1 to {MAX_KEY_CHARS} visible ASCII characters (a UUID is a good key)"
        )));
    }
    Ok(Some(key.to_string()))
}

/// Hex SHA-256 of the body as parsed JSON (so whitespace and key order do not matter).
fn body_digest(input: &Json) -> String {
    Sha256::digest(input.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Run `op` under `key`: replay the stored response, refuse another body, or run and store the first success.
/// Read operations are safe to repeat and run as usual; streaming mutating operations cannot be replayed.
pub async fn call(core: &Core, op: &'static Operation, key: String, input: Json) -> Result<Response, ApiError> {
    if op.access != Access::Mutating {
        return Ok(axum::Json(op::call(core, op, input).await?).into_response());
    }
    if op.shape() == Shape::Streaming {
        return Err(refused(format!(
            "Idempotency-Key header: {} is a streaming operation, whose events cannot be replayed; send it without \
             the header",
            op.name
        )));
    }
    let digest = body_digest(&input);
    let locks = core.shared::<KeyLocks>();
    let lock = {
        let mut map = locks.locks.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key.clone()).or_default().clone()
    };
    let result = {
        let _held = lock.lock().await;
        run_once(core, op, &key, &digest, input).await
    };
    let mut map = locks.locks.lock().unwrap_or_else(|p| p.into_inner());
    // The map's entry and `lock` are the last two handles unless another request waits on this key.
    if map.get(&key).is_some_and(|l| Arc::strong_count(l) == 2) {
        map.remove(&key);
    }
    result
}

async fn run_once(
    core: &Core,
    op: &'static Operation,
    key: &str,
    digest: &str,
    input: Json,
) -> Result<Response, ApiError> {
    let store = core.store().await?;
    if let Some(stored) = store.stored_response(key, op.name).await.map_err(|e| ApiError::from(core_err(e)))? {
        if stored.body_sha256 != digest {
            return Err(refused(format!(
                "Idempotency-Key {key:?} was already used for {} with a different request body; nothing was done \
                 (resend the same body to get the stored response, or use a new key for a new request)",
                op.name
            )));
        }
        let mut response = axum::Json(stored.response).into_response();
        response.headers_mut().insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
        return Ok(response);
    }
    let output = op::call(core, op, input).await?;
    // The operation has committed; if storing its response fails the client still gets it (a retry would run the
    // operation again, as documented).
    if let Err(e) = store.store_response(key, op.name, digest, &output).await {
        eprintln!("warning: {}: the response for Idempotency-Key {key:?} could not be stored: {e}", op.name);
    }
    Ok(axum::Json(output).into_response())
}

fn core_err(e: browser_ai_mlops_core::store::StoreError) -> browser_ai_mlops_core::error::Error {
    e.into()
}

//! The operation table over HTTP: every operation of `api::table()` that may be reached from the network is
//! `POST /api/v1/<domain>/<verb>` with its typed input as the JSON body. A unary operation answers its typed output
//! as JSON; a streaming one answers server-sent events whose `data:` lines are the table's one stream message shape
//! (`{"type":"event"|"done"|"error","data":…}`, the same JSON the desktop app's channel carries). Local-only
//! operations (they read or write files by path, or the keychain) get no route. Nothing here is per-operation code.
//! A request with an `Idempotency-Key` header goes through `idempotency` (stored responses, replays).

use std::convert::Infallible;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use browser_ai_mlops_core::Core;
use browser_ai_mlops_core::api::op::{self, Json};
use browser_ai_mlops_core::api::{Operation, Reach, Shape, StreamMessage};
use futures::StreamExt;

use super::errors::ApiError;
use super::{AppState, json_body};

/// The HTTP path of an operation.
pub fn path(op: &Operation) -> String {
    format!("/api/v1/{}", op.name)
}

/// The operations HTTP serves.
pub fn served() -> impl Iterator<Item = &'static Operation> {
    browser_ai_mlops_core::api::table().iter().filter(|op| op.reach == Reach::Everywhere)
}

/// Mount every served operation on `app`.
pub(crate) fn mount(mut app: Router<AppState>) -> Router<AppState> {
    for op in served() {
        let route = post(
            move |State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>| async move {
                match handle(state, op, &headers, body).await {
                    Ok(response) => response,
                    Err(e) => e.into_response(),
                }
            },
        );
        // Its own limit is enforced where every body is read (`listen::body_deadline`), not by the general one.
        let route = match body_limit_of(&path(op)) {
            Some(_) => route.layer(axum::extract::DefaultBodyLimit::disable()),
            None => route,
        };
        app = app.route(&path(op), route);
    }
    app
}

/// The route whose body may be larger than the server's general limit, and its own limit: a host's sync page (see
/// `sync::client::MAX_SYNC_BODY_BYTES`).
pub(crate) fn body_limit_of(path: &str) -> Option<usize> {
    (path == "/api/v1/sync/receive").then_some(browser_ai_mlops_core::sync::client::MAX_SYNC_BODY_BYTES)
}

/// Parse a JSON body; an empty body counts as `{}` (for inputs whose fields all have defaults).
pub fn parse_body(body: &[u8]) -> Result<Json, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Json::Null);
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

async fn handle(
    state: AppState,
    op: &'static Operation,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let user = super::auth::authorize(&state.core, &state.auth, headers, op.access).await?;
    // The operation runs as the signed-in team user, so what it records names them.
    let core = match &user {
        Some((user, role)) => state.core.for_user(user, *role),
        None => Core::clone(&state.core),
    };
    let key = super::idempotency::key_of(headers)?;
    let input = parse_body(&json_body(&state, headers, body)?)?;
    if let Some(key) = key {
        return super::idempotency::call(&core, op, key, input).await;
    }
    match op.shape() {
        Shape::Unary => Ok(axum::Json(op::call(&core, op, input).await?).into_response()),
        Shape::Streaming => {
            let messages = op::stream(&core, op, input)?;
            // The server's shutdown ends open streams, so a graceful shutdown does not wait for watchers.
            let mut shutdown = state.shutdown.clone();
            let stop = async move {
                let _ = shutdown.wait_for(|stop| *stop).await;
            };
            let events = messages.take_until(stop).map(|message| Ok::<Event, Infallible>(sse_event(&message)));
            Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
        }
    }
}

/// One stream message as an SSE event: `event:` names the message type, `data:` is the whole message.
pub fn sse_event(message: &StreamMessage) -> Event {
    let name = match message {
        StreamMessage::Event(_) => "event",
        StreamMessage::Done(_) => "done",
        StreamMessage::Error(_) => "error",
    };
    let data = serde_json::to_string(message).unwrap_or_else(|e| {
        format!(
            "{{\"type\":\"error\",\"data\":{{\"kind\":\"Failed\",\"detail\":{{\"message\":\"cannot encode: {e}\"}}}}}}"
        )
    });
    Event::default().event(name).data(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_operations_get_no_route_and_every_other_one_does() {
        let served: Vec<&str> = served().map(|op| op.name).collect();
        for op in browser_ai_mlops_core::api::table() {
            assert_eq!(served.contains(&op.name), op.reach == Reach::Everywhere, "{}", op.name);
        }
        assert!(!served.contains(&"secrets/set") && !served.contains(&"runs/log_batch"));
        assert!(served.contains(&"runs/log_batch_text"));
    }

    #[test]
    fn an_empty_body_is_null_and_bad_json_names_the_problem() {
        assert_eq!(parse_body(b"  ").unwrap(), Json::Null);
        let err = parse_body(br#"{"name": "#).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(err.message.contains("invalid JSON body"), "{}", err.message);
    }
}

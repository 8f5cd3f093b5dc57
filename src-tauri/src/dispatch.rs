//! The desktop app's two commands, through which the UI reaches every operation of the core's table: `call` runs a
//! unary operation and answers its output; `stream` runs a streaming one and forwards its messages (the table's
//! one stream message shape, the same JSON the HTTP server sends as SSE) over a Tauri channel until `done` or
//! `error`. Both answer failures as the one edge error. Every operation of the table is reachable here, local-only
//! ones included (the app runs on the user's own machine); there is no per-operation code.

use std::sync::Arc;

use browser_ai_mlops_core::Core;
use browser_ai_mlops_core::api::StreamMessage;
use browser_ai_mlops_core::api::edge::{EdgeError, EdgeErrorKind};
use browser_ai_mlops_core::api::op::{self, Json};
use futures::StreamExt;
use tauri::State;
use tauri::ipc::Channel;

/// Run the unary operation `op` with `input`.
#[tauri::command]
pub async fn call(core: State<'_, Arc<Core>>, op: String, input: Option<Json>) -> Result<Json, EdgeError> {
    op::call_by_name(&core, &op, input.unwrap_or(Json::Null)).await
}

/// Run the streaming operation `op` with `input`, sending each message on `channel`; resolves when the stream ends
/// (after its `done` or `error` message) or when the window stops listening, which stops the operation.
#[tauri::command]
pub async fn stream(
    core: State<'_, Arc<Core>>,
    op: String,
    input: Option<Json>,
    channel: Channel<StreamMessage>,
) -> Result<(), EdgeError> {
    let mut messages = std::pin::pin!(op::stream_by_name(&core, &op, input.unwrap_or(Json::Null))?);
    while let Some(message) = messages.next().await {
        channel
            .send(message)
            .map_err(|e| EdgeError::new(EdgeErrorKind::Failed, format!("cannot send to the window: {e}")))?;
    }
    Ok(())
}

/// The app's commands, for the build script's permissions and the capability file (one permission each).
pub const COMMANDS: &[&str] = &["call", "stream"];

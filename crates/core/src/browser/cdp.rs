//! Running CDP calls under the operation timeout and turning chromiumoxide errors into `BrowserError`s: a closed
//! connection or an unanswered health probe means the browser crashed; a slow call on a live browser is a timeout.

use std::future::Future;
use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::cdp::js_protocol::runtime::{EvaluateParams, ExceptionDetails};
use chromiumoxide::error::CdpError;

use super::launch::BrowserHandle;
use super::{BrowserError, Result};

/// How long a health probe after a timed-out operation may take before the browser is declared hung.
const PROBE_LIMIT: Duration = Duration::from_secs(3);

fn crashed(op: &str, reason: impl Into<String>) -> BrowserError {
    BrowserError::Crashed { op: op.to_string(), reason: reason.into() }
}

/// Runs `fut` with `limit`, classifying failures.
pub(crate) async fn guarded<T, F>(handle: &BrowserHandle, op: &str, limit: Duration, fut: F) -> Result<T>
where
    F: Future<Output = std::result::Result<T, CdpError>>,
{
    if !handle.is_alive() {
        return Err(crashed(op, "the connection to the browser is closed"));
    }
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(classify(handle, op, e).await),
        Err(_) => {
            if handle.probe(PROBE_LIMIT).await {
                Err(BrowserError::Timeout { op: op.to_string(), timeout_ms: limit.as_millis() as u64 })
            } else {
                Err(crashed(
                    op,
                    format!("no answer within {} ms and the browser did not answer a probe", limit.as_millis()),
                ))
            }
        }
    }
}

async fn classify(handle: &BrowserHandle, op: &str, e: CdpError) -> BrowserError {
    match e {
        CdpError::Ws(_) | CdpError::ChannelSendError(_) | CdpError::NoResponse | CdpError::Io(_) => {
            handle.mark_dead();
            crashed(op, e.to_string())
        }
        CdpError::Timeout => {
            if handle.probe(PROBE_LIMIT).await {
                BrowserError::Timeout { op: op.to_string(), timeout_ms: 0 }
            } else {
                crashed(op, "a CDP call timed out and the browser did not answer a probe")
            }
        }
        CdpError::JavascriptException(details) => BrowserError::Js(exception_message(&details)),
        other => {
            if !handle.is_alive() {
                crashed(op, other.to_string())
            } else {
                BrowserError::Cdp { op: op.to_string(), reason: other.to_string() }
            }
        }
    }
}

/// The useful part of a JS exception: the first line of the thrown value's description, or the text.
pub(crate) fn exception_message(details: &ExceptionDetails) -> String {
    if let Some(exc) = &details.exception {
        if let Some(desc) = &exc.description {
            return desc.lines().next().unwrap_or(desc).to_string();
        }
        if let Some(v) = &exc.value {
            return match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
        }
    }
    details.text.clone()
}

/// Evaluates `expr` in the page's main world, returning the JSON value (promises awaited when `await_promise`).
pub(crate) async fn evaluate(
    handle: &BrowserHandle,
    page: &Page,
    op: &str,
    limit: Duration,
    expr: String,
    await_promise: bool,
) -> Result<serde_json::Value> {
    let params = EvaluateParams::builder()
        .expression(expr)
        .return_by_value(true)
        .await_promise(await_promise)
        .user_gesture(true)
        .build()
        .map_err(|e| BrowserError::Invalid(format!("bad evaluate parameters: {e}")))?;
    let resp = guarded(handle, op, limit, page.execute(params)).await?;
    if let Some(details) = &resp.result.exception_details {
        return Err(BrowserError::Js(exception_message(details)));
    }
    Ok(resp.result.result.value.clone().unwrap_or(serde_json::Value::Null))
}

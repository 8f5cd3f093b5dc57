//! The connection loop (HTTP/1.1 on hyper) with the limits that keep slow or numerous clients from holding the server:
//! a request's headers must arrive within `header_timeout` (an idle keep-alive connection is closed after the same
//! time), its body within `request_timeout` of its headers (else 408 and the connection closes), and at most
//! `max_connections` connections are open at once (one more is answered 503 and closed).
//!
//! On shutdown the listener closes first, then every connection finishes the request in flight and closes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::errors::{ApiError, ApiErrorKind};

pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// How long clients may take and how many may be connected.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest wait for a request's headers (and the idle time of a keep-alive connection).
    pub header_timeout: Duration,
    /// Longest wait for a request's whole body once its headers are in.
    pub request_timeout: Duration,
    /// Open connections at most; more are answered 503.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then let open connections finish their request.
pub(crate) async fn run(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            stream = browser_ai_mlops_core::sites::server::accept(&listener) => stream,
            () = &mut shutdown => break,
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tokio::spawn(refuse(stream, limits.max_connections));
            continue;
        };
        let connection =
            graceful.watch(builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone())));
        tokio::spawn(async move {
            // A failed connection (client gone, timed out, malformed request) concerns only that client.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Answer a connection beyond the limit with 503 and close it, reading (briefly) what the client sent so the close
/// does not reset the connection before the answer is read.
async fn refuse(mut stream: TcpStream, max: usize) {
    let body = serde_json::to_string(
        &ApiError::unavailable(format!(
            "the server has {max} open connections, its limit (--max-connections); retry later"
        ))
        .body(),
    )
    .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(50), stream.read(&mut sink)).await;
    if stream.write_all(response.as_bytes()).await.is_ok() {
        let _ = stream.shutdown().await;
        let drain = async {
            let mut total = 0usize;
            while let Ok(n @ 1..) = stream.read(&mut sink).await {
                total += n;
                if total > 64 * 1024 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
    }
}

/// What the body deadline needs: the time allowed and the largest body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    pub(crate) timeout: Duration,
    pub(crate) max_bytes: usize,
}

/// Middleware: read the whole request body within the request timeout (408 and close otherwise) and within the body
/// limit (413), so a client trickling its body cannot hold a connection and a handler for minutes.
pub(crate) async fn body_deadline(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let limits = BodyLimits {
        max_bytes: super::routes::body_limit_of(parts.uri.path()).map_or(limits.max_bytes, |l| l.max(limits.max_bytes)),
        ..limits
    };
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buffer = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?;
            if buffer.len() + chunk.len() > limits.max_bytes {
                return Err(ApiError::too_large(limits.max_bytes));
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(buffer)
    };
    match tokio::time::timeout(limits.timeout, read).await {
        Ok(Ok(buffer)) => next.run(Request::from_parts(parts, Body::from(buffer))).await,
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                ApiErrorKind::BadRequest,
                format!(
                    "the request body did not arrive within {} s (--request-timeout)",
                    limits.timeout.as_secs_f64()
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
            response
        }
    }
}

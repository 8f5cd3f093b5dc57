//! Server mode (`browser-ai-mlops serve`): the operation table over HTTP with axum. `/healthz`, `/readyz`, `/metrics`
//! (Prometheus, computed from the store), `POST /api/v1/<domain>/<verb>` for every operation of the core's table that
//! may be reached over the network (streaming ones answer server-sent events), the OpenAPI document derived from the
//! same table, and optionally the web UI at `/`.
//! Bearer-token auth (hash only, constant-time compare), a body size limit, one JSON error shape, CORS only when
//! configured, and a graceful shutdown that lets in-flight requests finish and then closes the store.
//!
//! `routes` mounts the table with no per-operation code; `auth` hashes the token with SHA-256 at start and compares
//! each request's hashed bearer token in constant time (`subtle`); `schema` turns the api types' `specta::Type`
//! descriptions into JSON Schema (serde renames, `rename_all`, defaults, `Option`, and the external, internal,
//! adjacent and untagged enum forms) for `openapi`, whose tests compare each schema's properties with the keys serde
//! writes; `static_ui` serves `--ui-dir` with an `index.html` fallback.
//!
//! Exposure: `host` refuses requests for names the server does not answer to (DNS rebinding), `headers` adds the
//! CSP and anti-framing headers to every response, and `listen` runs the connections with header and body timeouts
//! and a connection limit (docs/guide/server.md, "Security").

pub mod auth;
pub mod errors;
pub mod headers;
pub mod host;
pub mod idempotency;
pub mod listen;
pub mod openapi;
pub mod routes;
pub mod schema;
pub mod static_ui;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

pub use listen::Limits;

use auth::{Access, Auth};
use browser_ai_mlops_core::error::ErrorKind;
use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::{Core, Error};
use errors::{ApiError, ApiErrorKind};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
pub const ENV_TOKEN: &str = "BROWSER_AI_MLOPS_TOKEN";

/// How to run the server (built by `cli::serve` from flags; no clap in here).
#[derive(Clone)]
pub struct ServeOptions {
    pub bind: SocketAddr,
    /// The bearer token in plain text; hashed at start and dropped.
    pub token: Option<String>,
    /// Allow running without a token (only on a loopback address).
    pub no_auth: bool,
    /// Reads (and /metrics) need no token; mutating routes still do.
    pub public_read: bool,
    pub max_body_bytes: usize,
    pub cors_origins: Vec<String>,
    pub ui_dir: Option<PathBuf>,
    /// Interval of the system-health sampler (`None`: the config's; zero: no sampler).
    pub health_interval: Option<std::time::Duration>,
    /// Names (besides the bound address) the server answers to in `Host`: `--public-host`.
    pub public_hosts: Vec<String>,
    /// Timeouts and the connection limit.
    pub limits: Limits,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "no bearer token: set {ENV_TOKEN} or pass --token-file PATH (at least {} random characters, e.g. `openssl rand -hex 32`), or --no-auth to serve without one on a loopback address",
        auth::MIN_TOKEN_LEN
    )]
    NoToken,
    #[error(
        "--no-auth is only allowed on a loopback address, not {bind}; configure a token with --token or {ENV_TOKEN}"
    )]
    NoAuthNotLoopback { bind: SocketAddr },
    #[error("--no-auth and a token (--token or {ENV_TOKEN}) were both given; pick one")]
    NoAuthWithToken,
    #[error(
        "the bearer token is too weak: {reason}; use at least {} random characters, e.g. `openssl rand -hex 32`",
        auth::MIN_TOKEN_LEN
    )]
    WeakToken { reason: String },
    #[error(transparent)]
    PublicHost(#[from] host::BadPublicHost),
    #[error("--{flag} must be at least 1")]
    ZeroLimit { flag: &'static str },
    #[error("--max-body-bytes must be at least 1")]
    ZeroBodyLimit,
    #[error("--cors-origin {origin:?}: expected an origin like https://app.example.com (scheme://host[:port])")]
    BadOrigin { origin: String },
    #[error("--ui-dir {}: expected a directory containing index.html", path.display())]
    UiDir { path: PathBuf },
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Core(#[from] Error),
}

impl ServerError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ServerError::Bind { .. } | ServerError::Serve(_) => ErrorKind::Failed,
            ServerError::Core(e) => e.kind(),
            _ => ErrorKind::Input,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) core: Arc<Core>,
    pub(crate) auth: Auth,
    max_body: usize,
    openapi: Arc<serde_json::Value>,
    ui_dir: Option<Arc<PathBuf>>,
    pub(crate) shutdown: watch::Receiver<bool>,
}

/// Check the options and hash the token; the plain token does not outlive this call.
fn check_options(opts: &mut ServeOptions) -> Result<Auth, ServerError> {
    let token = opts.token.take().filter(|t| !t.is_empty());
    if opts.max_body_bytes == 0 {
        return Err(ServerError::ZeroBodyLimit);
    }
    let limits = &opts.limits;
    for (flag, zero) in [
        ("header-timeout", limits.header_timeout.is_zero()),
        ("request-timeout", limits.request_timeout.is_zero()),
        ("max-connections", limits.max_connections == 0),
    ] {
        if zero {
            return Err(ServerError::ZeroLimit { flag });
        }
    }
    for origin in &opts.cors_origins {
        let ok = url::Url::parse(origin)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.path() == "/")
            .is_some_and(|_| !origin.ends_with('/'));
        if !ok {
            return Err(ServerError::BadOrigin { origin: origin.clone() });
        }
    }
    if let Some(dir) = opts.ui_dir.as_ref().filter(|d| !d.join("index.html").is_file()) {
        return Err(ServerError::UiDir { path: dir.clone() });
    }
    match (token, opts.no_auth) {
        (Some(_), true) => Err(ServerError::NoAuthWithToken),
        (None, false) => Err(ServerError::NoToken),
        (None, true) if !opts.bind.ip().is_loopback() => Err(ServerError::NoAuthNotLoopback { bind: opts.bind }),
        (None, true) => Ok(Auth::new(None, opts.public_read)),
        (Some(t), false) => match auth::weakness(&t) {
            Some(reason) => Err(ServerError::WeakToken { reason }),
            None => Ok(Auth::new(Some(&t), opts.public_read)),
        },
    }
}

/// Run the server until `shutdown` resolves: bind, call `on_bound` with the real address (port 0 → the chosen
/// port), serve, then stop accepting, let in-flight requests finish, stop running evaluation jobs, flush the
/// tracker and close the store.
pub async fn serve(
    core: Arc<Core>,
    mut opts: ServeOptions,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let auth = check_options(&mut opts)?;
    let hosts = Arc::new(host::HostPolicy::new(opts.bind, &opts.public_hosts)?);
    core.store().await?;
    // System health is sampled (and alert rules evaluated) for as long as the server runs.
    let sampler = match opts.health_interval {
        Some(interval) if interval.is_zero() => None,
        interval => match browser_ai_mlops_core::api::health::start_sampler(&core, interval).await {
            Ok(handle) => Some(handle),
            Err(e) => {
                eprintln!("server: health sampling is off: {e}");
                None
            }
        },
    };
    let openapi = Arc::new(openapi::document(&auth));
    let listener = tokio::net::TcpListener::bind(opts.bind)
        .await
        .map_err(|source| ServerError::Bind { bind: opts.bind, source })?;
    let local = listener.local_addr().map_err(ServerError::Serve)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = AppState {
        // Network callers may not name files on this machine or probe its secrets.
        core: Arc::new(core.for_remote_callers()),
        auth,
        max_body: opts.max_body_bytes,
        openapi,
        ui_dir: opts.ui_dir.clone().map(Arc::new),
        shutdown: stop_rx,
    };
    let app = router(state, &opts, hosts);
    on_bound(local);
    listen::run(listener, app, opts.limits, async move {
        shutdown.await;
        // Ends open event streams, so the graceful shutdown does not wait for them.
        let _ = stop_tx.send(true);
    })
    .await;
    drop(sampler);
    let closed = browser_ai_mlops_core::api::shutdown(&core).await;
    if let Ok(aborted @ 1..) = closed {
        eprintln!("server: stopped {aborted} running evaluation job(s); resume them to finish");
    }
    closed?;
    Ok(())
}

fn router(state: AppState, opts: &ServeOptions, hosts: Arc<host::HostPolicy>) -> Router {
    let body_limits = listen::BodyLimits { timeout: opts.limits.request_timeout, max_bytes: opts.max_body_bytes };
    let app = Router::new()
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(openapi_doc));
    let mut app = routes::mount(app)
        .fallback(fallback)
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, ApiErrorKind::BadRequest, "method not allowed on this route")
        })
        .layer(DefaultBodyLimit::max(opts.max_body_bytes))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(body_limits, listen::body_deadline))
        .layer(axum::middleware::from_fn_with_state(hosts, host::check));
    if !opts.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> =
            opts.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        app = app.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    app.layer(axum::middleware::from_fn(headers::add))
}

/// Read the body, insisting on JSON (which also makes cross-site form posts impossible without CORS).
pub(crate) fn json_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(state.max_body)
        } else {
            ApiError::bad_request(format!("cannot read the request body: {rejection}"))
        }
    })?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiErrorKind::BadRequest,
            "expected the header `Content-Type: application/json`",
        ));
    }
    Ok(body)
}

async fn readyz(State(state): State<AppState>) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let store = state.core.store().await.map_err(|e| ApiError::unavailable(format!("store unavailable: {e}")))?;
    let version = store.schema_version().await.map_err(|e| ApiError::unavailable(format!("store unreachable: {e}")))?;
    let supported = Store::supported_schema_version();
    if version != supported {
        return Err(ApiError::unavailable(format!(
            "database schema version {version} differs from this binary's {supported}"
        )));
    }
    Ok(axum::Json(serde_json::json!({"status": "ready", "schema_version": version})))
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    auth::authorize(&state.core, &state.auth, &headers, Access::Read).await?;
    let store = state.core.store().await?;
    let text = browser_ai_mlops_core::metrics::exposition::render(store).await.map_err(Error::from)?;
    let mut response = text.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(prometheus::TEXT_FORMAT));
    Ok(response)
}

async fn openapi_doc(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    auth::authorize(&state.core, &state.auth, &headers, Access::Read).await?;
    Ok(axum::Json(state.openapi.as_ref().clone()).into_response())
}

async fn fallback(State(state): State<AppState>, method: Method, uri: Uri) -> Response {
    if let Some(root) = state.ui_dir.as_ref().filter(|_| method == Method::GET && !uri.path().starts_with("/api/")) {
        return static_ui::serve(root, uri.path()).await;
    }
    ApiError::not_found(format!("no route {method} {}", uri.path())).into_response()
}

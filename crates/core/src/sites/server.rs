//! The site server: axum on `127.0.0.1:0` serving the embedded sites (and optionally a MiniWoB directory under
//! `/__miniwob/`), plus the backend endpoint `POST /__backend/submit` that records form submissions per attempt.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{
    ATTEMPT_PREFIX, MAX_SUBMISSION_BYTES, SiteError, content_type, normalize_path, parse_site_url, percent_decode,
    site_file, site_names, valid_attempt,
};

/// Path prefix under which a MiniWoB directory is served.
pub const MINIWOB_PREFIX: &str = "__miniwob";

/// One form submission the backend received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Submission {
    /// Short printable id, also returned to the page (order number, reference…).
    pub id: String,
    /// The attempt whose page sent it (`""` for pages served without an attempt prefix).
    pub attempt: String,
    pub site: String,
    pub form: String,
    /// Field values as strings (non-string JSON values are kept as their JSON text).
    pub fields: BTreeMap<String, String>,
    pub received_at_ms: i64,
}

struct ServerState {
    submissions: Mutex<Vec<Submission>>,
    seq: AtomicU64,
    miniwob_dir: Option<PathBuf>,
}

/// A running site server; stops on [`SiteServer::shutdown`] or when dropped.
pub struct SiteServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SiteServer {
    /// Start serving the bundled sites on `127.0.0.1` with a free port.
    pub async fn start() -> Result<SiteServer, SiteError> {
        SiteServer::start_with(None).await
    }

    /// Start serving the bundled sites and, when given, a MiniWoB `html` directory under `/__miniwob/`.
    pub async fn start_with(miniwob_dir: Option<&Path>) -> Result<SiteServer, SiteError> {
        let miniwob_dir = match miniwob_dir {
            Some(dir) => Some(
                std::fs::canonicalize(dir)
                    .map_err(|source| SiteError::MiniwobDir { dir: dir.display().to_string(), source })?,
            ),
            None => None,
        };
        let state = Arc::new(ServerState { submissions: Mutex::new(Vec::new()), seq: AtomicU64::new(0), miniwob_dir });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.map_err(SiteError::Bind)?;
        let addr = listener.local_addr().map_err(SiteError::Bind)?;
        let router = Router::new()
            .route("/__backend/submit", post(submit).layer(DefaultBodyLimit::max(MAX_SUBMISSION_BYTES)))
            .fallback(serve)
            .with_state(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            let _ = serving.await;
        });
        Ok(SiteServer { addr, state, stop: Some(stop), task: Some(task) })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Turn `site://shop/cart.html` into `http://127.0.0.1:PORT/shop/cart.html` (unscoped); other URLs unchanged.
    pub fn resolve(&self, url: &str) -> String {
        match parse_site_url(url) {
            Some(u) => format!("{}/{}/{}{}", self.base_url(), u.site, u.path, u.rest),
            None => url.to_string(),
        }
    }

    /// Like [`SiteServer::resolve`] but under the attempt's prefix: `http://127.0.0.1:PORT/a/<attempt>/shop/…`.
    pub fn resolve_for(&self, attempt: &str, url: &str) -> Result<String, SiteError> {
        if !valid_attempt(attempt) {
            return Err(SiteError::InvalidAttempt(attempt.to_string()));
        }
        Ok(match parse_site_url(url) {
            Some(u) => format!("{}/{ATTEMPT_PREFIX}/{attempt}/{}/{}{}", self.base_url(), u.site, u.path, u.rest),
            None => url.to_string(),
        })
    }

    /// URL of a file in the MiniWoB directory (`rel` like `miniwob/click-test.html`), when one is served.
    pub fn miniwob_url(&self, rel: &str) -> Option<String> {
        self.state.miniwob_dir.as_ref().map(|_| format!("{}/{MINIWOB_PREFIX}/{}", self.base_url(), rel))
    }

    /// A fresh attempt id, unique for this server.
    pub fn new_attempt(&self) -> String {
        let seq = self.state.seq.fetch_add(1, Ordering::Relaxed);
        let random = uuid::Uuid::now_v7().as_u128() as u16;
        format!("t{seq}-{random:04x}")
    }

    /// Submissions received from pages of `attempt` (`""`: unscoped pages), oldest first.
    pub fn submissions(&self, attempt: &str) -> Vec<Submission> {
        match self.state.submissions.lock() {
            Ok(all) => all.iter().filter(|s| s.attempt == attempt).cloned().collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Forget the submissions of one attempt (e.g. when an attempt is retried under the same id).
    pub fn clear_submissions(&self, attempt: &str) {
        if let Ok(mut all) = self.state.submissions.lock() {
            all.retain(|s| s.attempt != attempt);
        }
    }

    /// Stop accepting connections and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    site: String,
    form: String,
    #[serde(default)]
    fields: serde_json::Map<String, serde_json::Value>,
}

fn json_response(status: StatusCode, value: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

/// The attempt of the page that sent a request, from its `Referer` path `/a/<attempt>/…`; `""` otherwise.
fn attempt_from_referer(headers: &HeaderMap) -> String {
    let Some(referer) = headers.get(header::REFERER).and_then(|v| v.to_str().ok()) else { return String::new() };
    let after_scheme = referer.split_once("://").map(|(_, rest)| rest).unwrap_or(referer);
    let path = after_scheme.find('/').map(|i| &after_scheme[i..]).unwrap_or("");
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(ATTEMPT_PREFIX), Some(attempt), Some(_)) if valid_attempt(attempt) => attempt.to_string(),
        _ => String::new(),
    }
}

async fn submit(State(state): State<Arc<ServerState>>, headers: HeaderMap, body: Bytes) -> Response {
    let parsed: SubmitBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            let error = format!("malformed submission: {e} (expected {{\"site\", \"form\", \"fields\"}})");
            return json_response(StatusCode::BAD_REQUEST, serde_json::json!({"ok": false, "error": error}));
        }
    };
    let fields = parsed
        .fields
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    let seq = state.seq.fetch_add(1, Ordering::Relaxed);
    let random = uuid::Uuid::now_v7().as_u128() as u16;
    let id = format!("{random:04X}{seq:04}");
    let submission = Submission {
        id: id.clone(),
        attempt: attempt_from_referer(&headers),
        site: parsed.site,
        form: parsed.form,
        fields,
        received_at_ms: crate::util::now_ms(),
    };
    match state.submissions.lock() {
        Ok(mut all) => all.push(submission),
        Err(_) => {
            let error = "submission store is unavailable";
            return json_response(StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({"ok": false, "error": error}));
        }
    }
    json_response(StatusCode::OK, serde_json::json!({"ok": true, "id": id}))
}

fn plain(status: StatusCode, text: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text.to_string()).into_response()
}

fn file_response(path: &str, bytes: Body, head: bool) -> Response {
    let mut response = if head { Body::empty().into_response() } else { bytes.into_response() };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, value)]).into_response(),
        Err(_) => plain(StatusCode::BAD_REQUEST, "bad path"),
    }
}

/// GET/HEAD for everything but the backend: sites, attempt-scoped sites and the MiniWoB directory.
async fn serve(State(state): State<Arc<ServerState>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD are served here");
    }
    let head = method == Method::HEAD;
    let raw = uri.path();
    let Some(decoded) = percent_decode(raw) else { return plain(StatusCode::BAD_REQUEST, "malformed path escape") };
    let Some(segments) = normalize_path(&decoded) else {
        return plain(StatusCode::BAD_REQUEST, "path traversal refused");
    };
    let trailing = decoded.ends_with('/');
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    match segments.as_slice() {
        [first, rest @ ..] if *first == MINIWOB_PREFIX => serve_miniwob(&state, rest, head).await,
        [first, attempt, site, rest @ ..] if *first == ATTEMPT_PREFIX => {
            if !valid_attempt(attempt) {
                return plain(StatusCode::NOT_FOUND, "not found");
            }
            serve_site(&format!("/{ATTEMPT_PREFIX}/{attempt}"), site, rest, trailing, &query, head)
        }
        [site, rest @ ..] => serve_site("", site, rest, trailing, &query, head),
        [] => plain(StatusCode::NOT_FOUND, "not found: the sites live at /<site>/"),
    }
}

fn serve_site(prefix: &str, site: &str, rest: &[&str], trailing: bool, query: &str, head: bool) -> Response {
    if !site_names().contains(&site) {
        return plain(StatusCode::NOT_FOUND, "no such site");
    }
    if rest.is_empty() && !trailing {
        return redirect(&format!("{prefix}/{site}/{query}"));
    }
    let mut path = rest.join("/");
    if trailing && !rest.is_empty() {
        path.push('/');
    }
    match site_file(site, &path) {
        Some(bytes) => {
            let name = if path.is_empty() || path.ends_with('/') { "index.html" } else { path.as_str() };
            file_response(name, Body::from(bytes), head)
        }
        None => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

async fn serve_miniwob(state: &ServerState, rest: &[&str], head: bool) -> Response {
    let Some(root) = state.miniwob_dir.as_ref() else { return plain(StatusCode::NOT_FOUND, "no MiniWoB directory") };
    let mut path = root.clone();
    path.extend(rest);
    let Ok(real) = tokio::fs::canonicalize(&path).await else { return plain(StatusCode::NOT_FOUND, "not found") };
    if !real.starts_with(root) || !real.is_file() {
        return plain(StatusCode::NOT_FOUND, "not found");
    }
    match tokio::fs::read(&real).await {
        Ok(bytes) => file_response(&real.to_string_lossy(), Body::from(bytes), head),
        Err(_) => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_comes_from_the_referer_path() {
        let mut h = HeaderMap::new();
        assert_eq!(attempt_from_referer(&h), "");
        h.insert(header::REFERER, HeaderValue::from_static("http://127.0.0.1:9/a/t3-00ff/shop/checkout.html?x"));
        assert_eq!(attempt_from_referer(&h), "t3-00ff");
        h.insert(header::REFERER, HeaderValue::from_static("http://127.0.0.1:9/shop/checkout.html"));
        assert_eq!(attempt_from_referer(&h), "");
        h.insert(header::REFERER, HeaderValue::from_static("http://127.0.0.1:9/a/bad!id/shop/"));
        assert_eq!(attempt_from_referer(&h), "");
    }
}

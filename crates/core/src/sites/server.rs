//! The site server: hyper (HTTP/1.1) on `127.0.0.1:0` serving the embedded sites (and optionally a MiniWoB
//! directory under `/__miniwob/`), plus the backend endpoint `POST /__backend/submit` that records form submissions
//! per attempt.
//!
//! Attempts are scoped by path: `new_attempt()` returns an id such as `t3-9f1c`, and `resolve_for(&attempt,
//! "site://shop/")` gives `http://127.0.0.1:PORT/a/t3-9f1c/shop/`. The sites' links are relative, so an agent stays
//! under its prefix; a submission is filed under the attempt named by its `Referer`'s `/a/<attempt>/…` (pages opened
//! without a prefix file theirs under the attempt `""`), and `submissions(&attempt)` returns only that attempt's. The
//! backend answers `{"ok": true, "id": …}` with a short printable id, or `400 {"ok": false, "error": …}`.
//!
//! Routing is by hand: the exact (undecoded) path `/__backend/submit` is the backend and takes only POST (anything
//! else there is `405` with `Allow: POST`); every other path is a GET/HEAD file lookup. Every response carries a
//! `Content-Length`, and HEAD responses keep the length of the GET body but send none.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{
    ATTEMPT_PREFIX, MAX_SUBMISSION_BYTES, SiteError, content_type, normalize_path, parse_site_url, percent_decode,
    site_file, site_names, valid_attempt,
};

/// Path prefix under which a MiniWoB directory is served.
pub const MINIWOB_PREFIX: &str = "__miniwob";

/// The backend endpoint pages post their forms to (matched on the raw request path).
const SUBMIT_PATH: &str = "/__backend/submit";

type Response = hyper::Response<Full<Bytes>>;

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
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(SiteError::Bind)?;
        let addr = listener.local_addr().map_err(SiteError::Bind)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, state.clone(), stopped));
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

    /// Stop accepting connections, let open connections finish their current request, and wait for the server task
    /// to end.
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
    /// Signal the stop; the task then winds down in the background (as [`SiteServer::shutdown`] without the wait).
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The accept loop: one task per connection (HTTP/1.1, keep-alive) until the stop signal (sent, or its sender
/// dropped); then the listener closes, every open connection is asked to shut down gracefully (finish the request in
/// flight, then close) and the loop returns once all of them are gone.
async fn run(listener: TcpListener, state: Arc<ServerState>, mut stopped: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            stream = accept(&listener) => stream,
            _ = &mut stopped => break,
        };
        let state = state.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            let state = state.clone();
            async move { Ok::<_, Infallible>(handle(&state, request).await) }
        });
        let connection = graceful.watch(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A failed connection (client gone, malformed request) concerns only that client.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The next accepted connection. Per-connection failures (reset or aborted before the accept) are skipped; other
/// errors (e.g. out of file descriptors) are retried after a second rather than spinning. The HTTP server's
/// connection loop uses it too.
pub async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::ConnectionReset
                ) => {}
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// Route one request, then give the response its `Content-Length` (the body's size, unless already set) and, for
/// HEAD, drop the body.
async fn handle(state: &ServerState, request: Request<Incoming>) -> Response {
    let head = request.method() == Method::HEAD;
    let mut response = if request.uri().path() == SUBMIT_PATH {
        if request.method() == Method::POST { submit(state, request).await } else { method_not_allowed() }
    } else {
        serve(state, request.method(), request.uri()).await
    };
    if !response.headers().contains_key(header::CONTENT_LENGTH)
        && let Some(len) = response.body().size_hint().exact()
    {
        response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if head {
        *response.body_mut() = Full::default();
    }
    response
}

fn response(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut response = hyper::Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

/// `405` for anything but POST on the backend endpoint.
fn method_not_allowed() -> Response {
    let mut response = response(StatusCode::METHOD_NOT_ALLOWED, Bytes::new());
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
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
    let mut response = response(status, value.to_string());
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
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

/// Read the whole body, refusing more than [`MAX_SUBMISSION_BYTES`] (`413`, as soon as the limit is crossed).
async fn read_body(body: Incoming) -> Result<Bytes, Response> {
    match Limited::new(body, MAX_SUBMISSION_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => {
            Err(plain(StatusCode::PAYLOAD_TOO_LARGE, "Failed to buffer the request body: length limit exceeded"))
        }
        Err(e) => Err(plain(StatusCode::BAD_REQUEST, &format!("Failed to buffer the request body: {e}"))),
    }
}

async fn submit(state: &ServerState, request: Request<Incoming>) -> Response {
    let (parts, body) = request.into_parts();
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
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
        attempt: attempt_from_referer(&parts.headers),
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
    let mut response = response(status, text.to_string());
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

fn file_response(path: &str, bytes: Bytes, head: bool) -> Response {
    let mut response = response(StatusCode::OK, if head { Bytes::new() } else { bytes });
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = response(StatusCode::MOVED_PERMANENTLY, Bytes::new());
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => plain(StatusCode::BAD_REQUEST, "bad path"),
    }
}

/// GET/HEAD for everything but the backend: sites, attempt-scoped sites and the MiniWoB directory.
async fn serve(state: &ServerState, method: &Method, uri: &Uri) -> Response {
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
        [first, rest @ ..] if *first == MINIWOB_PREFIX => serve_miniwob(state, rest, head).await,
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
            file_response(name, Bytes::from_static(bytes), head)
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
        Ok(bytes) => file_response(&real.to_string_lossy(), Bytes::from(bytes), head),
        Err(_) => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A parsed HTTP/1.1 response: status, headers (lower-case names) and the raw body bytes.
    struct Raw {
        status: u16,
        headers: BTreeMap<String, String>,
        body: Vec<u8>,
    }

    /// Send `method path` with extra header lines and a body over a fresh connection (`Connection: close`), exactly
    /// as written (no client normalises the path), and read the whole answer.
    async fn raw(addr: SocketAddr, method: &str, path: &str, extra: &str, body: &[u8]) -> Raw {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let length = if body.is_empty() && method != "POST" {
            String::new()
        } else {
            format!("Content-Length: {}\r\n", body.len())
        };
        let head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}{length}\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).await.unwrap();
        parse(&bytes)
    }

    fn parse(bytes: &[u8]) -> Raw {
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
        let head = std::str::from_utf8(&bytes[..split]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Raw { status, headers, body: bytes[split + 4..].to_vec() }
    }

    async fn get(addr: SocketAddr, path: &str) -> Raw {
        raw(addr, "GET", path, "", b"").await
    }

    async fn post_submit(addr: SocketAddr, extra: &str, body: &[u8]) -> Raw {
        raw(addr, "POST", SUBMIT_PATH, extra, body).await
    }

    /// A submission JSON body padded with spaces to exactly `len` bytes.
    fn body_of_len(len: usize) -> Vec<u8> {
        let core = br#"{"site":"shop","form":"f","fields":{"k":"v"}}"#;
        let mut body = core[..core.len() - 1].to_vec();
        body.resize(len - 1, b' ');
        body.push(b'}');
        body
    }

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

    #[tokio::test]
    async fn site_files_have_their_type_length_and_no_store() {
        let server = SiteServer::start().await.unwrap();
        let r = get(server.addr(), "/shop/").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
        assert_eq!(r.headers["cache-control"], "no-store");
        assert_eq!(r.body, site_file("shop", "").unwrap());
        assert_eq!(r.headers["content-length"], r.body.len().to_string());
        let r = get(server.addr(), "/a/t1-00aa/shop/style.css?v=2").await;
        assert_eq!((r.status, r.headers["content-type"].as_str()), (200, "text/css; charset=utf-8"));
        assert_eq!(r.body, site_file("shop", "style.css").unwrap());
        // HEAD: the same headers, no body.
        let r = raw(server.addr(), "HEAD", "/shop/cart.html", "", b"").await;
        assert_eq!((r.status, r.headers["content-type"].as_str()), (200, "text/html; charset=utf-8"));
        assert_eq!(r.headers["cache-control"], "no-store");
        assert!(r.body.is_empty());
        server.shutdown().await;
    }

    #[tokio::test]
    async fn redirects_unknown_sites_and_methods() {
        let server = SiteServer::start().await.unwrap();
        let a = server.addr();
        let r = get(a, "/shop?x=1").await;
        assert_eq!((r.status, r.headers["location"].as_str()), (301, "/shop/?x=1"));
        let r = get(a, "/a/t2-0001/news").await;
        assert_eq!((r.status, r.headers["location"].as_str()), (301, "/a/t2-0001/news/"));
        for (path, text) in [
            ("/nosite/", "no such site"),
            ("/a/t1/nosite/x.html", "no such site"),
            ("/shop/nothing.html", "not found"),
            ("/a/bad!id/shop/", "not found"),
            ("/", "not found: the sites live at /<site>/"),
            ("/__miniwob/core/core.js", "no MiniWoB directory"),
        ] {
            let r = get(a, path).await;
            assert_eq!(r.status, 404, "{path}");
            assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8", "{path}");
            assert_eq!(String::from_utf8_lossy(&r.body), text, "{path}");
        }
        let r = raw(a, "POST", "/shop/", "", b"{}").await;
        assert_eq!(r.status, 405);
        assert_eq!(String::from_utf8_lossy(&r.body), "only GET and HEAD are served here");
        for method in ["GET", "HEAD", "PUT"] {
            let r = raw(a, method, SUBMIT_PATH, "", b"").await;
            assert_eq!((r.status, r.headers["allow"].as_str()), (405, "POST"), "{method}");
            assert!(r.body.is_empty());
        }
        // Only the exact raw path is the backend; other spellings are file lookups (which refuse POST).
        for path in ["/__backend/submit/", "/__backend/%73ubmit", "/__backend//submit"] {
            assert_eq!(raw(a, "POST", path, "", b"{}").await.status, 405, "{path}");
            assert_eq!(get(a, path).await.status, 404, "{path}");
        }
        server.shutdown().await;
    }

    #[tokio::test]
    async fn traversal_and_bad_escapes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("html")).unwrap();
        std::fs::write(dir.path().join("html/page.html"), "<html>in</html>").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        let server = SiteServer::start_with(Some(&dir.path().join("html"))).await.unwrap();
        let a = server.addr();
        for path in [
            "/shop/../forms/index.html",
            "/../shop/index.html",
            "/shop/%2e%2e/%2e%2e/etc/passwd",
            "/shop/..%5c..%5cCargo.toml",
            "/a/t1/shop/../../../x",
            "/__miniwob/../secret.txt",
            "/__miniwob/%2E%2E/secret.txt",
            "/__miniwob/./page.html",
        ] {
            let r = get(a, path).await;
            assert_eq!(r.status, 400, "{path}");
            assert_eq!(String::from_utf8_lossy(&r.body), "path traversal refused", "{path}");
        }
        for path in ["/shop/%zz", "/shop/%ff", "/shop/%2"] {
            assert_eq!(String::from_utf8_lossy(&get(a, path).await.body), "malformed path escape", "{path}");
        }
        server.shutdown().await;
    }

    #[tokio::test]
    async fn the_miniwob_directory_is_served_under_its_prefix_and_nothing_outside() {
        let dir = tempfile::tempdir().unwrap();
        let html = dir.path().join("html");
        std::fs::create_dir_all(html.join("core")).unwrap();
        std::fs::write(html.join("core/core.js"), "var core = 1;").unwrap();
        std::fs::write(html.join("click.html"), "<html>click</html>").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), html.join("escape.txt")).unwrap();
        let server = SiteServer::start_with(Some(&html)).await.unwrap();
        let a = server.addr();
        assert_eq!(server.miniwob_url("click.html").unwrap(), format!("{}/__miniwob/click.html", server.base_url()));
        let r = get(a, "/__miniwob/core/core.js").await;
        assert_eq!((r.status, r.headers["content-type"].as_str()), (200, "text/javascript; charset=utf-8"));
        assert_eq!(r.headers["cache-control"], "no-store");
        assert_eq!(r.body, b"var core = 1;");
        let r = get(a, "/__miniwob//click.html?seed=3").await;
        assert_eq!((r.status, r.body.as_slice()), (200, b"<html>click</html>".as_slice()));
        // A directory, a missing file and a symlink pointing outside the root are all "not found".
        for path in ["/__miniwob/core", "/__miniwob/", "/__miniwob/nothing.html", "/__miniwob/escape.txt"] {
            assert_eq!(get(a, path).await.status, 404, "{path}");
        }
        assert_eq!(SiteServer::start().await.unwrap().miniwob_url("x.html"), None);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn submissions_up_to_the_limit_are_recorded_and_bigger_ones_refused_with_413() {
        let server = SiteServer::start().await.unwrap();
        let a = server.addr();
        let referer = "Referer: http://127.0.0.1/a/t9-beef/shop/checkout.html\r\n";
        let r = post_submit(a, referer, &body_of_len(MAX_SUBMISSION_BYTES)).await;
        assert_eq!((r.status, r.headers["content-type"].as_str()), (200, "application/json"));
        let answer: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(answer["ok"], true);
        let recorded = server.submissions("t9-beef");
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].id, answer["id"].as_str().unwrap());
        assert_eq!((recorded[0].site.as_str(), recorded[0].fields["k"].as_str()), ("shop", "v"));

        let r = post_submit(a, referer, &body_of_len(MAX_SUBMISSION_BYTES + 1)).await;
        assert_eq!((r.status, r.headers["content-type"].as_str()), (413, "text/plain; charset=utf-8"));
        assert_eq!(String::from_utf8_lossy(&r.body), "Failed to buffer the request body: length limit exceeded");
        // Chunked (no Content-Length up front) is limited the same way.
        let big = body_of_len(MAX_SUBMISSION_BYTES + 10);
        let mut chunked = Vec::new();
        for chunk in big.chunks(10_000) {
            chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            chunked.extend_from_slice(chunk);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let mut stream = TcpStream::connect(a).await.unwrap();
        let head = format!(
            "POST {SUBMIT_PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n{referer}\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let _ = stream.write_all(&chunked).await;
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes).await;
        assert_eq!(parse(&bytes).status, 413);
        // Far over the limit, through an ordinary client.
        let huge = format!("{{\"site\":\"s\",\"form\":\"f\",\"fields\":{{\"x\":\"{}\"}}}}", "a".repeat(200_000));
        let r = reqwest::Client::new().post(format!("{}{SUBMIT_PATH}", server.base_url())).body(huge).send().await;
        assert_eq!(r.unwrap().status(), 413);
        assert_eq!(server.submissions("t9-beef").len(), 1, "refused bodies are not recorded");
        assert!(server.submissions("").is_empty());
        server.shutdown().await;
    }

    #[tokio::test]
    async fn submissions_are_parsed_strictly_and_kept_per_attempt() {
        let server = SiteServer::start().await.unwrap();
        let a = server.addr();
        for bad in [&b"{not json"[..], b"", br#"{"site":"shop"}"#, br#"{"site":"s","form":"f","extra":1}"#] {
            let r = post_submit(a, "", bad).await;
            assert_eq!((r.status, r.headers["content-type"].as_str()), (400, "application/json"));
            let answer: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(answer["ok"], false);
            assert!(answer["error"].as_str().unwrap().starts_with("malformed submission: "), "{answer}");
        }
        let body = br#"{"site":"forms","form":"contact","fields":{"n":2,"t":"x","b":true,"z":null}}"#;
        assert_eq!(post_submit(a, "", body).await.status, 200);
        let r =
            raw(a, "POST", &format!("{SUBMIT_PATH}?from=test"), "Referer: http://h/a/t1-0001/forms/\r\n", body).await;
        assert_eq!(r.status, 200);
        let unscoped = server.submissions("");
        assert_eq!(unscoped.len(), 1);
        let fields: Vec<(&str, &str)> = unscoped[0].fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(fields, [("b", "true"), ("n", "2"), ("t", "x"), ("z", "null")]);
        assert_eq!(server.submissions("t1-0001").len(), 1);
        server.clear_submissions("t1-0001");
        assert!(server.submissions("t1-0001").is_empty());
        assert_eq!(server.submissions("").len(), 1);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn shutdown_closes_idle_keep_alive_connections_and_stops_listening() {
        let server = SiteServer::start().await.unwrap();
        let addr = server.addr();
        // A keep-alive connection that has finished one request and stays open.
        let mut idle = TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"GET /shop/cart.html HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut first = [0u8; 12];
        idle.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        tokio::time::timeout(Duration::from_secs(5), server.shutdown())
            .await
            .expect("shutdown waits for no idle client");
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut rest)).await;
        assert!(read.expect("the idle connection is closed").is_ok());
        assert!(TcpStream::connect(addr).await.is_err(), "nothing listens after shutdown");
    }

    #[tokio::test]
    async fn dropping_the_server_stops_it() {
        let server = SiteServer::start().await.unwrap();
        let addr = server.addr();
        assert_eq!(get(addr, "/shop/").await.status, 200);
        drop(server);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(addr).await.is_ok() {
            assert!(tokio::time::Instant::now() < deadline, "still listening 5 s after drop");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

//! A tiny static web server on 127.0.0.1:0 for tests and benchmarks: serves a directory (directories get their
//! `index.html`; `/dir` redirects to `/dir/`) plus in-memory pages, and `/__hang`, a page that never finishes
//! loading. Not for production use: no caching, no range requests.
//!
//! `pg` starts a throw-away PostgreSQL cluster. `fuzz` holds the fuzzing entry points (the parsers and the operation
//! table on a temporary store), shared by the libFuzzer targets in `fuzz/` and the corpus replay test.

pub mod fuzz;
pub mod pg;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

struct Site {
    root: Option<PathBuf>,
    pages: HashMap<String, String>,
}

/// A running server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn serve(State(site): State<Arc<Site>>, req: Request<Body>) -> Response {
    let path = req.uri().path().to_string();
    if path == "/__hang" {
        // Never answers: a navigation to it never finishes loading.
        futures::future::pending::<()>().await;
    }
    if let Some(html) = site.pages.get(&path) {
        return ([(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html.clone())
            .into_response();
    }
    let Some(root) = &site.root else { return StatusCode::NOT_FOUND.into_response() };
    let rel = PathBuf::from(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut file = root.join(&rel);
    if file.is_dir() {
        if !path.ends_with('/') {
            return Redirect::permanent(&format!("{path}/")).into_response();
        }
        file = file.join("index.html");
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&file)))], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

impl TestServer {
    /// Serves `root` (if any) and the in-memory `pages` (path → HTML, e.g. `("/bench.html", html)`).
    pub async fn start(root: Option<PathBuf>, pages: Vec<(String, String)>) -> std::io::Result<TestServer> {
        let site = Arc::new(Site { root, pages: pages.into_iter().collect() });
        let app = Router::new().fallback(serve).with_state(site);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(TestServer { addr, task })
    }

    /// `http://127.0.0.1:PORT` + `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

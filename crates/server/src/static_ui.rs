//! Serving the built web UI from `--ui-dir DIR` at `/`: a file when the path names one inside DIR, else
//! `index.html` (so client-side routes like `/experiments/42` load the app). Paths with `..` or other non-normal
//! components are refused, so nothing outside DIR is ever read.

use std::path::{Component, Path, PathBuf};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::errors::ApiError;

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// The file under `root` that `url_path` names, if it is a safe relative path to an existing file.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let candidate = root.join(relative);
    candidate.is_file().then_some(candidate)
}

/// Answer a GET for `url_path` from `root`.
pub async fn serve(root: &Path, url_path: &str) -> Response {
    let file = resolve(root, url_path).unwrap_or_else(|| root.join("index.html"));
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut response = (StatusCode::OK, bytes).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&file)));
            response
        }
        Err(e) => ApiError::not_found(format!("UI file {}: {e}", file.display())).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_inside_the_root_resolve() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.js"), "x").unwrap();
        assert_eq!(resolve(dir.path(), "/app.js"), Some(dir.path().join("app.js")));
        assert_eq!(resolve(dir.path(), "/../etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "/experiments/42"), None);
    }
}

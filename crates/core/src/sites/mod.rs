//! The bundled benchmark sites (`benchmarks/sites/<site>/`), embedded in the binary, and the local server that serves
//! them on `127.0.0.1` (see `server`). This file holds the embedded files, path handling shared by the server and
//! the suite validator (`site://` URLs, content types, traversal-safe path normalisation) and the module's error.
//!
//! Per-attempt scoping: every task attempt gets its own URL prefix `/a/<attempt>/<site>/…` on one shared server.
//! Links inside the sites are relative, so the agent stays under its prefix; the pages post to the absolute
//! `/__backend/submit`, and the server reads the attempt from the request's `Referer` (same-origin requests carry the
//! full page URL). Pages served without a prefix (`/<site>/…`) record their submissions under the unscoped attempt
//! `""`. Concurrent attempts therefore never see each other's submissions.

pub mod server;

use include_dir::{Dir, include_dir};

pub use server::{SiteServer, Submission};

use crate::kind::ErrorKind;

/// The sites, embedded at build time.
pub static SITES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../benchmarks/sites");

/// URL scheme tasks use for bundled sites: `site://<site>/<path>`.
pub const SITE_SCHEME: &str = "site://";

/// Path prefix for attempt-scoped pages: `/a/<attempt>/<site>/…`.
pub const ATTEMPT_PREFIX: &str = "a";

/// Most bytes a submission body may have.
pub const MAX_SUBMISSION_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("cannot start the site server on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    #[error("invalid attempt id {0:?}: use 1 to 64 characters from [A-Za-z0-9_-]")]
    InvalidAttempt(String),
    #[error("{url:?} is not a site URL: {detail}")]
    InvalidUrl { url: String, detail: String },
    #[error("{dir}: MiniWoB directory not found or unreadable: {source}")]
    MiniwobDir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
}

impl SiteError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            SiteError::Bind(_) => ErrorKind::Failed,
            SiteError::InvalidAttempt(_) | SiteError::InvalidUrl { .. } => ErrorKind::Input,
            SiteError::MiniwobDir { .. } => ErrorKind::NotFound,
        }
    }
}

/// Names of the bundled sites (top-level directories), sorted.
pub fn site_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> =
        SITES.dirs().filter_map(|d| d.path().file_name().and_then(|n| n.to_str())).collect();
    names.sort_unstable();
    names
}

/// The embedded file at `site/path` (`path` empty or ending in `/` means its `index.html`).
pub fn site_file(site: &str, path: &str) -> Option<&'static [u8]> {
    let path = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.to_string() };
    let full = format!("{site}/{path}");
    let clean = normalize_path(&full)?;
    SITES.get_file(clean.join("/")).map(|f| f.contents())
}

/// A `site://` URL split into site, path (without query or fragment) and the rest (`?…#…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteUrl {
    pub site: String,
    pub path: String,
    pub rest: String,
}

/// Parse `site://shop/cart.html?x=1` (→ site `shop`, path `cart.html`, rest `?x=1`); `site://shop` means
/// `site://shop/`. `None` when the URL does not use the `site://` scheme.
pub fn parse_site_url(url: &str) -> Option<SiteUrl> {
    let tail = url.strip_prefix(SITE_SCHEME)?;
    let split = tail.find(['?', '#']).unwrap_or(tail.len());
    let (location, rest) = tail.split_at(split);
    let (site, path) = location.split_once('/').unwrap_or((location, ""));
    Some(SiteUrl { site: site.to_string(), path: path.to_string(), rest: rest.to_string() })
}

/// Check that a `site://` URL names an existing site and file; returns a readable problem otherwise.
pub fn check_site_url(url: &str) -> Result<(), String> {
    let Some(parsed) = parse_site_url(url) else { return Ok(()) };
    if !site_names().contains(&parsed.site.as_str()) {
        return Err(format!("unknown site {:?} (bundled sites: {})", parsed.site, site_names().join(", ")));
    }
    if site_file(&parsed.site, &parsed.path).is_none() {
        return Err(format!("site {:?} has no page {:?}", parsed.site, parsed.path));
    }
    Ok(())
}

/// Content type by file extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Percent-decode one path; `None` for malformed escapes or non-UTF-8 results.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Split a decoded relative path into safe segments: empty segments are dropped; `.`, `..`, backslashes and NULs
/// make the whole path refused (`None`), so nothing can climb out of the served directory.
pub fn normalize_path(path: &str) -> Option<Vec<&str>> {
    let mut segments = Vec::new();
    for seg in path.split('/') {
        if seg.is_empty() {
            continue;
        }
        if seg == "." || seg == ".." || seg.contains('\\') || seg.contains('\0') {
            return None;
        }
        segments.push(seg);
    }
    Some(segments)
}

/// Whether `attempt` is a valid attempt id: 1 to 64 of `[A-Za-z0-9_-]`.
pub fn valid_attempt(attempt: &str) -> bool {
    (1..=64).contains(&attempt.len()) && attempt.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_seven_sites_are_embedded_with_an_index() {
        let names = site_names();
        assert_eq!(names, vec!["dynamic", "forms", "news", "portal", "search", "shop", "table"]);
        for site in names {
            assert!(site_file(site, "").is_some(), "{site} has no index.html");
        }
        assert!(site_file("shop", "cart.html").is_some());
        assert!(site_file("shop", "../forms/index.html").is_none());
    }

    #[test]
    fn site_urls_parse() {
        let u = parse_site_url("site://shop/product.html?id=x#top").unwrap();
        assert_eq!((u.site.as_str(), u.path.as_str(), u.rest.as_str()), ("shop", "product.html", "?id=x#top"));
        let u = parse_site_url("site://shop").unwrap();
        assert_eq!((u.site.as_str(), u.path.as_str()), ("shop", ""));
        assert_eq!(parse_site_url("http://x/"), None);
        assert!(check_site_url("site://shop/cart.html").is_ok());
        assert!(check_site_url("site://nope/").unwrap_err().contains("unknown site"));
        assert!(check_site_url("site://shop/nothing.html").unwrap_err().contains("no page"));
    }

    #[test]
    fn traversal_is_refused_and_escapes_decode() {
        assert_eq!(normalize_path("shop//cart.html"), Some(vec!["shop", "cart.html"]));
        assert_eq!(normalize_path("shop/../etc"), None);
        assert_eq!(normalize_path("shop/..\\x"), None);
        assert_eq!(percent_decode("%2e%2E/x%20y").as_deref(), Some("../x y"));
        assert_eq!(percent_decode("%zz"), None);
        assert!(
            valid_attempt("a-1_B") && !valid_attempt("") && !valid_attempt("a/b") && !valid_attempt(&"x".repeat(65))
        );
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert!(content_type("style.css").starts_with("text/css"));
        assert!(content_type("shop.js").starts_with("text/javascript"));
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}

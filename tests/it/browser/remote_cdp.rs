//! A remote browser over `browser.cdp_url`: a Chromium the test starts itself (mandatory flags, fresh profile,
//! `--remote-debugging-port=0`), a pool of isolated contexts in it checked through its own `/json/list`, the remote
//! browser left running after the pool shuts down, and a dead endpoint as an error naming the URL. The CLI test of an
//! evaluation attempt through `cdp_url` is in `evaluator/run.rs` and uses `RemoteChromium` from here.

use std::path::PathBuf;
use std::time::Duration;

use browser_ai_mlops_core::browser::{BrowserError, BrowserOptions, BrowserPool, Session, StateOptions};
use browser_ai_mlops_testkit::TestServer;
use serde_json::json;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/fixtures/pages")
}

fn options() -> BrowserOptions {
    BrowserOptions { op_timeout: Duration::from_secs(15), window_width: 1280, window_height: 900, ..Default::default() }
}

async fn open(pool: &BrowserPool, url: &str) -> Session {
    let mut s = pool.session().await.expect("session");
    s.goto(url).await.expect("goto");
    s
}

/// A Chromium the test starts itself with the mandatory flags, a fresh profile and `--remote-debugging-port=0`; the
/// DevTools websocket URL comes from `<profile>/DevToolsActivePort`. Killed (and its profile removed) on drop.
pub(crate) struct RemoteChromium {
    child: std::process::Child,
    _profile: tempfile::TempDir,
    pub port: u16,
    pub ws_url: String,
}

impl RemoteChromium {
    pub fn start(extra_args: &[&str]) -> RemoteChromium {
        let profile = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("/usr/bin/chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra_args)
            .arg("about:blank")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start /usr/bin/chromium");
        let file = profile.path().join("DevToolsActivePort");
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let (port, path) = loop {
            // Line 1 is the port, line 2 the browser target's path; the file may exist before both are written.
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next())
                && let Ok(port) = port.trim().parse::<u16>()
                && path.starts_with("/devtools/browser/")
            {
                break (port, path.trim().to_string());
            }
            assert!(std::time::Instant::now() < deadline, "chromium wrote no DevToolsActivePort in 60 s");
            std::thread::sleep(Duration::from_millis(100));
        };
        RemoteChromium { child, _profile: profile, port, ws_url: format!("ws://127.0.0.1:{port}{path}") }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The browser's own list of targets (`/json/list`): what is really open in THIS browser.
    pub async fn page_urls(&self) -> Vec<String> {
        let list: serde_json::Value =
            reqwest::get(format!("http://127.0.0.1:{}/json/list", self.port)).await.unwrap().json().await.unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .filter(|t| t["type"] == "page")
            .map(|t| t["url"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// `page_urls` for tests that run without a runtime.
    pub fn page_urls_blocking(&self) -> Vec<String> {
        tokio::runtime::Runtime::new().unwrap().block_on(self.page_urls())
    }

    /// True while the browser still answers on its DevTools HTTP endpoint.
    pub async fn answers(&self) -> bool {
        reqwest::get(format!("http://127.0.0.1:{}/json/version", self.port))
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}

impl Drop for RemoteChromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `ws://` URL on a port where nothing listens (bound, then released).
pub(crate) fn dead_cdp_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("ws://127.0.0.1:{port}/devtools/browser/gone")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_browser_hosts_isolated_sessions_and_is_left_running() {
    let remote = RemoteChromium::start(&[]);
    let server = TestServer::start(Some(fixtures()), vec![]).await.unwrap();
    let opts = BrowserOptions {
        cdp_url: Some(remote.ws_url.clone()),
        // Were anything launched instead of connecting, this executable would fail the session.
        executable: Some(PathBuf::from("/nonexistent/chromium-must-not-launch")),
        ..options()
    };
    let pool = BrowserPool::new(opts.clone(), 2);
    let (a, b) = futures::future::join(
        open(&pool, &server.url("/page2.html?remote=a")),
        open(&pool, &server.url("/page2.html?remote=b")),
    )
    .await;
    assert!(pool.browser_pids().await.is_empty(), "a remote browser has no local process");
    assert_eq!(a.browser_pid(), None);
    let open_pages = remote.page_urls().await;
    for which in ["a", "b"] {
        let url = server.url(&format!("/page2.html?remote={which}"));
        assert!(open_pages.contains(&url), "{url} is open in the remote browser: {open_pages:?}");
    }
    // Each session is its own browser context there, with the configured viewport.
    a.eval_js("localStorage.setItem('who', 'a'); document.cookie = 'who=a'").await.unwrap();
    assert_eq!(b.eval_js("[localStorage.getItem('who'), document.cookie]").await.unwrap(), json!([null, ""]));
    assert_eq!(a.eval_js("[innerWidth, innerHeight]").await.unwrap(), json!([1280, 900]));
    let mut a = a;
    a.goto(&server.url("/visibility.html")).await.unwrap();
    let state = a.state(StateOptions::default()).await.unwrap();
    assert!(state.elements.iter().any(|e| e.text == "Shadow button"), "{}", state.serialized);
    a.close().await.unwrap();
    b.close().await.unwrap();
    let open_pages = remote.page_urls().await;
    assert!(!open_pages.iter().any(|u| u.contains("remote=")), "closed sessions leave no tabs: {open_pages:?}");

    // Shutting the pool down disconnects but leaves the remote browser running; a new pool can use it again.
    pool.shutdown().await;
    assert!(remote.answers().await, "the remote browser was not closed");
    let again = BrowserPool::new(opts, 1);
    let s = open(&again, &server.url("/page2.html?remote=again")).await;
    assert!(remote.page_urls().await.contains(&server.url("/page2.html?remote=again")));
    s.close().await.unwrap();
    again.shutdown().await;
    assert!(remote.answers().await);
    assert!(remote.pid() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_remote_endpoint_is_an_error_naming_the_url() {
    let url = dead_cdp_url();
    let pool = BrowserPool::new(BrowserOptions { cdp_url: Some(url.clone()), ..BrowserOptions::default() }, 1);
    let err = pool.session().await.unwrap_err();
    assert!(matches!(err, BrowserError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
    let pool =
        BrowserPool::new(BrowserOptions { cdp_url: Some("file:///tmp/x".into()), ..BrowserOptions::default() }, 1);
    let err = pool.session().await.unwrap_err().to_string();
    assert!(err.contains("file:///tmp/x") && err.contains("ws://"), "{err}");
}

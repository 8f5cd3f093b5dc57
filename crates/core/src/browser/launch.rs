//! Starting Chromium: the engine's options (from the environment config), finding the executable, launching it with
//! the required flags and a fresh profile directory (or connecting to a remote `ws://` CDP endpoint), and the handle
//! that keeps the CDP connection polled and notices when the browser dies.
//!
//! User view: `docs/guide/evaluation.md` (which browser).
//!
//! - `BrowserOptions::from_config` reads the `browser:` config section.
//! - Lookup order: `browser.executable_path`, `$CHROME`, then `chromium`, `chromium-browser`, `google-chrome`,
//!   `google-chrome-stable` on `PATH` and the usual install paths (`/usr/bin/…`, `/snap/bin/chromium`,
//!   `/opt/google/chrome/chrome`; on macOS `/Applications/Google Chrome.app/…` and `Chromium.app`, also under the home
//!   directory; on Windows `…\chrome.exe` under Program Files). The error for "not found" lists every place searched.
//! - Launch flags: `--disable-gpu`, `--disable-quic`, `--no-first-run`, `--disable-background-networking`,
//!   `--disable-component-update`, `--disable-sync`, headless unless `browser.headless` is off (plus chromiumoxide's defaults), and a fresh
//!   `--user-data-dir` under the temp dir, removed when the browser closes. Window size, user agent and proxy come from
//!   the config; `timeout_secs` bounds every page operation.
//! - Sandbox: Chromium keeps its sandbox unless the process runs as root (euid 0, where Chromium refuses to start
//!   sandboxed, as in most containers and CI) or `BROWSER_AI_MLOPS_NO_SANDBOX=1` asks for `--no-sandbox` (kernels
//!   without user namespaces). Pages of the agent are untrusted; the sandbox is what confines a renderer exploit.
//! - `browser.cdp_url`: a `ws(s)://` URL is used as is; for `http(s)://` the websocket is read from `/json/version`.
//!   Nothing is launched; the pool connects (20 s limit), every session is its own browser context there with the
//!   configured viewport, closing a session disposes its context and tabs, and shutting the pool down only disconnects.
//!   `pool.browser_pids()` is empty. Failures read `could not connect to the CDP endpoint ws://…: <reason>`.
//! - Tests (`tests/it/browser/remote_cdp.rs`): start `/usr/bin/chromium` with `--remote-debugging-port=0`, read the URL
//!   from `<profile>/DevToolsActivePort`, and check that two sessions appear in that browser's `/json/list`, share
//!   neither cookies nor `localStorage`, and leave no tab; an evaluation through `--set browser.cdp_url=…` passes a
//!   `js` check that sees the remote browser's unique user agent.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::browser::GetVersionParams;
use chromiumoxide::handler::HandlerConfig;
use chromiumoxide::handler::viewport::Viewport;
use futures::StreamExt;
use tokio::sync::RwLock;

use super::guard::Interceptor;
use super::{BrowserError, Result};
use crate::config::BrowserConfig as BrowserSection;

/// How the engine starts and drives Chromium.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserOptions {
    /// A local Chromium binary; when `None`, `CHROME` and the usual install paths are searched.
    pub executable: Option<PathBuf>,
    /// A remote Chromium's DevTools endpoint (`ws://…` or `http://host:port`); takes precedence over launching.
    pub cdp_url: Option<String>,
    pub headless: bool,
    /// Keep Chromium's sandbox (off when running as root in containers).
    pub sandbox: bool,
    pub window_width: u32,
    pub window_height: u32,
    pub user_agent: Option<String>,
    pub proxy: Option<String>,
    /// Limit for every page operation (navigation, script, input event).
    pub op_timeout: Duration,
    /// Domains the agent may visit; empty means any (see `policy`).
    pub allowed_domains: Vec<String>,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        BrowserOptions {
            executable: None,
            cdp_url: None,
            headless: true,
            sandbox: false,
            window_width: 1280,
            window_height: 900,
            user_agent: None,
            proxy: None,
            op_timeout: Duration::from_secs(30),
            allowed_domains: Vec::new(),
        }
    }
}

impl BrowserOptions {
    /// Options from the `browser:` section of the environment config. The sandbox is on where it can start (see
    /// [`sandbox_available`]).
    pub fn from_config(c: &BrowserSection) -> BrowserOptions {
        BrowserOptions {
            executable: c.executable_path.as_ref().filter(|p| !p.trim().is_empty()).map(PathBuf::from),
            cdp_url: c.cdp_url.clone().filter(|u| !u.trim().is_empty()),
            headless: c.headless,
            sandbox: sandbox_available(),
            window_width: c.window_width,
            window_height: c.window_height,
            user_agent: c.user_agent.clone(),
            proxy: c.proxy.clone(),
            op_timeout: Duration::from_secs(u64::from(c.timeout_secs.max(1))),
            allowed_domains: c.allowed_domains.clone(),
        }
    }
}

/// The environment variable that turns Chromium's sandbox off (`1`), for kernels that cannot run it.
pub const NO_SANDBOX_VAR: &str = "BROWSER_AI_MLOPS_NO_SANDBOX";

/// True unless the process runs as root (Chromium does not start sandboxed as root) or [`NO_SANDBOX_VAR`] is `1`.
pub fn sandbox_available() -> bool {
    let opted_out = std::env::var(NO_SANDBOX_VAR).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
    !opted_out && !running_as_root()
}

/// The effective user is root: on Linux `/proc/self` belongs to the process's effective user.
fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Candidate executables in search order for this platform (absolute paths and bare names looked up on PATH).
fn candidates() -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    if cfg!(target_os = "macos") {
        c.push("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome".into());
        c.push("/Applications/Chromium.app/Contents/MacOS/Chromium".into());
        if let Some(home) = std::env::var_os("HOME") {
            let home = PathBuf::from(home);
            c.push(home.join("Applications/Google Chrome.app/Contents/MacOS/Google Chrome").display().to_string());
            c.push(home.join("Applications/Chromium.app/Contents/MacOS/Chromium").display().to_string());
        }
    } else if cfg!(windows) {
        for var in ["PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"] {
            if let Some(base) = std::env::var_os(var) {
                let base = PathBuf::from(base);
                c.push(base.join("Google\\Chrome\\Application\\chrome.exe").display().to_string());
                c.push(base.join("Chromium\\Application\\chrome.exe").display().to_string());
            }
        }
        c.push("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe".into());
        c.push("C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe".into());
    } else {
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            c.push(name.into());
        }
        for path in [
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
            "/usr/bin/google-chrome-stable",
            "/snap/bin/chromium",
            "/opt/google/chrome/chrome",
        ] {
            c.push(path.into());
        }
    }
    c
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Finds Chromium: the explicit option, then the `CHROME` env var, then the usual install locations. The error lists
/// everything that was tried.
pub fn find_chromium(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(BrowserError::MissingExecutable { path: p.display().to_string() })
        };
    }
    let mut searched = Vec::new();
    if let Some(env) = std::env::var_os("CHROME").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(&env);
        if p.is_file() {
            return Ok(p);
        }
        searched.push(format!("$CHROME ({})", p.display()));
    } else {
        searched.push("$CHROME (unset)".into());
    }
    for cand in candidates() {
        if Path::new(&cand).is_absolute() {
            if Path::new(&cand).is_file() {
                return Ok(PathBuf::from(cand));
            }
            searched.push(cand);
        } else {
            if let Some(p) = on_path(&cand) {
                return Ok(p);
            }
            searched.push(format!("{cand} on PATH"));
        }
    }
    Err(BrowserError::NotFound { searched })
}

/// One running (or connected) browser: the CDP client, a liveness flag the handler task clears when the connection
/// ends, the process id, and the profile directory to remove on close.
pub struct BrowserHandle {
    pub(crate) browser: RwLock<Browser>,
    alive: Arc<AtomicBool>,
    pid: Option<u32>,
    profile_dir: Option<PathBuf>,
    handler_task: tokio::task::JoinHandle<()>,
    /// The allow-list filter of this browser's sessions (see `guard`).
    pub(crate) interceptor: Arc<Interceptor>,
}

impl std::fmt::Debug for BrowserHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserHandle").field("pid", &self.pid).field("alive", &self.is_alive()).finish()
    }
}

/// How long connecting to a remote CDP endpoint may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// The emulated viewport of every page (launched or remote): the configured window size at scale 1.
fn viewport(options: &BrowserOptions) -> Viewport {
    Viewport {
        width: options.window_width,
        height: options.window_height,
        device_scale_factor: Some(1.0),
        emulating_mobile: false,
        is_landscape: false,
        has_touch: false,
    }
}

fn fresh_profile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("browser-ai-mlops-chromium-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir)
        .map_err(|source| BrowserError::Io { context: format!("creating profile dir {}", dir.display()), source })?;
    Ok(dir)
}

impl BrowserHandle {
    /// Launches a local Chromium or connects to `options.cdp_url`.
    pub async fn start(options: &BrowserOptions) -> Result<BrowserHandle> {
        match &options.cdp_url {
            Some(url) => Self::connect(url, options).await,
            None => Self::launch(options).await,
        }
    }

    /// Connects to a running Chromium's DevTools endpoint (`ws://…/devtools/browser/<id>`, or `http://host:port`,
    /// whose `/json/version` names the websocket). Nothing is launched and no process or profile is owned: closing
    /// only disconnects. Pages get the same viewport and operation timeout as a launched browser's.
    pub async fn connect(url: &str, options: &BrowserOptions) -> Result<BrowserHandle> {
        let shown = crate::util::mask_url(url);
        let fail =
            |reason: String| BrowserError::Connect { url: shown.clone(), reason: crate::util::mask_urls_in(&reason) };
        let parsed = url::Url::parse(url).map_err(|e| fail(format!("not a URL ({e})")))?;
        if !matches!(parsed.scheme(), "ws" | "wss" | "http" | "https") {
            return Err(fail(format!("expected a ws:// (or http://) DevTools URL, got scheme {:?}", parsed.scheme())));
        }
        let config = HandlerConfig {
            viewport: Some(viewport(options)),
            request_timeout: options.op_timeout,
            ..HandlerConfig::default()
        };
        let connecting = Browser::connect_with_config(url.to_string(), config);
        let (browser, handler) = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return Err(fail(e.to_string())),
            Err(_) => return Err(fail(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()))),
        };
        Ok(Self::wrap(browser, handler, None, None))
    }

    async fn launch(options: &BrowserOptions) -> Result<BrowserHandle> {
        let exe = find_chromium(options.executable.as_deref())?;
        let profile = fresh_profile_dir()?;
        let mut builder = BrowserConfig::builder()
            .chrome_executable(&exe)
            .user_data_dir(&profile)
            .window_size(options.window_width, options.window_height)
            .viewport(viewport(options))
            .request_timeout(options.op_timeout)
            .launch_timeout(Duration::from_secs(30))
            .args(["disable-gpu", "disable-quic", "disable-component-update", "disable-sync"])
            .args(["no-first-run", "disable-background-networking"]);
        if !options.headless {
            builder = builder.with_head();
        }
        if !options.sandbox {
            builder = builder.no_sandbox();
        }
        if let Some(ua) = &options.user_agent {
            builder = builder.arg(("user-agent", ua.as_str()));
        }
        if let Some(proxy) = &options.proxy {
            builder = builder.arg(("proxy-server", proxy.as_str()));
        }
        let config =
            builder.build().map_err(|reason| BrowserError::Launch { executable: exe.display().to_string(), reason })?;
        let (mut browser, handler) = match Browser::launch(config).await {
            Ok(pair) => pair,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&profile);
                return Err(BrowserError::Launch { executable: exe.display().to_string(), reason: e.to_string() });
            }
        };
        let pid = browser.get_mut_child().and_then(|c| c.as_mut_inner().id());
        Ok(Self::wrap(browser, handler, pid, Some(profile)))
    }

    fn wrap(
        browser: Browser,
        mut handler: chromiumoxide::Handler,
        pid: Option<u32>,
        profile_dir: Option<PathBuf>,
    ) -> BrowserHandle {
        let alive = Arc::new(AtomicBool::new(true));
        let flag = alive.clone();
        let handler_task = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(e) = event {
                    // Invalid messages are ignored by the handler itself; anything reaching here is the
                    // connection failing.
                    if matches!(e, chromiumoxide::error::CdpError::Ws(_) | chromiumoxide::error::CdpError::Io(_)) {
                        break;
                    }
                }
            }
            flag.store(false, Ordering::SeqCst);
        });
        BrowserHandle {
            browser: RwLock::new(browser),
            alive,
            pid,
            profile_dir,
            handler_task,
            interceptor: Arc::default(),
        }
    }

    /// False once the CDP connection has ended (process gone or websocket closed) or a health probe failed.
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst) && !self.handler_task.is_finished()
    }

    pub(crate) fn mark_dead(&self) {
        self.alive.store(false, Ordering::SeqCst);
    }

    /// The Chromium process id (None for a remote browser).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Asks the browser for its version within `limit`; marks it dead when it does not answer.
    pub async fn probe(&self, limit: Duration) -> bool {
        if !self.is_alive() {
            return false;
        }
        let browser = self.browser.read().await;
        let ok = matches!(tokio::time::timeout(limit, browser.execute(GetVersionParams::default())).await, Ok(Ok(_)));
        if !ok {
            self.mark_dead();
        }
        ok
    }

    /// Closes the browser (or disconnects from a remote one), waits for the process to exit and removes the profile.
    pub async fn close(&self) {
        let mut browser = self.browser.write().await;
        if self.pid.is_some() {
            if self.is_alive() {
                let _ = tokio::time::timeout(Duration::from_secs(3), browser.close()).await;
            }
            if tokio::time::timeout(Duration::from_secs(3), browser.wait()).await.is_err() {
                let _ = browser.kill().await;
            }
        }
        self.mark_dead();
        self.handler_task.abort();
        if let Some(dir) = &self.profile_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for BrowserHandle {
    fn drop(&mut self) {
        self.handler_task.abort();
        if let Some(browser) = self.browser.get_mut().get_mut_child() {
            let _ = browser.as_mut_inner().start_kill();
            let _ = browser.as_mut_inner().try_wait();
        }
        if let Some(dir) = &self.profile_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_missing_executable_is_named() {
        let err = find_chromium(Some(Path::new("/nonexistent/chrome-xyz"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/chrome-xyz"), "{err}");
    }

    #[test]
    fn options_follow_the_config_section() {
        let section = BrowserSection {
            headless: false,
            window_width: 1000,
            window_height: 700,
            user_agent: Some("UA".into()),
            proxy: None,
            timeout_secs: 7,
            allowed_domains: vec!["example.com".into()],
            executable_path: Some("/opt/c".into()),
            cdp_url: Some(String::new()),
        };
        let o = BrowserOptions::from_config(&section);
        assert_eq!(o.op_timeout, Duration::from_secs(7));
        assert_eq!(o.executable, Some(PathBuf::from("/opt/c")));
        assert_eq!(o.cdp_url, None, "an empty cdp_url means launch locally");
        assert_eq!((o.window_width, o.window_height, o.headless), (1000, 700, false));
        assert_eq!(o.allowed_domains, vec!["example.com".to_string()]);
        assert_eq!(o.sandbox, sandbox_available());
    }
}

//! One isolated browsing session: its own CDP browser context (no cookies or storage shared with other sessions),
//! its tabs (including the ones pages open themselves), and the page-level calls the agent loop and the evaluator
//! use: `state`, `goto`, `eval_js`, `current_url`, `screenshot_png`, `page_markdown`. Actions live in `actions.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, EventJavascriptDialogOpening, HandleJavaScriptDialogParams,
    NavigateParams,
};
use chromiumoxide::cdp::browser_protocol::target::{
    ActivateTargetParams, CloseTargetParams, CreateBrowserContextParams, CreateTargetParams, GetTargetsParams,
    TargetId, TargetInfo,
};
use futures::StreamExt;
use tokio::sync::OwnedSemaphorePermit;

use super::cdp::{evaluate, guarded};
use super::dom::{RawState, ScriptProfile, build_state, call_expression, install_expression, parse_raw};
use super::guard::{BlockedRequests, Interceptor, RequestGuard};
use super::launch::{BrowserHandle, BrowserOptions};
use super::markdown::{DEFAULT_MAX_CHARS, MARKDOWN_JS, tidy};
use super::policy::DomainPolicy;
use super::types::{PageState, TabInfo};
use super::{BrowserError, Result};

const READING: &str = "reading the page";

/// Parses the collector's JSON text into the raw state.
fn parse_collected(text: &str) -> Result<RawState> {
    parse_raw(text).map_err(|e| BrowserError::Cdp { op: READING.into(), reason: format!("unexpected DOM data: {e}") })
}

/// Where one `state()` call spent its time (milliseconds), for the benchmark's breakdown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StateTimings {
    /// The whole call.
    pub total_ms: f64,
    /// `Target.getTargets` (the tab list), concurrent with the collector.
    pub targets_ms: f64,
    /// The collector's `Runtime.evaluate` round trip(s): script, transfer of its JSON, CDP overhead.
    pub evaluate_ms: f64,
    /// Parsing the JSON text in Rust.
    pub parse_ms: f64,
    /// Building the elements, the serialisation and its hash.
    pub build_ms: f64,
    /// The page script's own phase timings, when asked for.
    pub script: Option<ScriptProfile>,
}

/// What `Session::state` should capture besides the DOM.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateOptions {
    /// Also take a PNG screenshot of the viewport.
    pub screenshot: bool,
    /// Draw each listed element's outline and index on the screenshot (removed from the page right after).
    pub mark_indexes: bool,
}

#[derive(Clone)]
pub(crate) struct Tab {
    pub target: TargetId,
    pub page: Page,
    pub url: String,
    pub title: String,
}

/// Draws the element indexes for a vision screenshot (see `marks.js`).
const MARK_JS: &str = include_str!("marks.js");

const UNMARK_JS: &str =
    "(function () { const l = document.getElementById('__bam_marks'); if (l) l.remove(); return true; })()";

/// An isolated browser context with its tabs. Close it with `close()`; dropping it disposes the context in the
/// background.
pub struct Session {
    pub(crate) handle: Arc<BrowserHandle>,
    context: Option<BrowserContextId>,
    pub(crate) tabs: Vec<Tab>,
    pub(crate) active: usize,
    pub(crate) op_timeout: Duration,
    pub(crate) policy: DomainPolicy,
    guard: Arc<RequestGuard>,
    _permit: Option<OwnedSemaphorePermit>,
    closed: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("tabs", &self.tabs.len()).field("active", &self.active).finish()
    }
}

/// Accepts `alert`/`confirm`/`prompt` dialogs on a tab so they never block the page.
async fn auto_accept_dialogs(page: &Page) {
    if let Ok(mut events) = page.event_listener::<EventJavascriptDialogOpening>().await {
        let page = page.clone();
        tokio::spawn(async move {
            while events.next().await.is_some() {
                let _ = page.execute(HandleJavaScriptDialogParams::new(true)).await;
            }
        });
    }
}

impl Session {
    /// Creates a fresh browser context with one blank tab.
    pub(crate) async fn open(
        handle: Arc<BrowserHandle>,
        options: &BrowserOptions,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Result<Session> {
        // Creating the context and its first tab is infrastructure, not a page operation: allow it more time on a
        // loaded machine even when page operations have a short limit.
        let limit = options.op_timeout.max(Duration::from_secs(20));
        let (context, page) = {
            let browser = handle.browser.read().await;
            let ctx = guarded(
                &handle,
                "create browser context",
                limit,
                browser.create_browser_context(CreateBrowserContextParams::default()),
            )
            .await?;
            let mut params = CreateTargetParams::new("about:blank");
            params.browser_context_id = Some(ctx.clone());
            let page = guarded(&handle, "open tab", limit, browser.new_page(params)).await?;
            (ctx, page)
        };
        auto_accept_dialogs(&page).await;
        let policy = DomainPolicy::new(&options.allowed_domains);
        let guard = RequestGuard::new(policy.clone());
        Interceptor::register(&handle, &context, &guard).await?;
        let tab = Tab { target: page.target_id().clone(), page, url: "about:blank".into(), title: String::new() };
        Ok(Session {
            handle,
            context: Some(context),
            tabs: vec![tab],
            active: 0,
            op_timeout: options.op_timeout,
            policy,
            guard,
            _permit: permit,
            closed: false,
        })
    }

    /// Requests the allow-list stopped so far (see `guard`).
    pub fn blocked_requests(&self) -> BlockedRequests {
        self.guard.blocked()
    }

    /// The operation timeout every page call runs under.
    pub fn op_timeout(&self) -> Duration {
        self.op_timeout
    }

    /// The process id of the Chromium this session runs in (None for a remote browser).
    pub fn browser_pid(&self) -> Option<u32> {
        self.handle.pid()
    }

    pub(crate) fn page(&self) -> Result<&Page> {
        self.tabs
            .get(self.active)
            .map(|t| &t.page)
            .ok_or_else(|| BrowserError::Invalid("the session has no open tab".into()))
    }

    pub(crate) async fn eval_internal(&self, op: &str, expr: String) -> Result<serde_json::Value> {
        evaluate(&self.handle, self.page()?, op, self.op_timeout, expr, false).await
    }

    /// Evaluates a JS expression on the active tab (promises are awaited) and returns its JSON value. A thrown
    /// exception is `BrowserError::Js` with the message; a script that never finishes is `BrowserError::Timeout`.
    pub async fn eval_js(&self, expr: &str) -> Result<serde_json::Value> {
        evaluate(&self.handle, self.page()?, "eval_js", self.op_timeout, expr.to_string(), true).await
    }

    /// The active tab's URL.
    pub async fn current_url(&self) -> Result<String> {
        let v = self.eval_internal("read URL", "location.href".into()).await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Opens `url` in the active tab and waits for it to load (the harness's start page: not subject to the
    /// agent's domain policy, but only http(s), about:blank and data: URLs are accepted).
    pub async fn goto(&mut self, url: &str) -> Result<()> {
        let parsed = url::Url::parse(url).map_err(|e| BrowserError::Invalid(format!("invalid URL {url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https" | "about" | "data") {
            return Err(BrowserError::Invalid(format!("refusing to open {url:?}: only http(s) URLs can be opened")));
        }
        self.guard.allow_start_page(url);
        self.navigate_active(url).await
    }

    /// Navigates the active tab and waits for the load event (bounded by the operation timeout).
    pub(crate) async fn navigate_active(&mut self, url: &str) -> Result<()> {
        let page = self.page()?.clone();
        let op = format!("loading {url}");
        let resp = guarded(&self.handle, &op, self.op_timeout, page.execute(NavigateParams::new(url))).await?;
        if let Some(err) = resp.result.error_text {
            return Err(BrowserError::Cdp { op, reason: err });
        }
        self.wait_loaded(&op, Duration::from_millis(0)).await
    }

    /// Waits (after `grace`) until the active document reports `readyState == "complete"`, or fails with a timeout
    /// after the operation timeout.
    pub(crate) async fn wait_loaded(&self, op: &str, grace: Duration) -> Result<()> {
        if !grace.is_zero() {
            tokio::time::sleep(grace).await;
        }
        let deadline = tokio::time::Instant::now() + self.op_timeout;
        loop {
            match self.eval_internal(op, "document.readyState".into()).await {
                Ok(v) if v.as_str() == Some("complete") => return Ok(()),
                Ok(_) => {}
                Err(e @ (BrowserError::Crashed { .. } | BrowserError::Timeout { .. })) => return Err(e),
                // The document is being replaced (no execution context yet): keep waiting.
                Err(_) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(self.timed_out(op));
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    /// The page as the model sees it; indexes the elements for the following actions.
    ///
    /// The tab list and the page are read concurrently (two CDP calls, one round trip of waiting); only when the tab
    /// refresh changed the active tab (it was closed) is the page read again, from the new active tab.
    pub async fn state(&mut self, options: StateOptions) -> Result<PageState> {
        Ok(self.state_timed(options, false).await?.0)
    }

    /// [`Self::state`] with the time each part took (for the benchmark); `prof` also asks the page script for its
    /// own phase timings.
    pub async fn state_timed(&mut self, options: StateOptions, prof: bool) -> Result<(PageState, StateTimings)> {
        let started = Instant::now();
        let before = self.tabs.get(self.active).map(|t| t.target.clone());
        let timed = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
        let (infos, text) = tokio::join!(
            async {
                let t = Instant::now();
                let r = self.target_infos().await;
                (r, timed(t))
            },
            async {
                let t = Instant::now();
                let r = self.collect_text(true, prof).await;
                (r, timed(t))
            }
        );
        let mut timings = StateTimings { targets_ms: infos.1, evaluate_ms: text.1, ..StateTimings::default() };
        self.apply_targets(infos.0?).await?;
        let text = if self.tabs.get(self.active).map(|t| &t.target) == before.as_ref() {
            text.0?
        } else {
            self.collect_text(true, prof).await?
        };
        let t = Instant::now();
        let raw = parse_collected(&text)?;
        timings.parse_ms = timed(t);
        timings.script = raw.prof;
        let t = Instant::now();
        let tabs = self.tab_infos();
        let mut state = build_state(raw, tabs);
        timings.build_ms = timed(t);
        if options.screenshot {
            let marked =
                options.mark_indexes && self.eval_internal("marking the elements", MARK_JS.to_string()).await.is_ok();
            let shot = self.screenshot_png().await;
            if marked {
                let _ = self.eval_internal("unmarking the elements", UNMARK_JS.to_string()).await;
            }
            state.screenshot_png = Some(shot?);
        }
        timings.total_ms = timed(started);
        Ok((state, timings))
    }

    /// Runs the collector on the active tab and parses its result.
    pub(crate) async fn collect(&self, mark: bool) -> Result<RawState> {
        parse_collected(&self.collect_text(mark, false).await?)
    }

    /// Runs the collector on the active tab: one CDP round trip whose result is one JSON string (two on the first
    /// call in a new document, which installs the collector there).
    async fn collect_text(&self, mark: bool, prof: bool) -> Result<String> {
        let mut value = self.eval_internal(READING, call_expression(mark, prof)).await?;
        if value.is_null() {
            value = self.eval_internal(READING, install_expression(mark, prof)).await?;
        }
        match value {
            serde_json::Value::String(text) => Ok(text),
            other => Err(BrowserError::Cdp {
                op: READING.into(),
                reason: format!("the DOM collector returned {other} instead of a JSON string"),
            }),
        }
    }

    /// URL and structure hash (`dom::structure_hash`: typed values left out) of the active tab without touching the
    /// element index (for `page_changed`).
    pub(crate) async fn fingerprint(&self) -> Result<(String, String)> {
        let raw = self.collect(false).await?;
        let url = raw.url.clone();
        Ok((url, super::dom::structure_hash(&build_state(raw, Vec::new()))))
    }

    /// PNG screenshot of the active tab's viewport.
    pub async fn screenshot_png(&self) -> Result<Vec<u8>> {
        let params = CaptureScreenshotParams { format: Some(CaptureScreenshotFormat::Png), ..Default::default() };
        let resp = guarded(&self.handle, "screenshot", self.op_timeout, self.page()?.execute(params)).await?;
        base64::engine::general_purpose::STANDARD
            .decode(AsRef::<str>::as_ref(&resp.result.data))
            .map_err(|e| BrowserError::Cdp { op: "screenshot".into(), reason: format!("bad PNG data: {e}") })
    }

    /// The active page as compact Markdown (truncated to ~24k characters).
    pub async fn page_markdown(&self) -> Result<String> {
        let v = self.eval_internal("converting the page to Markdown", format!("({MARKDOWN_JS})()")).await?;
        let raw = v.get("markdown").and_then(|m| m.as_str()).unwrap_or_default();
        Ok(tidy(raw, DEFAULT_MAX_CHARS))
    }

    fn timed_out(&self, op: &str) -> BrowserError {
        BrowserError::Timeout { op: op.to_string(), timeout_ms: self.op_timeout.as_millis() as u64 }
    }

    /// The session's tabs as of the last refresh.
    pub(crate) fn tab_infos(&self) -> Vec<TabInfo> {
        self.tabs
            .iter()
            .enumerate()
            .map(|(i, t)| TabInfo {
                index: i as u32,
                url: t.url.clone(),
                title: t.title.clone(),
                active: i == self.active,
            })
            .collect()
    }

    /// Current tab list (including tabs the pages opened themselves).
    pub async fn tabs(&mut self) -> Result<Vec<TabInfo>> {
        self.refresh_tabs().await?;
        Ok(self.tab_infos())
    }

    /// Syncs the tab list with the browser: drops closed tabs, appends new ones of this context (in the order they
    /// appear). Returns the positions of the new tabs.
    pub(crate) async fn refresh_tabs(&mut self) -> Result<Vec<usize>> {
        let infos = self.target_infos().await?;
        self.apply_targets(infos).await
    }

    /// The browser's targets (all contexts); empty once the session is closed.
    async fn target_infos(&self) -> Result<Vec<TargetInfo>> {
        if self.context.is_none() {
            return Ok(Vec::new());
        }
        let browser = self.handle.browser.read().await;
        Ok(guarded(&self.handle, "listing tabs", self.op_timeout, browser.execute(GetTargetsParams::default()))
            .await?
            .result
            .target_infos)
    }

    /// Applies a target list read by [`Self::target_infos`] to the session's tabs (see `refresh_tabs`).
    async fn apply_targets(&mut self, infos: Vec<TargetInfo>) -> Result<Vec<usize>> {
        let Some(ctx) = self.context.clone() else { return Ok(Vec::new()) };
        let mine: Vec<_> =
            infos.into_iter().filter(|t| t.r#type == "page" && t.browser_context_id.as_ref() == Some(&ctx)).collect();
        let active_target = self.tabs.get(self.active).map(|t| t.target.clone());
        self.tabs.retain(|t| mine.iter().any(|i| i.target_id == t.target));
        for tab in &mut self.tabs {
            if let Some(info) = mine.iter().find(|i| i.target_id == tab.target) {
                tab.url = info.url.clone();
                tab.title = info.title.clone();
            }
        }
        let mut added = Vec::new();
        for info in mine {
            if self.tabs.iter().any(|t| t.target == info.target_id) {
                continue;
            }
            if let Some(page) = self.attach_page(&info.target_id).await? {
                auto_accept_dialogs(&page).await;
                self.tabs.push(Tab { target: info.target_id.clone(), page, url: info.url, title: info.title });
                added.push(self.tabs.len() - 1);
            }
        }
        self.active = active_target
            .and_then(|t| self.tabs.iter().position(|x| x.target == t))
            .unwrap_or_else(|| self.tabs.len().saturating_sub(1));
        Ok(added)
    }

    /// The chromiumoxide page of a target, waiting (up to the operation timeout) until the client has attached to
    /// it. `None` when the target went away meanwhile; a tab that stays unattached is a timeout, never a tab silently
    /// left out of the list.
    async fn attach_page(&self, target: &TargetId) -> Result<Option<Page>> {
        let deadline = Instant::now() + self.op_timeout;
        loop {
            let found = {
                let browser = self.handle.browser.read().await;
                guarded(&self.handle, "attaching to a tab", self.op_timeout, browser.get_page(target.clone())).await
            };
            match found {
                Ok(page) => return Ok(Some(page)),
                Err(e @ (BrowserError::Crashed { .. } | BrowserError::Timeout { .. })) => return Err(e),
                Err(_) if Instant::now() >= deadline => {
                    if self.target_infos().await?.iter().any(|t| &t.target_id == target) {
                        return Err(self.timed_out("attaching to a tab"));
                    }
                    return Ok(None);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(25)).await,
            }
        }
    }

    /// Opens a new tab in this session's context and makes it active.
    pub(crate) async fn open_tab(&mut self, url: &str) -> Result<usize> {
        let Some(ctx) = self.context.clone() else {
            return Err(BrowserError::Invalid("the session is closed".into()));
        };
        let page = {
            let browser = self.handle.browser.read().await;
            let mut params = CreateTargetParams::new("about:blank");
            params.browser_context_id = Some(ctx);
            guarded(&self.handle, "open tab", self.op_timeout, browser.new_page(params)).await?
        };
        auto_accept_dialogs(&page).await;
        self.tabs.push(Tab { target: page.target_id().clone(), page, url: "about:blank".into(), title: String::new() });
        self.active = self.tabs.len() - 1;
        self.navigate_active(url).await?;
        Ok(self.active)
    }

    /// Makes tab `index` the active one.
    pub(crate) async fn switch_to(&mut self, index: usize) -> Result<()> {
        let target = self.tabs.get(index).map(|t| t.target.clone()).ok_or_else(|| {
            BrowserError::Invalid(format!("no tab {index}; open tabs are 0..={}", self.tabs.len().saturating_sub(1)))
        })?;
        self.active = index;
        let browser = self.handle.browser.read().await;
        guarded(&self.handle, "switch tab", self.op_timeout, browser.execute(ActivateTargetParams::new(target)))
            .await?;
        Ok(())
    }

    /// Closes tab `index`; the tab before it (or the first) becomes active.
    pub(crate) async fn close_tab_at(&mut self, index: usize) -> Result<()> {
        let tab = self.tabs.get(index).cloned().ok_or_else(|| BrowserError::Invalid(format!("no tab {index}")))?;
        {
            let browser = self.handle.browser.read().await;
            guarded(
                &self.handle,
                "close tab",
                self.op_timeout,
                browser.execute(CloseTargetParams::new(tab.target.clone())),
            )
            .await?;
        }
        // Closing is asynchronous in the browser: wait until the target is gone so that the next refresh does not
        // pick the closing tab up again as a new one.
        let deadline = Instant::now() + self.op_timeout;
        while self.target_infos().await?.iter().any(|t| t.target_id == tab.target) {
            if Instant::now() >= deadline {
                return Err(self.timed_out("closing a tab"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.tabs.remove(index);
        if self.active > index || self.active >= self.tabs.len() {
            self.active = self.active.saturating_sub(1);
        }
        Ok(())
    }

    /// Disposes the browser context (all its tabs) and releases the pool slot.
    pub async fn close(mut self) -> Result<()> {
        self.closed = true;
        let Some(ctx) = self.context.take() else { return Ok(()) };
        let disposed = if self.handle.is_alive() {
            let browser = self.handle.browser.read().await;
            guarded(&self.handle, "closing the session", self.op_timeout, browser.dispose_browser_context(ctx.clone()))
                .await
        } else {
            Ok(())
        };
        // Filtering stops only once the context's tabs are gone.
        self.handle.interceptor.unregister(&ctx);
        disposed
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let Some(ctx) = self.context.take() else { return };
        let handle = self.handle.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if handle.is_alive() {
                    let browser = handle.browser.read().await;
                    let _ = tokio::time::timeout(Duration::from_secs(5), browser.dispose_browser_context(ctx.clone()))
                        .await;
                }
                handle.interceptor.unregister(&ctx);
            });
        } else {
            handle.interceptor.unregister(&ctx);
        }
    }
}

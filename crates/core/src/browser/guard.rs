//! The allow-list on the wire: when `browser.allowed_domains` is set, every request of every tab of a session (the
//! document, redirects, script navigations, images, scripts, frames, fetches) is paused by CDP request interception
//! and either continued or failed with `BlockedByClient`. Interception is enabled once on the browser target
//! ([`Interceptor`], `Fetch.enable` with the pattern `*` at the request stage), not per tab, so a tab the page opens
//! itself is held from its first request; the paused request's frame names the browser context, whose session's
//! [`RequestGuard`] decides.
//!
//! - Allowed: http(s) and ws(s) requests to a host the [`DomainPolicy`] allows, or to the host of a start page the
//!   harness opened with `Session::goto`; `data:`, `blob:` and `about:` URLs (they reach no host). Everything else
//!   is blocked and counted, with its host, in [`BlockedRequests`] (`Session::blocked_requests`).
//! - A redirect to another host is paused as a new request to that host, so it is blocked before it is sent.
//! - With an empty allow-list nothing is intercepted (no cost, no change).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams, RequestPattern, RequestStage,
};
use chromiumoxide::cdp::browser_protocol::network::ErrorReason;
use chromiumoxide::cdp::browser_protocol::page::FrameId;
use chromiumoxide::cdp::browser_protocol::target::GetTargetsParams;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use url::Url;

use super::cdp::guarded;
use super::launch::BrowserHandle;
use super::policy::DomainPolicy;
use super::{BrowserError, Result};

/// Requests the allow-list stopped: how many, and which hosts they were for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BlockedRequests {
    pub count: u32,
    /// Distinct hosts, sorted.
    pub hosts: Vec<String>,
}

#[derive(Debug, Default)]
struct Record {
    count: u32,
    hosts: BTreeSet<String>,
}

/// One session's request filter, shared by the interception tasks of all its tabs.
#[derive(Debug)]
pub(crate) struct RequestGuard {
    policy: DomainPolicy,
    start_hosts: Mutex<BTreeSet<String>>,
    blocked: Mutex<Record>,
}

impl RequestGuard {
    pub(crate) fn new(policy: DomainPolicy) -> Arc<RequestGuard> {
        Arc::new(RequestGuard { policy, start_hosts: Mutex::default(), blocked: Mutex::default() })
    }

    /// True when requests need intercepting at all.
    pub(crate) fn active(&self) -> bool {
        !self.policy.allowed().is_empty()
    }

    /// Also allow the host of a start page the harness opens (not the agent's choice).
    pub(crate) fn allow_start_page(&self, url: &str) {
        if let Some(host) = Url::parse(url).ok().and_then(|u| u.host_str().map(normalise_host)) {
            self.start_hosts.lock().unwrap_or_else(|e| e.into_inner()).insert(host);
        }
    }

    /// Whether a request for `url` may leave the browser.
    pub(crate) fn allows(&self, url: &str) -> bool {
        let Ok(parsed) = Url::parse(url) else { return false };
        match parsed.scheme() {
            "data" | "blob" | "about" => true,
            "http" | "https" | "ws" | "wss" => {
                let host = parsed.host_str().map(normalise_host).unwrap_or_default();
                if host.is_empty() {
                    return false;
                }
                if self.start_hosts.lock().unwrap_or_else(|e| e.into_inner()).contains(&host) {
                    return true;
                }
                let as_http = format!("http://{}/", parsed.host_str().unwrap_or_default());
                self.policy.check(&as_http).is_ok()
            }
            _ => false,
        }
    }

    fn record(&self, url: &str) {
        let host = Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(normalise_host))
            .unwrap_or_else(|| url.split(':').next().unwrap_or_default().to_string());
        let mut rec = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        rec.count = rec.count.saturating_add(1);
        rec.hosts.insert(host);
    }

    pub(crate) fn blocked(&self) -> BlockedRequests {
        let rec = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        BlockedRequests { count: rec.count, hosts: rec.hosts.iter().cloned().collect() }
    }
}

fn normalise_host(host: &str) -> String {
    host.trim_matches(['[', ']']).to_ascii_lowercase()
}

/// The browser-wide request filter: one CDP interception (`Fetch.enable` on the browser target) for all the
/// sessions of one browser, so a tab the page opens itself (`window.open`, `target=_blank`) is held from its very
/// first request, before any client could attach to it. Each paused request is decided by the guard of the session
/// whose browser context made it.
#[derive(Debug, Default)]
pub(crate) struct Interceptor {
    guards: Mutex<HashMap<BrowserContextId, Arc<RequestGuard>>>,
    /// Frame → browser context, for frames already looked up (cleared when it grows large).
    frames: Mutex<HashMap<FrameId, BrowserContextId>>,
    enabled: tokio::sync::OnceCell<()>,
}

/// Frames remembered before the lookup cache starts afresh.
const FRAME_CACHE_MAX: usize = 4096;

/// Which side a paused request falls on.
enum Verdict {
    Continue,
    /// Block, and count it in these sessions' guards.
    Block(Vec<Arc<RequestGuard>>),
}

impl Interceptor {
    /// Filters the requests of browser context `ctx` through `guard` from now on (nothing when its allow-list is
    /// empty). The first registration starts the interception; the listener is in place before it is enabled, so no
    /// paused request goes unanswered.
    pub(crate) async fn register(
        handle: &Arc<BrowserHandle>,
        ctx: &BrowserContextId,
        guard: &Arc<RequestGuard>,
    ) -> Result<()> {
        if !guard.active() {
            return Ok(());
        }
        let this = handle.interceptor.clone();
        this.guards.lock().unwrap_or_else(|e| e.into_inner()).insert(ctx.clone(), guard.clone());
        this.enabled.get_or_try_init(|| Self::enable(handle)).await?;
        Ok(())
    }

    /// Stops filtering for a context (its session closed).
    pub(crate) fn unregister(&self, ctx: &BrowserContextId) {
        self.guards.lock().unwrap_or_else(|e| e.into_inner()).remove(ctx);
        self.frames.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, c| c != ctx);
    }

    async fn enable(handle: &Arc<BrowserHandle>) -> Result<()> {
        let fail = |e: chromiumoxide::error::CdpError| BrowserError::Cdp {
            op: "enabling the allow-list on the browser".into(),
            reason: e.to_string(),
        };
        let browser = handle.browser.read().await;
        let mut events = browser.event_listener::<EventRequestPaused>().await.map_err(fail)?;
        let weak = Arc::downgrade(handle);
        tokio::spawn(async move {
            while let Some(event) = events.next().await {
                let Some(handle) = weak.upgrade() else { break };
                let event = (*event).clone();
                // The common case (every open session allows the request) is answered in order, at once; a request
                // that needs its frame looked up is answered on its own task so it holds up no other.
                if handle.interceptor.all_allow(&event.request.url) {
                    answer(&handle, &event, Verdict::Continue).await;
                } else {
                    tokio::spawn(async move {
                        let verdict = handle.interceptor.decide(&handle, &event).await;
                        answer(&handle, &event, verdict).await;
                    });
                }
            }
        });
        let pattern = RequestPattern::builder().url_pattern("*").request_stage(RequestStage::Request).build();
        guarded(
            handle,
            "enabling the allow-list",
            Duration::from_secs(20),
            browser.execute(EnableParams::builder().pattern(pattern).build()),
        )
        .await?;
        Ok(())
    }

    fn registered(&self) -> Vec<(BrowserContextId, Arc<RequestGuard>)> {
        self.guards.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(c, g)| (c.clone(), g.clone())).collect()
    }

    /// True when every registered session would let `url` through (vacuously with none).
    fn all_allow(&self, url: &str) -> bool {
        self.guards.lock().unwrap_or_else(|e| e.into_inner()).values().all(|g| g.allows(url))
    }

    /// The verdict for a request some session would refuse: the guard of the context that made it decides. A
    /// request of a context no session filters (another client's tab of a remote browser) goes through; one whose
    /// frame cannot be tied to any context (a worker) is let through only if some session allows it, and a block
    /// is then counted by every session.
    async fn decide(&self, handle: &BrowserHandle, event: &EventRequestPaused) -> Verdict {
        let url = &event.request.url;
        let registered = self.registered();
        match self.context_of(handle, &event.frame_id, &registered).await {
            Some(ctx) => match registered.iter().find(|(c, _)| *c == ctx) {
                Some((_, g)) if !g.allows(url) => Verdict::Block(vec![g.clone()]),
                _ => Verdict::Continue,
            },
            None if registered.iter().any(|(_, g)| g.allows(url)) => Verdict::Continue,
            None => Verdict::Block(registered.into_iter().map(|(_, g)| g).collect()),
        }
    }

    /// The browser context of a frame: a tab's or popup's main frame and an out-of-process frame are targets of
    /// their own (same id); other frames are found in the frame trees of the filtered contexts' tabs.
    async fn context_of(
        &self,
        handle: &BrowserHandle,
        frame: &FrameId,
        registered: &[(BrowserContextId, Arc<RequestGuard>)],
    ) -> Option<BrowserContextId> {
        if let Some(ctx) = self.frames.lock().unwrap_or_else(|e| e.into_inner()).get(frame) {
            return Some(ctx.clone());
        }
        let browser = handle.browser.read().await;
        let limit = Duration::from_secs(5);
        let targets = tokio::time::timeout(limit, browser.execute(GetTargetsParams::default())).await.ok()?.ok()?;
        let targets = targets.result.target_infos;
        let found = match targets.iter().find(|t| t.target_id.as_ref() == frame.as_ref()) {
            Some(t) => t.browser_context_id.clone(),
            None => {
                let mut found = None;
                for t in targets.iter().filter(|t| t.r#type == "page") {
                    let Some(ctx) = t.browser_context_id.as_ref().filter(|c| registered.iter().any(|(r, _)| r == *c))
                    else {
                        continue;
                    };
                    let Ok(Ok(page)) = tokio::time::timeout(limit, browser.get_page(t.target_id.clone())).await else {
                        continue;
                    };
                    if let Ok(Ok(frames)) = tokio::time::timeout(limit, page.frames()).await
                        && frames.contains(frame)
                    {
                        found = Some(ctx.clone());
                        break;
                    }
                }
                found
            }
        }?;
        let mut cache = self.frames.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= FRAME_CACHE_MAX {
            cache.clear();
        }
        cache.insert(frame.clone(), found.clone());
        Some(found)
    }
}

/// Continues or fails a paused request on the browser target (an answer that cannot be sent means the browser is
/// gone, and the request with it).
/// A block is counted before it is answered.
async fn answer(handle: &BrowserHandle, event: &EventRequestPaused, verdict: Verdict) {
    let id = event.request_id.clone();
    let browser = handle.browser.read().await;
    match verdict {
        Verdict::Continue => {
            let _ = browser.execute(ContinueRequestParams::new(id)).await;
        }
        Verdict::Block(guards) => {
            for g in guards {
                g.record(&event.request.url);
            }
            let _ = browser.execute(FailRequestParams::new(id, ErrorReason::BlockedByClient)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_schemes_and_start_pages() {
        let guard = RequestGuard::new(DomainPolicy::new(&["127.0.0.1".into(), "example.com".into()]));
        assert!(guard.active());
        assert!(guard.allows("http://127.0.0.1:4000/a.png"));
        assert!(guard.allows("wss://shop.example.com/socket"));
        assert!(guard.allows("data:image/png;base64,AAAA"));
        assert!(!guard.allows("http://127.0.0.2:4000/"));
        assert!(!guard.allows("file:///etc/passwd"));
        assert!(!guard.allows("not a url"));
        guard.allow_start_page("http://start.test:81/index.html");
        assert!(guard.allows("https://start.test/other"));
        guard.record("http://127.0.0.2:9/x");
        guard.record("http://127.0.0.2:9/y");
        assert_eq!(guard.blocked(), BlockedRequests { count: 2, hosts: vec!["127.0.0.2".into()] });
        assert!(!RequestGuard::new(DomainPolicy::default()).active());
    }
}

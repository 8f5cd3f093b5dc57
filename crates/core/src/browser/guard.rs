//! The allow-list on the wire: when `browser.allowed_domains` is set, every request of every tab of a session (the
//! document, redirects, script navigations, images, scripts, frames, fetches) is paused by CDP request interception
//! (`Fetch.enable` with the pattern `*` at the request stage) and either continued or failed with `BlockedByClient`.
//!
//! - Allowed: http(s) and ws(s) requests to a host the [`DomainPolicy`] allows, or to the host of a start page the
//!   harness opened with `Session::goto`; `data:`, `blob:` and `about:` URLs (they reach no host). Everything else
//!   is blocked and counted, with its host, in [`BlockedRequests`] (`Session::blocked_requests`).
//! - A redirect to another host is paused as a new request to that host, so it is blocked before it is sent.
//! - With an empty allow-list nothing is intercepted (no cost, no change).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams, RequestPattern, RequestStage,
};
use chromiumoxide::cdp::browser_protocol::network::ErrorReason;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use url::Url;

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

/// Starts filtering `page`'s requests through `guard` (nothing when the allow-list is empty). The listener is in
/// place before interception is enabled, so no paused request goes unanswered.
pub(crate) async fn install(page: &Page, guard: &Arc<RequestGuard>) -> Result<()> {
    if !guard.active() {
        return Ok(());
    }
    let fail = |e: chromiumoxide::error::CdpError| BrowserError::Cdp {
        op: "enabling the allow-list on a tab".into(),
        reason: e.to_string(),
    };
    let mut events = page.event_listener::<EventRequestPaused>().await.map_err(fail)?;
    let (page2, guard2) = (page.clone(), guard.clone());
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            let id = event.request_id.clone();
            if guard2.allows(&event.request.url) {
                let _ = page2.execute(ContinueRequestParams::new(id)).await;
            } else {
                guard2.record(&event.request.url);
                let _ = page2.execute(FailRequestParams::new(id, ErrorReason::BlockedByClient)).await;
            }
        }
    });
    let pattern = RequestPattern::builder().url_pattern("*").request_stage(RequestStage::Request).build();
    page.execute(EnableParams::builder().pattern(pattern).build()).await.map_err(fail)?;
    Ok(())
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

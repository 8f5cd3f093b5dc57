//! Driving a transfer over HTTP. `push`: records from the outbox in pages, then this host's metric points in pages
//! (up to the newest point when the push began, so every point's run has gone first); `pull`: the server's change
//! feed in pages, then other hosts' points. Each page is acknowledged before the host moves its cursor, so a transfer
//! cut anywhere — the connection, either process — resumes from what the other side acknowledged, and a page sent
//! twice changes nothing. The token comes from the connection's `env:`/`keychain:` reference at each transfer, goes
//! only to the connected server (no redirects are followed), and appears in no error or record.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::SyncError;
use super::local::{self, SyncState};
use super::logs::{self, Log};
use super::wire::{PullPage, PullRequest, PushAck, PushPage, Records};
use crate::secrets::SecretRef;
use crate::store::Store;

/// Outbox entries per records page.
pub const RECORDS_PER_PAGE: i64 = 200;
/// Metric points per push page (a page stays well under the server's default 1 MiB body limit).
pub const POINTS_PER_PAGE: i64 = 10_000;
/// Conversation messages and browser actions per push page.
pub const MESSAGES_PER_PAGE: i64 = 100;
pub const ACTIONS_PER_PAGE: i64 = 2_000;
/// Artifact entries (a step's screenshot or DOM snapshot, by hash) per push page.
pub const ARTIFACTS_PER_PAGE: i64 = 500;
/// The JSON size a push page of records, messages or actions is kept under: a page over it is built again with half
/// as many entries (down to one, which goes whatever its size). Prompts of up to 256 KiB and messages of up to 1 MiB
/// (`limits`) would otherwise make pages of tens of MiB.
pub const PAGE_BYTES: usize = 2 * 1024 * 1024;
/// The largest sync page a team server accepts, whatever its general body limit: one message of the largest size a
/// message may have (`limits::MAX_MESSAGE_BYTES`, up to six times longer once escaped in JSON) fits.
pub const MAX_SYNC_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Send the blobs with these hashes, in pages kept under `PAGE_BYTES` (one blob at least); returns how many blobs
/// and how many pages.
async fn send_blobs(
    store: &Store,
    state: &SyncState,
    remote: &impl Channel,
    hashes: &[String],
) -> Result<(u64, u64), SyncError> {
    let blobs = super::blobs::read_local(store.pool(), hashes).await?;
    let (mut sent, mut pages) = (0, 0);
    let mut page: Vec<super::blobs::BlobRec> = Vec::new();
    let mut bytes = 0;
    for blob in blobs {
        let size = super::blobs::wire_bytes(&blob);
        if !page.is_empty() && bytes + size > PAGE_BYTES {
            sent += blob_page(state, remote, std::mem::take(&mut page)).await?;
            pages += 1;
            bytes = 0;
        }
        bytes += size;
        page.push(blob);
    }
    if !page.is_empty() {
        sent += blob_page(state, remote, page).await?;
        pages += 1;
    }
    Ok((sent, pages))
}

async fn blob_page(
    state: &SyncState,
    remote: &impl Channel,
    blobs: Vec<super::blobs::BlobRec>,
) -> Result<u64, SyncError> {
    let n = blobs.len() as u64;
    let logs = logs::LogEntries { blobs, ..Default::default() };
    remote.receive(&PushPage { host: state.host.clone(), records: Records { logs, ..Records::default() } }).await?;
    Ok(n)
}

/// A page's size as JSON.
fn page_bytes(page: &PushPage) -> usize {
    serde_json::to_vec(page).map_or(usize::MAX, |v| v.len())
}

/// What one push or pull moved.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct Transfer {
    pub pages: u64,
    pub records: u64,
    pub points: u64,
    /// Conversation messages, browser actions and step artifacts moved.
    pub entries: u64,
    /// Artifact blobs moved (each at most once: only those the other side lacked).
    #[serde(default)]
    pub blobs: u64,
    /// Points the other side already held (a resumed or replayed page).
    pub points_already_held: u64,
    /// This host's experiments merged into the server's one of the same name.
    pub experiments_merged: u64,
    /// This host's new model versions whose number the server changed (another host had taken it): `(id, from, to)`.
    pub versions_renumbered: Vec<(String, i64, i64)>,
    /// Records the server refused (with why); they stay on this host only.
    pub refused: Vec<String>,
}

/// The other side of a transfer: a team server over HTTP (`Remote`), or the team database itself
/// (`mirror::Direct`, a team server mirroring it into its own store).
pub trait Channel {
    fn receive(&self, page: &PushPage) -> impl Future<Output = Result<PushAck, SyncError>> + Send;
    fn send(&self, req: &PullRequest) -> impl Future<Output = Result<PullPage, SyncError>> + Send;
}

struct Remote {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Remote {
    fn new(state: &SyncState) -> Result<Remote, SyncError> {
        let reference = SecretRef::parse(&state.token_ref)
            .map_err(|e| SyncError::Invalid(format!("token reference {:?}: {e}", state.token_ref)))?;
        let token = reference.resolve()?.ok_or_else(|| SyncError::NoToken { reference: state.token_ref.clone() })?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| SyncError::Network { url: state.server_url.clone(), detail: e.to_string() })?;
        Ok(Remote { http, base: state.server_url.trim_end_matches('/').to_string(), token })
    }

    async fn call<I: Serialize, O: DeserializeOwned>(&self, op: &str, input: &I) -> Result<O, SyncError> {
        let url = format!("{}/api/v1/{op}", self.base);
        let shown = crate::util::mask_url(&url);
        let network =
            |e: reqwest::Error| SyncError::Network { url: shown.clone(), detail: e.without_url().to_string() };
        let response = self.http.post(&url).bearer_auth(&self.token).json(input).send().await.map_err(network)?;
        let status = response.status();
        let body = response.bytes().await.map_err(network)?;
        if !status.is_success() {
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(300).collect());
            return Err(SyncError::Refused { url: shown, status: status.as_u16(), message });
        }
        serde_json::from_slice(&body)
            .map_err(|e| SyncError::Network { url: shown, detail: format!("unexpected answer: {e}") })
    }
}

/// A team server at `url` signed in to with `token` (for callers that hold the token themselves, e.g. a benchmark).
pub fn remote(url: &str, token: &str) -> Result<impl Channel, SyncError> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SyncError::Network { url: url.to_string(), detail: e.to_string() })?;
    Ok(Remote { http, base: url.trim_end_matches('/').to_string(), token: token.to_string() })
}

impl Channel for Remote {
    async fn receive(&self, page: &PushPage) -> Result<PushAck, SyncError> {
        self.call("sync/receive", page).await
    }

    async fn send(&self, req: &PullRequest) -> Result<PullPage, SyncError> {
        self.call("sync/send", req).await
    }
}

/// Record the error on the connection (for `sync status`) and hand it back.
async fn noted<T>(store: &Store, result: Result<T, SyncError>) -> Result<T, SyncError> {
    if let Err(e) = &result {
        local::record_error(store, &e.to_string()).await?;
    }
    result
}

/// Send everything pending here to the server.
pub async fn push(store: &Store) -> Result<Transfer, SyncError> {
    let state = local::state(store).await?.ok_or(SyncError::NotConnected)?;
    let remote = noted(store, Remote::new(&state)).await?;
    noted(store, push_with(store, &state, &remote).await).await
}

/// Push everything pending over `remote`.
pub async fn push_with(store: &Store, state: &SyncState, remote: &impl Channel) -> Result<Transfer, SyncError> {
    let mut out = Transfer::default();
    let high = local::points_high(store).await?;
    let log_highs = [
        logs::high(store, Log::Messages).await?,
        logs::high(store, Log::Actions).await?,
        logs::high(store, Log::Artifacts).await?,
    ];
    let mut limit = RECORDS_PER_PAGE;
    while let Some((page, last)) = local::records_page(store, &state.host, limit).await? {
        if limit > 1 && page_bytes(&page) > PAGE_BYTES {
            limit /= 2;
            continue;
        }
        limit = RECORDS_PER_PAGE;
        let ack = remote.receive(&page).await?;
        for n in &ack.version_numbers {
            if let Some(v) = page.records.versions.iter().find(|v| v.id == n.id && v.version != n.version) {
                out.versions_renumbered.push((v.id.clone(), v.version, n.version));
            }
        }
        local::records_acked(store, last, &ack).await?;
        out.pages += 1;
        out.records += page.records.record_count() as u64;
        out.experiments_merged += ack.experiments_merged.len() as u64;
        out.refused.extend(ack.refused);
    }
    let now = local::state(store).await?.ok_or(SyncError::NotConnected)?;
    let cursors = [now.messages_acked, now.actions_acked, now.artifacts_acked];
    for ((log, after), high) in Log::ALL.into_iter().zip(cursors).zip(log_highs) {
        let mut after = after;
        let full = match log {
            Log::Messages => MESSAGES_PER_PAGE,
            Log::Actions => ACTIONS_PER_PAGE,
            Log::Artifacts => ARTIFACTS_PER_PAGE,
        };
        let mut limit = full;
        let mut blobs_sent = false;
        loop {
            let (entries, last) = logs::page(store, log, after, high, limit).await?;
            let Some(last) = last else { break };
            let page = PushPage { host: state.host.clone(), records: Records { logs: entries, ..Records::default() } };
            if limit > 1 && page_bytes(&page) > PAGE_BYTES {
                limit /= 2;
                continue;
            }
            let ack = remote.receive(&page).await?;
            if !ack.missing_blobs.is_empty() {
                // The server lacks some of the blobs these artifacts refer to: send just those, then the page again.
                if blobs_sent {
                    return Err(SyncError::Invalid(format!(
                        "the server still lacks {} artifact blob(s) it was sent",
                        ack.missing_blobs.len()
                    )));
                }
                let (blobs, pages) = send_blobs(store, state, remote, &ack.missing_blobs).await?;
                out.blobs += blobs;
                out.pages += pages + 1;
                blobs_sent = true;
                continue;
            }
            blobs_sent = false;
            limit = full;
            logs::acked(store, log, last).await?;
            after = last;
            out.pages += 1;
            out.entries += ack.entries_inserted;
        }
    }
    // The next page is read while the server applies the current one (the cursor moves only on its ack).
    let after = now.points_acked;
    let mut next = local::points_page(store, &state.host, after, high, POINTS_PER_PAGE).await?;
    while let Some((page, last)) = next {
        let (ack, following) =
            tokio::join!(remote.receive(&page), local::points_page(store, &state.host, last, high, POINTS_PER_PAGE));
        let ack = ack?;
        local::points_acked(store, last).await?;
        out.pages += 1;
        out.points += ack.points_inserted;
        out.points_already_held += ack.points_already_held;
        next = following?;
    }
    Ok(out)
}

/// Bring everything the server holds that this host has not applied.
pub async fn pull(store: &Store) -> Result<Transfer, SyncError> {
    let state = local::state(store).await?.ok_or(SyncError::NotConnected)?;
    let remote = noted(store, Remote::new(&state)).await?;
    noted(store, pull_with(store, &state, &remote).await).await
}

/// Pull everything new from `remote`.
pub async fn pull_with(store: &Store, state: &SyncState, remote: &impl Channel) -> Result<Transfer, SyncError> {
    let mut out = Transfer::default();
    let mut req = PullRequest {
        host: state.host.clone(),
        feed_after: state.feed_pulled,
        points_after: state.points_pulled,
        points_high: None,
        limit: None,
        messages_after: state.messages_pulled,
        actions_after: state.actions_pulled,
        messages_high: None,
        actions_high: None,
        artifacts_after: state.artifacts_pulled,
        artifacts_high: None,
    };
    loop {
        let mut page = remote.send(&req).await?;
        let (records, points) = (page.records.record_count(), page.records.point_count());
        let entries = page.records.logs.len();
        let more = page.feed_more || page.points_more || page.logs_more;
        let (feed_next, points_next, high) = (page.feed_next, page.points_next, page.points_high);
        let (messages_next, actions_next) = (page.messages_next, page.actions_next);
        let (messages_high, actions_high) = (page.messages_high, page.actions_high);
        let (artifacts_next, artifacts_high) = (page.artifacts_next, page.artifacts_high);
        out.blobs += page.records.logs.blobs.len() as u64;
        super::apply::pulled(store, &state.host, &mut page).await?;
        out.pages += 1;
        out.records += records as u64;
        out.points += points as u64;
        out.entries += entries as u64;
        if !more {
            return Ok(out);
        }
        req.feed_after = feed_next;
        req.points_after = points_next;
        req.points_high = Some(high);
        req.messages_after = messages_next;
        req.actions_after = actions_next;
        req.messages_high = Some(messages_high);
        req.actions_high = Some(actions_high);
        req.artifacts_after = artifacts_next;
        req.artifacts_high = Some(artifacts_high);
    }
}

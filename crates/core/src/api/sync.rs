//! Operation table: sync with a team server. On a host: `connect` (server URL, where the token comes from, this
//! host's name), `status` (what is pending each way, last success and error), `push` and `pull`. On the team server
//! (`serve --database`): `receive` (apply a push page, as the signed-in user) and `send` (a pull page). Tokens are
//! references only; none of these inputs or outputs holds one.

use serde::{Deserialize, Serialize};

use crate::sync::client::{self, Transfer};
use crate::sync::local::{self, SyncState};
use crate::sync::wire::{PullPage, PullRequest, PushAck, PushPage};
use crate::sync::{SyncError, receive, send};
use crate::{Core, Error, Result};

/// The environment variable a connection reads its token from unless told otherwise.
pub const DEFAULT_TOKEN_REF: &str = "env:BROWSER_AI_MLOPS_SYNC_TOKEN";

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ConnectInput {
    /// The team server, e.g. `https://mlops.example.com` (no credentials in the URL).
    pub url: String,
    /// Where the token comes from: `env:NAME` or `keychain:NAME` (default `env:BROWSER_AI_MLOPS_SYNC_TOKEN`).
    #[serde(default)]
    pub token_ref: Option<String>,
    /// This host's name on the server (default: the machine's host name).
    #[serde(default)]
    pub host: Option<String>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq)]
pub struct SyncStatus {
    /// `None` until `connect`.
    pub connection: Option<SyncState>,
    /// Records changed here and not yet acknowledged by the server.
    pub pending_records: i64,
    /// Metric points of runs created here not yet acknowledged by the server.
    pub pending_points: i64,
}

fn check_url(url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|e| Error::Input(format!("url {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::Input(format!("url {url:?}: expected http:// or https:// and a host")));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::Input(format!(
            "url {}: credentials do not belong in the URL; give the token by reference (env:NAME or keychain:NAME)",
            crate::util::mask_url(url)
        )));
    }
    Ok(())
}

pub async fn connect(core: &Core, input: ConnectInput) -> Result<SyncStatus> {
    check_url(&input.url)?;
    let token_ref = input.token_ref.unwrap_or_else(|| DEFAULT_TOKEN_REF.to_string());
    crate::secrets::SecretRef::parse(&token_ref).map_err(|e| Error::Input(format!("token reference: {e}")))?;
    let host = input.host.unwrap_or_else(crate::util::host_name);
    if host.trim().is_empty() || host == "local" || host.chars().any(char::is_control) {
        return Err(Error::Input(format!("host {host:?}: expected this machine's name on the team server")));
    }
    let store = core.store().await?;
    local::connect(store, input.url.trim_end_matches('/'), &token_ref, &host).await?;
    status(core, ()).await
}

pub async fn status(core: &Core, _input: ()) -> Result<SyncStatus> {
    let store = core.store().await?;
    let connection = local::state(store).await?;
    let (pending_records, pending_points) = match &connection {
        Some(c) => local::pending_push(store, c.points_acked).await?,
        None => (0, 0),
    };
    Ok(SyncStatus { connection, pending_records, pending_points })
}

pub async fn push(core: &Core, _input: ()) -> Result<Transfer> {
    Ok(client::push(core.store().await?).await?)
}

pub async fn pull(core: &Core, _input: ()) -> Result<Transfer> {
    Ok(client::pull(core.store().await?).await?)
}

pub async fn receive(core: &Core, input: PushPage) -> Result<PushAck> {
    let db = core.team_database().ok_or(SyncError::NoTeamDatabase)?;
    let forbidden_targets = match core.role() {
        Some(role) if role != crate::team::Role::Admin => {
            crate::config::load(core.settings())?.config.deployment.protected_targets
        }
        _ => Vec::new(),
    };
    // The server's own token (no team user) is recorded as `server`.
    let pusher = receive::Pusher { user: core.user().unwrap_or("server"), forbidden_targets: &forbidden_targets };
    let ack = receive::apply(db.pool(), &pusher, &input).await?;
    core.shared::<crate::sync::mirror::Wake>().notify.notify_one();
    Ok(ack)
}

pub async fn send(core: &Core, input: PullRequest) -> Result<PullPage> {
    let db = core.team_database().ok_or(SyncError::NoTeamDatabase)?;
    Ok(send::page(db.pool(), &input).await?)
}

/// `sync.auto`: while the desktop app or `serve` runs, push then pull every `sync.interval_secs` when this store is
/// connected to a team server. Each failure is recorded on the connection (shown by `status`) and retried next time.
/// Returns at once when the config leaves it off or cannot be loaded.
pub async fn background(core: Core) {
    let Ok(loaded) = crate::config::load(core.settings()) else { return };
    let sync = loaded.config.sync;
    if !sync.auto {
        return;
    }
    let every = std::time::Duration::from_secs(sync.interval_secs.max(5));
    loop {
        if let Ok(store) = core.store().await
            && let Ok(Some(state)) = local::state(store).await
            && state.server_url != crate::sync::mirror::MIRROR_URL
        {
            // Errors are already on the connection (`client` records them).
            let _ = client::push(store).await;
            let _ = client::pull(store).await;
        }
        tokio::time::sleep(every).await;
    }
}

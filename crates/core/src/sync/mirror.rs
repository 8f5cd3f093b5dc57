//! A team server's own store mirrors its team database, in-process: what hosts push reaches the store the server's
//! operations and web UI read (woken by each push, else every few seconds), and what is written through the server's
//! own operations (a deploy over HTTP, in the signed-in user's name) reaches the team database — the same pages,
//! rules and cursors as a host's sync, with the database in place of HTTP.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Notify;

use super::SyncError;
use super::client::{self, Channel, Transfer};
use super::local;
use super::receive::{self, Pusher};
use super::send;
use super::wire::{PullPage, PullRequest, PushAck, PushPage};
use crate::store::Store;

/// The connection URL a team server's own store records (it syncs with its database, not over HTTP).
pub const MIRROR_URL: &str = "team-database";

/// The team database as a sync channel, pushed to as the server itself.
pub struct Direct {
    pub pool: PgPool,
}

impl Channel for Direct {
    async fn receive(&self, page: &PushPage) -> Result<PushAck, SyncError> {
        receive::apply(&self.pool, &Pusher { user: "server", forbidden_targets: &[] }, page).await
    }

    async fn send(&self, req: &PullRequest) -> Result<PullPage, SyncError> {
        send::page(&self.pool, req).await
    }
}

/// Wakes the mirror (a push just landed), and takes turns between its steps and `settle`.
#[derive(Default)]
pub struct Wake {
    pub notify: Notify,
    turn: tokio::sync::Mutex<()>,
}

/// Connect the store to its database (once) and bring both up to date: push, then pull.
pub async fn step(store: &Store, pool: &PgPool, host: &str) -> Result<(Transfer, Transfer), SyncError> {
    let state = match local::state(store).await? {
        Some(s) if s.server_url == MIRROR_URL => s,
        _ => local::connect(store, MIRROR_URL, "", host).await?,
    };
    let channel = Direct { pool: pool.clone() };
    let pushed = client::push_with(store, &state, &channel).await?;
    let pulled = client::pull_with(store, &state, &channel).await?;
    Ok((pushed, pulled))
}

/// Keep mirroring until the task is dropped; a failed step is reported on stderr and retried.
pub async fn run(store: Store, pool: PgPool, host: String, wake: Arc<Wake>, every: Duration) {
    loop {
        let stepped = {
            let _turn = wake.turn.lock().await;
            step(&store, &pool, &host).await
        };
        if let Err(e) = stepped {
            eprintln!("server: mirroring the team database: {e}");
            let _ = local::record_error(&store, &e.to_string()).await;
        }
        tokio::select! {
            _ = wake.notify.notified() => {}
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// Before the server answers a read from its database: push what its own operations wrote and the mirror has not
/// pushed yet, so a client reads its own writes. Nothing to do (one query) when nothing is pending, or before the
/// mirror first connected the store.
pub async fn settle(store: &Store, pool: &PgPool, wake: &Wake) -> Result<(), SyncError> {
    let _turn = wake.turn.lock().await;
    let Some(state) = local::state(store).await?.filter(|s| s.server_url == MIRROR_URL) else { return Ok(()) };
    let (records, points) = local::pending_push(store, state.points_acked).await?;
    if records > 0 || points > 0 {
        client::push_with(store, &state, &Direct { pool: pool.clone() }).await?;
    }
    Ok(())
}

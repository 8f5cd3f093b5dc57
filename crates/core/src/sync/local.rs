//! The host's side of sync on its SQLite file: the connection (`sync_state`), what is pending each way, reading
//! the next push page from the outbox (records) or from the point cursor (metric points, of runs created here),
//! and applying the server's acknowledgement — deleting what it acknowledged, merging an experiment into the
//! server's one of the same name, and taking the numbers the server gave this host's new model versions — in one
//! transaction, so a cut between the server's commit and ours only means the page is sent again (and changes
//! nothing there).

use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, Transaction};

use super::SyncError;
use super::rows;
use super::wire::{PushAck, PushPage, Records, Tombstone};
use crate::store::Store;
use crate::store::db::Db;
use crate::util::now_ms;

/// The host's connection to a team server and how far each direction has got.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SyncState {
    pub server_url: String,
    /// Where the token comes from (`env:NAME` or `keychain:NAME`); the token itself is never stored.
    pub token_ref: String,
    /// This host's name on the team server (records created here carry it).
    pub host: String,
    pub points_acked: i64,
    pub feed_pulled: i64,
    pub points_pulled: i64,
    pub messages_acked: i64,
    pub actions_acked: i64,
    pub messages_pulled: i64,
    pub actions_pulled: i64,
    pub artifacts_acked: i64,
    pub artifacts_pulled: i64,
    pub connected_at_ms: i64,
    pub last_push_ms: Option<i64>,
    pub last_pull_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_ms: Option<i64>,
}

const STATE: &str = "SELECT server_url, token_ref, host, points_acked, feed_pulled, points_pulled, messages_acked, \
                     actions_acked, messages_pulled, actions_pulled, artifacts_acked, artifacts_pulled, \
                     connected_at_ms, last_push_ms, last_pull_ms, last_error, last_error_ms FROM sync_state WHERE id = 1";

pub async fn state(store: &Store) -> Result<Option<SyncState>, SyncError> {
    Ok(sqlx::query_as(STATE).fetch_optional(store.pool()).await?)
}

/// Connect (or re-point) this store to a server. A new server starts from nothing: everything here is queued for
/// it and its whole history will be pulled. The same server keeps the cursors.
pub async fn connect(store: &Store, url: &str, token_ref: &str, host: &str) -> Result<SyncState, SyncError> {
    let mut tx = store.begin_write().await?;
    let same: Option<(String,)> =
        sqlx::query_as("SELECT server_url FROM sync_state WHERE id = 1").fetch_optional(&mut *tx).await?;
    match same {
        Some((current,)) if current == url => {
            sqlx::query("UPDATE sync_state SET token_ref = ?, host = ? WHERE id = 1")
                .bind(token_ref)
                .bind(host)
                .execute(&mut *tx)
                .await?;
        }
        _ => {
            sqlx::query("DELETE FROM sync_state").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sync_outbox").execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO sync_state (id, server_url, token_ref, host, connected_at_ms) VALUES (1, ?, ?, ?, ?)",
            )
            .bind(url)
            .bind(token_ref)
            .bind(host)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            // Everything already here, parents first.
            for seed in [
                "INSERT INTO sync_outbox (tbl, row_key) SELECT 'experiments', id FROM experiments ORDER BY created_at_ms, id",
                "INSERT INTO sync_outbox (tbl, row_key) SELECT 'models', id FROM models ORDER BY created_at_ms, id",
                "INSERT INTO sync_outbox (tbl, row_key) SELECT 'model_versions', id FROM model_versions \
                 ORDER BY model_id, version",
                "INSERT INTO sync_outbox (tbl, row_key) SELECT 'runs', id FROM runs ORDER BY start_ms, id",
                "INSERT INTO sync_outbox (tbl, row_key) SELECT 'deployments', id FROM deployments ORDER BY rowid",
                "INSERT INTO sync_outbox (tbl, row_key) SELECT 'evaluations', id FROM evaluations \
                 ORDER BY started_at_ms, id",
            ] {
                sqlx::query(seed).execute(&mut *tx).await?;
            }
        }
    }
    tx.commit().await?;
    state(store).await?.ok_or(SyncError::NotConnected)
}

/// Records waiting in the outbox (distinct) and metric points of this host's runs not yet acknowledged.
pub async fn pending_push(store: &Store, points_acked: i64) -> Result<(i64, i64), SyncError> {
    let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT DISTINCT tbl, row_key FROM sync_outbox)")
        .fetch_one(store.pool())
        .await?;
    let points: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM metric_values v JOIN metric_series s ON s.id = v.series_id \
         JOIN runs r ON r.id = s.run_id WHERE v.id > ? AND r.origin = 'local'",
    )
    .bind(points_acked)
    .fetch_one(store.pool())
    .await?;
    Ok((records, points))
}

/// The newest metric point id now: a push sends points up to it after the records queued before it.
pub async fn points_high(store: &Store) -> Result<i64, SyncError> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM metric_values").fetch_one(store.pool()).await?)
}

/// The next page of records from the outbox (at most `limit` entries), and the last outbox position it covers.
pub async fn records_page(store: &Store, host: &str, limit: i64) -> Result<Option<(PushPage, i64)>, SyncError> {
    let entries: Vec<(i64, String, String, Option<i64>)> =
        sqlx::query_as("SELECT seq, tbl, row_key, deleted_at_ms FROM sync_outbox ORDER BY seq LIMIT ?")
            .bind(limit)
            .fetch_all(store.pool())
            .await?;
    let Some(last) = entries.last().map(|e| e.0) else { return Ok(None) };
    let mut page = PushPage { host: host.to_string(), records: Records::default() };
    let mut keys: Vec<(&str, &str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (_, table, key, deleted) in &entries {
        if let Some(deleted_at_ms) = deleted {
            let table = if table == "run_tag" { "run_tag" } else { "runs" };
            page.records.tombstones.push(Tombstone {
                table: table.to_string(),
                key: key.clone(),
                deleted_at_ms: *deleted_at_ms,
                origin: host.to_string(),
            });
        } else if seen.insert((table.as_str(), key.as_str())) {
            keys.push((table.as_str(), key.as_str()));
        }
    }
    // A record deleted since it was queued is covered by its tombstone (or is gone for good): nothing to send.
    let _gone = rows::read_records(&Db::Sqlite(store.clone()), &keys, &mut page.records).await?;
    page.records.with_origin(|o| if o == "local" { host.to_string() } else { o.to_string() });
    Ok(Some((page, last)))
}

/// The next page of this host's metric points after `after` and up to `high`, and the last point id it holds.
pub async fn points_page(
    store: &Store,
    host: &str,
    after: i64,
    high: i64,
    limit: i64,
) -> Result<Option<(PushPage, i64)>, SyncError> {
    let points: Vec<(i64, String, String, i64, i64, f64)> = sqlx::query_as(
        "SELECT v.id, s.run_id, s.key, v.step, v.ts_ms, v.value FROM metric_values v \
         JOIN metric_series s ON s.id = v.series_id JOIN runs r ON r.id = s.run_id \
         WHERE v.id > ? AND v.id <= ? AND r.origin = 'local' ORDER BY v.id LIMIT ?",
    )
    .bind(after)
    .bind(high)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    let Some(last) = points.last().map(|p| p.0) else { return Ok(None) };
    let mut page = PushPage { host: host.to_string(), records: Records::default() };
    page.records.points =
        super::send::group(points.iter().map(|(id, run, key, step, ts, value)| (*id, run, key, *step, *ts, *value)));
    Ok(Some((page, last)))
}

/// Apply the server's answer to a records page ending at outbox position `last`.
pub async fn records_acked(store: &Store, last: i64, ack: &PushAck) -> Result<(), SyncError> {
    let mut tx = store.begin_write().await?;
    applying(&mut tx, true).await?;
    sqlx::query("DELETE FROM sync_outbox WHERE seq <= ?").bind(last).execute(&mut *tx).await?;
    for m in &ack.experiments_merged {
        merge_experiment(&mut tx, &m.from, &m.to).await?;
    }
    let now = now_ms();
    for n in &ack.version_numbers {
        confirm_number(&mut tx, &n.id, n.version, now).await?;
    }
    sqlx::query("UPDATE sync_state SET last_push_ms = ?, last_error = NULL, last_error_ms = NULL WHERE id = 1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    applying(&mut tx, false).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn points_acked(store: &Store, last: i64) -> Result<(), SyncError> {
    sqlx::query(
        "UPDATE sync_state SET points_acked = MAX(points_acked, ?), last_push_ms = ?, last_error = NULL, \
         last_error_ms = NULL WHERE id = 1",
    )
    .bind(last)
    .bind(now_ms())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Remember why the last transfer failed (shown by `sync status`); the message never holds the token.
pub async fn record_error(store: &Store, message: &str) -> Result<(), SyncError> {
    sqlx::query("UPDATE sync_state SET last_error = ?, last_error_ms = ? WHERE id = 1")
        .bind(message)
        .bind(now_ms())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Suppress (or resume) the outbox triggers inside this transaction: rows written while applying what the server
/// sent are not queued to be sent back.
pub(super) async fn applying(tx: &mut Transaction<'static, Sqlite>, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sync_state SET applying = ? WHERE id = 1").bind(on).execute(&mut **tx).await?;
    Ok(())
}

/// Fold this host's experiment `from` into `to` (the one the team server holds under the same name): `to` takes
/// `from`'s place (created here from `from`'s row if it has not been pulled yet) and every run moves over.
pub(super) async fn merge_experiment(
    tx: &mut Transaction<'static, Sqlite>,
    from: &str,
    to: &str,
) -> Result<(), sqlx::Error> {
    let held: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM experiments WHERE id = ?)")
        .bind(to)
        .fetch_one(&mut **tx)
        .await?;
    if !held {
        sqlx::query(
            "INSERT INTO experiments (id, name, description, tags, archived, created_at_ms, updated_at_ms, origin) \
             SELECT ?, name || char(9) || id, description, tags, archived, created_at_ms, 0, origin \
             FROM experiments WHERE id = ?",
        )
        .bind(to)
        .bind(from)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE runs SET experiment_id = ? WHERE experiment_id = ?")
        .bind(to)
        .bind(from)
        .execute(&mut **tx)
        .await?;
    let name: Option<String> = sqlx::query_scalar("DELETE FROM experiments WHERE id = ? RETURNING name")
        .bind(from)
        .fetch_optional(&mut **tx)
        .await?;
    if let (false, Some(name)) = (held, name) {
        sqlx::query("UPDATE experiments SET name = ? WHERE id = ?").bind(name).bind(to).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Give this host's version `id` the number the server confirmed; a pending version of the same model holding that
/// number moves to the next free one (its own number is still to be confirmed).
pub(super) async fn confirm_number(
    tx: &mut Transaction<'static, Sqlite>,
    id: &str,
    number: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let row: Option<(String, i64)> = sqlx::query_as("SELECT model_id, version FROM model_versions WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some((model_id, current)) = row else { return Ok(()) };
    if current != number {
        make_room(tx, &model_id, number, id).await?;
        sqlx::query("UPDATE model_versions SET version = ? WHERE id = ?")
            .bind(number)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE model_versions SET synced_at_ms = ? WHERE id = ? AND synced_at_ms IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Move a pending version (not `except`) off `number` of `model_id`, to one past the highest number held.
pub(super) async fn make_room(
    tx: &mut Transaction<'static, Sqlite>,
    model_id: &str,
    number: i64,
    except: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE model_versions SET version = (SELECT MAX(version) + 1 FROM model_versions WHERE model_id = ?1) \
         WHERE model_id = ?1 AND version = ?2 AND id <> ?3",
    )
    .bind(model_id)
    .bind(number)
    .bind(except)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

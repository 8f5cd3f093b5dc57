//! The append-only logs of a run besides its metric points — conversation messages, browser actions and the
//! artifacts of its steps (screenshots, DOM snapshots, by hash; their blobs travel as `blobs` says) — on every side
//! of sync. Like points they travel by id cursor, only from the run's origin host, after the records (so
//! their run is always there first): the host reads the next page after its cursor (`page`), the server inserts the
//! entries above the highest id it holds for that run and log (`sync_marks`; pushes apply one at a time, in id order)
//! and serves other hosts' entries by id window (`serve`), and a host inserts what it pulls (`insert`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::{Postgres, Sqlite, Transaction};

use super::SyncError;
use crate::store::Store;

/// Which log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    Messages,
    Actions,
    Artifacts,
}

impl Log {
    pub const ALL: [Log; 3] = [Log::Messages, Log::Actions, Log::Artifacts];

    fn table(self) -> &'static str {
        match self {
            Log::Messages => "run_messages",
            Log::Actions => "run_actions",
            Log::Artifacts => "run_artifacts",
        }
    }

    /// The columns besides the id and the run, in wire order.
    fn columns(self) -> &'static str {
        match self {
            Log::Messages => {
                "role, content, tool_calls, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, \
                 reasoning_tokens, ts_ms"
            }
            Log::Actions => "action_type, target, success, duration_ms, error, ts_ms",
            Log::Artifacts => "step, kind, hash, created_at_ms",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Log::Messages => "messages",
            Log::Actions => "actions",
            Log::Artifacts => "artifacts",
        }
    }
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MessageRec {
    /// The entry's id on the sending side (increasing).
    pub seq: i64,
    pub run_id: String,
    pub role: String,
    pub content: String,
    pub tool_calls: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub reasoning_tokens: i64,
    pub ts_ms: i64,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ActionRec {
    pub seq: i64,
    pub run_id: String,
    pub action_type: String,
    pub target: String,
    pub success: bool,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub ts_ms: i64,
}

/// One artifact of a run's step; its content is the blob with its hash.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ArtifactRec {
    pub seq: i64,
    pub run_id: String,
    pub step: i64,
    pub kind: String,
    pub hash: String,
    pub created_at_ms: i64,
}

/// A page of one log's entries (and, with artifacts, blobs).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct LogEntries {
    #[serde(default)]
    pub messages: Vec<MessageRec>,
    #[serde(default)]
    pub actions: Vec<ActionRec>,
    #[serde(default)]
    pub artifacts: Vec<ArtifactRec>,
    /// Blobs: those a server said it lacks (push), or those a page's artifacts refer to (pull).
    #[serde(default)]
    pub blobs: Vec<super::blobs::BlobRec>,
}

impl LogEntries {
    pub fn len(&self) -> usize {
        self.messages.len() + self.actions.len() + self.artifacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0 && self.blobs.is_empty()
    }
}

fn select(log: Log, origin_test: &str, first: usize) -> String {
    format!(
        "SELECT e.id AS seq, e.run_id, {} FROM {} e JOIN runs r ON r.id = e.run_id \
         WHERE e.id > ${first} AND e.id <= ${} AND r.origin {origin_test} ORDER BY e.id LIMIT ${}",
        log.columns().split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", "),
        log.table(),
        first + 1,
        first + 3,
    )
}

/// The newest entry id of `log` on this host now.
pub async fn high(store: &Store, log: Log) -> Result<i64, SyncError> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {}", log.table());
    Ok(sqlx::query_scalar(&sql).fetch_one(store.pool()).await?)
}

/// This host's entries of runs created here after `after` and up to `high`; the last id, if any.
pub async fn page(
    store: &Store,
    log: Log,
    after: i64,
    high: i64,
    limit: i64,
) -> Result<(LogEntries, Option<i64>), SyncError> {
    // `$3` is the origin: this host's own runs are `local` in its store.
    let sql = select(log, "= $3", 1);
    let mut out = LogEntries::default();
    let last = match log {
        Log::Messages => {
            out.messages =
                sqlx::query_as(&sql).bind(after).bind(high).bind("local").bind(limit).fetch_all(store.pool()).await?;
            out.messages.last().map(|e| e.seq)
        }
        Log::Actions => {
            out.actions =
                sqlx::query_as(&sql).bind(after).bind(high).bind("local").bind(limit).fetch_all(store.pool()).await?;
            out.actions.last().map(|e| e.seq)
        }
        Log::Artifacts => {
            out.artifacts =
                sqlx::query_as(&sql).bind(after).bind(high).bind("local").bind(limit).fetch_all(store.pool()).await?;
            out.artifacts.last().map(|e| e.seq)
        }
    };
    Ok((out, last))
}

/// Move this host's push cursor of `log` past `last`.
pub async fn acked(store: &Store, log: Log, last: i64) -> Result<(), SyncError> {
    let sql = format!(
        "UPDATE sync_state SET {0}_acked = MAX({0}_acked, ?), last_push_ms = ?, last_error = NULL, \
         last_error_ms = NULL WHERE id = 1",
        log.name()
    );
    sqlx::query(&sql).bind(last).bind(crate::util::now_ms()).execute(store.pool()).await?;
    Ok(())
}

/// Runs of `entries` grouped in order: (run, indexes of its entries).
fn by_run<'a>(runs: impl Iterator<Item = &'a str>) -> Vec<(&'a str, Vec<usize>)> {
    let mut out: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, run) in runs.enumerate() {
        let slot = *index.entry(run).or_insert_with(|| {
            out.push((run, Vec::new()));
            out.len() - 1
        });
        out[slot].1.push(i);
    }
    out
}

const INSERT_MESSAGE: &str = "INSERT INTO run_messages (run_id, role, content, tool_calls, input_tokens, output_tokens, \
     cache_read_tokens, cache_write_tokens, reasoning_tokens, ts_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const INSERT_ARTIFACT: &str =
    "INSERT INTO run_artifacts (run_id, step, kind, hash, created_at_ms) VALUES ($1, $2, $3, $4, $5)";
const INSERT_ACTION: &str = "INSERT INTO run_actions (run_id, action_type, target, success, duration_ms, error, ts_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

macro_rules! insert_message {
    ($tx:expr, $m:expr) => {
        sqlx::query(INSERT_MESSAGE)
            .bind(&$m.run_id)
            .bind(&$m.role)
            .bind(&$m.content)
            .bind(&$m.tool_calls)
            .bind($m.input_tokens)
            .bind($m.output_tokens)
            .bind($m.cache_read_tokens)
            .bind($m.cache_write_tokens)
            .bind($m.reasoning_tokens)
            .bind($m.ts_ms)
            .execute(&mut **$tx)
            .await?
    };
}

macro_rules! insert_action {
    ($tx:expr, $a:expr) => {
        sqlx::query(INSERT_ACTION)
            .bind(&$a.run_id)
            .bind(&$a.action_type)
            .bind(&$a.target)
            .bind($a.success)
            .bind($a.duration_ms)
            .bind(&$a.error)
            .bind($a.ts_ms)
            .execute(&mut **$tx)
            .await?
    };
}

macro_rules! insert_artifact {
    ($tx:expr, $a:expr) => {
        sqlx::query(INSERT_ARTIFACT)
            .bind(&$a.run_id)
            .bind($a.step)
            .bind(&$a.kind)
            .bind(&$a.hash)
            .bind($a.created_at_ms)
            .execute(&mut **$tx)
            .await?
    };
}

/// What the server did with a pushed page's log entries.
#[derive(Debug, Default)]
pub struct Received {
    pub inserted: u64,
    pub held: u64,
    /// Blobs the page's artifacts refer to that the server lacks: none of the page's artifacts were taken.
    pub missing_blobs: Vec<String>,
}

/// The server takes a pushed page: its blobs (checked), then per run the entries above the highest id it holds for
/// that run and log. Artifacts whose blobs it lacks are all left for a second try with those blobs.
pub async fn receive(tx: &mut Transaction<'static, Postgres>, entries: &LogEntries) -> Result<Received, SyncError> {
    let mut out = Received::default();
    super::blobs::receive(tx, &entries.blobs).await?;
    let hashes: Vec<String> = entries.artifacts.iter().map(|a| a.hash.clone()).collect();
    out.missing_blobs = super::blobs::missing(tx, &hashes).await?;
    let (mut inserted, mut held) = (0u64, 0u64);
    for log in Log::ALL {
        let seqs: Vec<(&str, i64)> = match log {
            Log::Messages => entries.messages.iter().map(|e| (e.run_id.as_str(), e.seq)).collect(),
            Log::Actions => entries.actions.iter().map(|e| (e.run_id.as_str(), e.seq)).collect(),
            Log::Artifacts if out.missing_blobs.is_empty() => {
                entries.artifacts.iter().map(|e| (e.run_id.as_str(), e.seq)).collect()
            }
            Log::Artifacts => Vec::new(),
        };
        for (run, idx) in by_run(seqs.iter().map(|(run, _)| *run)) {
            let run_held: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1)")
                .bind(run)
                .fetch_one(&mut **tx)
                .await?;
            if !run_held {
                continue; // deleted meanwhile: its entries go with it
            }
            let mark: i64 =
                sqlx::query_scalar("SELECT COALESCE((SELECT high FROM sync_marks WHERE run_id = $1 AND kind = $2), 0)")
                    .bind(run)
                    .bind(log.name())
                    .fetch_one(&mut **tx)
                    .await?;
            let mut top = mark;
            for i in idx {
                let seq = seqs[i].1;
                if seq <= top {
                    held += 1;
                    continue;
                }
                match log {
                    Log::Messages => insert_message!(tx, entries.messages[i]),
                    Log::Actions => insert_action!(tx, entries.actions[i]),
                    Log::Artifacts => insert_artifact!(tx, entries.artifacts[i]),
                };
                top = seq;
                inserted += 1;
            }
            if top > mark {
                sqlx::query(
                    "INSERT INTO sync_marks (run_id, kind, high) VALUES ($1, $2, $3) \
                     ON CONFLICT (run_id, kind) DO UPDATE SET high = excluded.high",
                )
                .bind(run)
                .bind(log.name())
                .bind(top)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    out.inserted = inserted;
    out.held = held;
    Ok(out)
}

/// The server serves other hosts' entries of `log` after `after`, within an id window up to `high`. Returns the
/// entries, the cursor after them and whether more may follow.
pub async fn serve(
    pool: &sqlx::PgPool,
    log: Log,
    host: &str,
    after: i64,
    high: i64,
    limit: i64,
    out: &mut LogEntries,
) -> Result<(i64, bool), SyncError> {
    let window_end = high.min(after.saturating_add(4 * limit));
    let sql = select(log, "<> $3", 1);
    let last = match log {
        Log::Messages => {
            let (mut rows, full) = window::<MessageRec>(pool, &sql, (after, window_end), host, limit).await?;
            let cut = keep_within(&mut rows, super::client::PAGE_BYTES);
            let last = rows.last().map(|e| e.seq);
            out.messages = rows;
            (full || cut, last)
        }
        Log::Actions => {
            let (rows, full) = window::<ActionRec>(pool, &sql, (after, window_end), host, limit).await?;
            let last = rows.last().map(|e| e.seq);
            out.actions = rows;
            (full, last)
        }
        Log::Artifacts => {
            let (mut rows, full) = window::<ArtifactRec>(pool, &sql, (after, window_end), host, limit).await?;
            let mut hashes: Vec<String> = rows.iter().map(|a| a.hash.clone()).collect();
            hashes.sort();
            hashes.dedup();
            let blobs = super::blobs::read_server(pool, &hashes).await?;
            // The artifacts whose blobs fit the page's size (at least one); the rest come in the next page.
            let (mut bytes, mut keep, mut wanted) = (0, 0, Vec::new());
            for a in &rows {
                if !wanted.contains(&a.hash) {
                    bytes += blobs.iter().find(|b| b.hash == a.hash).map_or(0, super::blobs::wire_bytes);
                    if bytes > super::client::PAGE_BYTES && keep > 0 {
                        break;
                    }
                    wanted.push(a.hash.clone());
                }
                keep += 1;
            }
            let cut = keep < rows.len();
            rows.truncate(keep);
            let last = rows.last().map(|e| e.seq);
            out.artifacts = rows;
            out.blobs = blobs.into_iter().filter(|b| wanted.contains(&b.hash)).collect();
            (full || cut, last)
        }
    };
    Ok(match last {
        (true, Some(seq)) => (seq, true),
        _ => (window_end.max(after), window_end < high),
    })
}

/// Keep the first messages whose text (content and tool calls) stays within `bytes`, at least one; true if any were
/// dropped (they come in the next page).
fn keep_within(rows: &mut Vec<MessageRec>, bytes: usize) -> bool {
    let mut total = 0;
    let keep = rows
        .iter()
        .position(|m| {
            total += m.content.len() + m.tool_calls.len();
            total > bytes
        })
        .map_or(rows.len(), |i| i.max(1));
    let cut = keep < rows.len();
    rows.truncate(keep);
    cut
}

/// At most `limit` entries of other hosts' runs with ids in `(from, to]`, and whether more were there.
async fn window<T>(
    pool: &sqlx::PgPool,
    sql: &str,
    (from, to): (i64, i64),
    host: &str,
    limit: i64,
) -> Result<(Vec<T>, bool), SyncError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut rows: Vec<T> = sqlx::query_as(sql).bind(from).bind(to).bind(host).bind(limit + 1).fetch_all(pool).await?;
    let full = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, full))
}

/// A host inserts pulled entries of runs it holds.
pub async fn insert(tx: &mut Transaction<'static, Sqlite>, entries: &LogEntries) -> Result<(), SyncError> {
    for m in &entries.messages {
        if held(tx, &m.run_id).await? {
            insert_message!(tx, m);
        }
    }
    for a in &entries.actions {
        if held(tx, &a.run_id).await? {
            insert_action!(tx, a);
        }
    }
    super::blobs::insert(tx, &entries.blobs).await?;
    for a in &entries.artifacts {
        if held(tx, &a.run_id).await? {
            insert_artifact!(tx, a);
        }
    }
    Ok(())
}

async fn held(tx: &mut Transaction<'static, Sqlite>, run: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)").bind(run).fetch_one(&mut **tx).await
}

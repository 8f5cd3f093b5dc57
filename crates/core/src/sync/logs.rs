//! The two append-only logs of a run besides its metric points — conversation messages and browser actions — on
//! every side of sync. Like points they travel by id cursor, only from the run's origin host, after the records (so
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
}

impl Log {
    pub const ALL: [Log; 2] = [Log::Messages, Log::Actions];

    fn table(self) -> &'static str {
        match self {
            Log::Messages => "run_messages",
            Log::Actions => "run_actions",
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
        }
    }

    fn name(self) -> &'static str {
        match self {
            Log::Messages => "messages",
            Log::Actions => "actions",
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

/// A page of one log's entries.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct LogEntries {
    #[serde(default)]
    pub messages: Vec<MessageRec>,
    #[serde(default)]
    pub actions: Vec<ActionRec>,
}

impl LogEntries {
    pub fn len(&self) -> usize {
        self.messages.len() + self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// The server takes a pushed page: per run, the entries above the highest id it holds for that run and log.
/// Returns (inserted, already held).
pub async fn receive(tx: &mut Transaction<'static, Postgres>, entries: &LogEntries) -> Result<(u64, u64), SyncError> {
    let (mut inserted, mut held) = (0u64, 0u64);
    for log in Log::ALL {
        let seqs: Vec<(&str, i64)> = match log {
            Log::Messages => entries.messages.iter().map(|e| (e.run_id.as_str(), e.seq)).collect(),
            Log::Actions => entries.actions.iter().map(|e| (e.run_id.as_str(), e.seq)).collect(),
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
    Ok((inserted, held))
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
    Ok(())
}

async fn held(tx: &mut Transaction<'static, Sqlite>, run: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)").bind(run).fetch_one(&mut **tx).await
}

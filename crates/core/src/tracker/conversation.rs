//! Conversation messages (role, content, tool calls, tokens by type) and browser actions of a run. These are written
//! directly (one transaction per call), not through the metric writer.

use sqlx::{Sqlite, Transaction};

use super::{Action, Message, Role, TokenCounts, Tracker, TrackerError, runs};
use crate::limits;
use crate::util::now_ms;

/// Why a message is not acceptable, or `None`.
pub fn message_problem(m: &Message) -> Option<String> {
    if let Some(problem) = limits::bytes_problem(&m.content, limits::MAX_MESSAGE_BYTES) {
        return Some(format!("field \"content\": {problem}"));
    }
    if let Some(problem) = (m.ts_ms != 0).then(|| limits::timestamp_problem(m.ts_ms)).flatten() {
        return Some(format!("field \"ts_ms\": {problem}"));
    }
    if !(m.tool_calls.is_null() || m.tool_calls.is_array()) {
        return Some("field \"tool_calls\": expected a JSON list".to_string());
    }
    let t = &m.tokens;
    for (name, n) in [
        ("input", t.input),
        ("output", t.output),
        ("cache_read", t.cache_read),
        ("cache_write", t.cache_write),
        ("reasoning", t.reasoning),
    ] {
        if n < 0 {
            return Some(format!("field \"tokens.{name}\": expected a token count >= 0, got {n}"));
        }
    }
    None
}

/// Why an action is not acceptable, or `None`.
pub fn action_problem(a: &Action) -> Option<String> {
    if a.action_type.trim().is_empty() {
        Some("field \"action_type\": expected a non-empty action type".to_string())
    } else if a.duration_ms < 0 {
        Some(format!("field \"duration_ms\": expected a duration >= 0, got {}", a.duration_ms))
    } else if let Some(problem) = limits::name_problem(&a.action_type, limits::MAX_NAME_CHARS) {
        Some(format!("field \"action_type\": {problem}"))
    } else {
        (a.ts_ms != 0).then(|| limits::timestamp_problem(a.ts_ms)).flatten().map(|p| format!("field \"ts_ms\": {p}"))
    }
}

pub(crate) async fn insert_messages(
    tx: &mut Transaction<'static, Sqlite>,
    run_id: &str,
    messages: &[Message],
) -> Result<(), TrackerError> {
    let now = now_ms();
    for m in messages {
        let tool_calls = if m.tool_calls.is_null() { "[]".to_string() } else { m.tool_calls.to_string() };
        sqlx::query(
            "INSERT INTO run_messages (run_id, role, content, tool_calls, input_tokens, output_tokens, \
             cache_read_tokens, cache_write_tokens, reasoning_tokens, ts_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run_id)
        .bind(m.role.as_str())
        .bind(&m.content)
        .bind(tool_calls)
        .bind(m.tokens.input)
        .bind(m.tokens.output)
        .bind(m.tokens.cache_read)
        .bind(m.tokens.cache_write)
        .bind(m.tokens.reasoning)
        .bind(if m.ts_ms == 0 { now } else { m.ts_ms })
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(crate) async fn insert_actions(
    tx: &mut Transaction<'static, Sqlite>,
    run_id: &str,
    actions: &[Action],
) -> Result<(), TrackerError> {
    let now = now_ms();
    for a in actions {
        sqlx::query(
            "INSERT INTO run_actions (run_id, action_type, target, success, duration_ms, error, ts_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run_id)
        .bind(&a.action_type)
        .bind(&a.target)
        .bind(a.success)
        .bind(a.duration_ms)
        .bind(&a.error)
        .bind(if a.ts_ms == 0 { now } else { a.ts_ms })
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    role: String,
    content: String,
    tool_calls: String,
    input_tokens: i64,
    output_tokens: i64,
    cache_read_tokens: i64,
    cache_write_tokens: i64,
    reasoning_tokens: i64,
    ts_ms: i64,
}

impl Tracker {
    /// Append conversation messages to a running run, all or none. A message with `ts_ms == 0` gets the current time.
    pub async fn log_conversation(&self, run_id: &str, messages: &[Message]) -> Result<usize, TrackerError> {
        for (i, m) in messages.iter().enumerate() {
            if let Some(problem) = message_problem(m) {
                return Err(TrackerError::Invalid(format!("message {}: {problem}", i + 1)));
            }
        }
        let mut tx = self.store().begin_write().await?;
        runs::require_running(&mut *tx, run_id, "logging messages").await?;
        insert_messages(&mut tx, run_id, messages).await?;
        tx.commit().await?;
        Ok(messages.len())
    }

    /// Append one browser action to a running run. `ts_ms == 0` means now.
    pub async fn log_action(&self, run_id: &str, action: &Action) -> Result<(), TrackerError> {
        if let Some(problem) = action_problem(action) {
            return Err(TrackerError::Invalid(format!("action: {problem}")));
        }
        let mut tx = self.store().begin_write().await?;
        runs::require_running(&mut *tx, run_id, "logging actions").await?;
        insert_actions(&mut tx, run_id, std::slice::from_ref(action)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The conversation of a run, in logging order.
    pub async fn run_messages(&self, run_id: &str) -> Result<Vec<Message>, TrackerError> {
        let pool = self.store().pool();
        runs::fetch_run(pool, run_id).await?;
        let rows: Vec<MessageRow> = sqlx::query_as(
            "SELECT role, content, tool_calls, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, \
             reasoning_tokens, ts_ms FROM run_messages WHERE run_id = ? ORDER BY id",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Message {
                    role: Role::parse(&r.role)
                        .ok_or_else(|| TrackerError::Invalid(format!("run {run_id}: stored role {:?}", r.role)))?,
                    content: r.content,
                    tool_calls: serde_json::from_str(&r.tool_calls).unwrap_or(serde_json::Value::Null),
                    tokens: TokenCounts {
                        input: r.input_tokens,
                        output: r.output_tokens,
                        cache_read: r.cache_read_tokens,
                        cache_write: r.cache_write_tokens,
                        reasoning: r.reasoning_tokens,
                    },
                    ts_ms: r.ts_ms,
                })
            })
            .collect()
    }

    /// The actions of a run, in logging order.
    pub async fn run_actions(&self, run_id: &str) -> Result<Vec<Action>, TrackerError> {
        let pool = self.store().pool();
        runs::fetch_run(pool, run_id).await?;
        let rows: Vec<(String, String, bool, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT action_type, target, success, duration_ms, error, ts_ms FROM run_actions WHERE run_id = ? ORDER BY id",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(action_type, target, success, duration_ms, error, ts_ms)| Action {
                action_type,
                target,
                success,
                duration_ms,
                error,
                ts_ms,
            })
            .collect())
    }
}

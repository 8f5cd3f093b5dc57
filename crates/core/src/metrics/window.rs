//! The monitoring tables read over a time window `from_ms..=to_ms`, for readers outside metrics (the report): errors
//! counted by type and by severity, health samples, and LLM calls per UTC day. Rows are returned as stored (SQLite's
//! counts as `i64`); aggregation beyond the SQL's `GROUP BY` is the caller's. Alerts fired in a window are read by
//! `alerts::fired_between`, beside the other alert queries.

use sqlx::SqlitePool;

use crate::store::StoreError;

/// One error type seen in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowErrorType {
    pub error_type: String,
    pub count: i64,
    pub unresolved: i64,
    /// When the most recent error of this type was recorded.
    pub latest_at_ms: i64,
}

/// Error types recorded in the window, the most frequent first (ties by name).
pub async fn error_types_between(
    pool: &SqlitePool,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<WindowErrorType>, StoreError> {
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT error_type, COUNT(*), SUM(resolved = 0), MAX(at_ms) FROM mon_errors \
         WHERE at_ms >= ? AND at_ms <= ? GROUP BY error_type ORDER BY COUNT(*) DESC, error_type",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(error_type, count, unresolved, latest_at_ms)| WindowErrorType {
            error_type,
            count,
            unresolved,
            latest_at_ms,
        })
        .collect())
}

/// The message of the most recent error of `error_type` in the window (an error for a type with no row there).
pub async fn latest_error_message(
    pool: &SqlitePool,
    error_type: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<String, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT message FROM mon_errors WHERE error_type = ? AND at_ms >= ? AND at_ms <= ? \
         ORDER BY at_ms DESC, id DESC LIMIT 1",
    )
    .bind(error_type)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_one(pool)
    .await?)
}

/// (severity, count) for each severity recorded in the window, in no particular order.
pub async fn error_severities_between(
    pool: &SqlitePool,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as("SELECT severity, COUNT(*) FROM mon_errors WHERE at_ms >= ? AND at_ms <= ? GROUP BY severity")
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(pool)
        .await?)
}

/// The fields of one health sample that window summaries use.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowHealthSample {
    pub at_ms: i64,
    /// NULL for a sampler's first sample.
    pub cpu_percent: Option<f64>,
    pub memory_used_bytes: i64,
    pub memory_total_bytes: i64,
    pub status: String,
}

/// Health samples taken in the window, oldest first.
pub async fn health_samples_between(
    pool: &SqlitePool,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<WindowHealthSample>, StoreError> {
    let rows: Vec<(i64, Option<f64>, i64, i64, String)> = sqlx::query_as(
        "SELECT at_ms, cpu_percent, memory_used_bytes, memory_total_bytes, status FROM health_samples \
         WHERE at_ms >= ? AND at_ms <= ? ORDER BY at_ms, id",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at_ms, cpu_percent, memory_used_bytes, memory_total_bytes, status)| WindowHealthSample {
            at_ms,
            cpu_percent,
            memory_used_bytes,
            memory_total_bytes,
            status,
        })
        .collect())
}

/// LLM calls recorded on one UTC day of the window.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmCallDay {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub calls: i64,
    /// Sum of the priced calls' cost; `None` when no call that day had a price.
    pub cost_usd: Option<f64>,
}

/// LLM calls per UTC day of the window, in day order.
pub async fn llm_calls_by_day(pool: &SqlitePool, from_ms: i64, to_ms: i64) -> Result<Vec<LlmCallDay>, StoreError> {
    let rows: Vec<(String, i64, Option<f64>)> = sqlx::query_as(
        "SELECT strftime('%Y-%m-%d', at_ms / 1000, 'unixepoch') AS day, COUNT(*), SUM(cost_usd) \
         FROM mon_llm_calls WHERE at_ms >= ? AND at_ms <= ? GROUP BY day ORDER BY day",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(day, calls, cost_usd)| LlmCallDay { day, calls, cost_usd }).collect())
}

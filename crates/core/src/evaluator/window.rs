//! The evaluator's tables read over a time window, for readers outside the evaluator (the report): every task result
//! of the evaluations started in the window, and the window's evaluations with their attempt counts. Rows name the
//! evaluated model version (`name`, `version`) when it is registered; aggregation is the caller's.
//!
//! The evaluator's SQL reads only its own tables (`evaluations`, `task_results`); the names of the versions come from
//! the registry (`registry::overview::version_names`), read after the evaluator's rows so every version id they
//! mention is there (versions are never deleted).

use std::collections::HashMap;

use sqlx::SqlitePool;

use crate::registry::overview::{self, VersionName};
use crate::store::StoreError;

/// One task result of an evaluation started in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowTaskResult {
    /// When its evaluation started.
    pub evaluation_started_at_ms: i64,
    pub model_name: Option<String>,
    pub model_version: Option<i64>,
    pub success: bool,
    pub steps: i64,
    pub cost_usd: Option<f64>,
    pub duration_ms: i64,
}

/// One evaluation started in the window, with its stored attempts and successes.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowEvaluation {
    pub id: String,
    pub model_name: Option<String>,
    pub model_version: Option<i64>,
    pub suite: String,
    pub status: String,
    pub started_at_ms: i64,
    pub attempts: i64,
    pub successes: i64,
}

/// The registry's name and number for an evaluation's `model_version_id` (both `None` when it has none or the id is
/// unknown, as a `LEFT JOIN` would give).
fn name_of(names: &HashMap<String, VersionName>, version_id: Option<&str>) -> (Option<String>, Option<i64>) {
    match version_id.and_then(|id| names.get(id)) {
        Some(v) => (v.model_name.clone(), Some(v.version)),
        None => (None, None),
    }
}

async fn version_names(pool: &SqlitePool) -> Result<HashMap<String, VersionName>, StoreError> {
    let mut conn = pool.acquire().await?;
    overview::version_names(&mut conn).await
}

type RawTaskRow = (i64, Option<String>, i64, i64, Option<f64>, i64);

/// Task results of the evaluations started in `from_ms..=to_ms`.
pub async fn task_results_between(
    pool: &SqlitePool,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<WindowTaskResult>, StoreError> {
    let rows: Vec<RawTaskRow> = sqlx::query_as(
        "SELECT e.started_at_ms, e.model_version_id, tr.success, tr.steps, tr.cost_usd, tr.duration_ms \
         FROM task_results tr JOIN evaluations e ON e.id = tr.evaluation_id \
         WHERE e.started_at_ms >= ? AND e.started_at_ms <= ?",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?;
    let names = version_names(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(started, version_id, success, steps, cost_usd, duration_ms)| {
            let (model_name, model_version) = name_of(&names, version_id.as_deref());
            WindowTaskResult {
                evaluation_started_at_ms: started,
                model_name,
                model_version,
                success: success != 0,
                steps,
                cost_usd,
                duration_ms,
            }
        })
        .collect())
}

type RawEvalRow = (String, Option<String>, String, String, i64, i64, i64);

/// At most `limit` evaluations started in `from_ms..=to_ms`, newest first.
pub async fn evaluations_between(
    pool: &SqlitePool,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> Result<Vec<WindowEvaluation>, StoreError> {
    let rows: Vec<RawEvalRow> = sqlx::query_as(
        "SELECT e.id, e.model_version_id, e.suite, e.status, e.started_at_ms, COUNT(tr.id), \
         COALESCE(SUM(tr.success), 0) \
         FROM evaluations e LEFT JOIN task_results tr ON tr.evaluation_id = e.id \
         WHERE e.started_at_ms >= ? AND e.started_at_ms <= ? \
         GROUP BY e.id ORDER BY e.started_at_ms DESC, e.id DESC LIMIT ?",
    )
    .bind(from_ms)
    .bind(to_ms)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let names = version_names(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, version_id, suite, status, started_at_ms, attempts, successes)| {
            let (model_name, model_version) = name_of(&names, version_id.as_deref());
            WindowEvaluation { id, model_name, model_version, suite, status, started_at_ms, attempts, successes }
        })
        .collect())
}

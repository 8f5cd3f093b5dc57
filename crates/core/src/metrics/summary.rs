//! Summaries of what the collector stored, over a time window `[since_ms, until_ms]` (both ends included): tasks
//! (success and error rates, duration percentiles, per model), LLM calls (latency percentiles, tokens by type, cost
//! total / per task / per model), actions (per task, by type), page loads and errors (top types with their most
//! recent message, unresolved counts). Every figure is computed exactly from the stored rows.
//!
//! Definitions:
//! - A task is in the window when it *started* in it; actions, LLM calls, page loads and errors when they happened
//!   (`at_ms`) in it.
//! - success rate = succeeded / ended tasks; error rate = tasks that ended with status `error` / ended tasks (running
//!   tasks count in neither); both absent when no task ended.
//! - Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the value at 1-based rank
//!   ⌈p·n/100⌉ (so it is always a stored value).
//! - "Per task" figures are the window's total divided by the number of tasks started in the window.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::collector::{ERROR_COLUMNS, ErrorRecord, ErrorRow, ErrorSeverity, MetricsError, error_record};
use crate::store::Store;

pub use crate::stats::nearest_rank;

/// p50/p95/p99 (nearest rank), mean and max of a set of values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Distribution {
    pub count: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub mean: f64,
    pub max: f64,
}

impl Distribution {
    /// `None` for no values.
    pub fn of(mut values: Vec<f64>) -> Option<Distribution> {
        values.sort_by(f64::total_cmp);
        let max = *values.last()?;
        Some(Distribution {
            count: values.len() as u64,
            p50: nearest_rank(&values, 50)?,
            p95: nearest_rank(&values, 95)?,
            p99: nearest_rank(&values, 99)?,
            mean: values.iter().sum::<f64>() / values.len() as f64,
            max,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TaskStats {
    pub total: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub error: u64,
    pub success_rate: Option<f64>,
    pub error_rate: Option<f64>,
    /// Durations (end − start) of the ended tasks, in milliseconds.
    pub duration_ms: Option<Distribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ModelTaskStats {
    pub model: String,
    pub provider: String,
    pub tasks: u64,
    pub ended: u64,
    pub succeeded: u64,
    pub success_rate: Option<f64>,
}

/// Tokens by type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TokenTotals {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write: i64,
    pub reasoning: i64,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct LlmModelStats {
    pub provider: String,
    pub model: String,
    pub calls: u64,
    pub failed_calls: u64,
    pub tokens: TokenTotals,
    /// Sum of the priced calls' cost.
    pub cost_usd: f64,
    pub latency_ms: Option<Distribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct LlmStats {
    pub calls: u64,
    pub failed_calls: u64,
    /// Successful calls of a model without a price (not in `cost_usd`; failed calls carry no cost).
    pub unpriced_calls: u64,
    pub latency_ms: Option<Distribution>,
    pub tokens: TokenTotals,
    pub cost_usd: f64,
    pub cost_per_task: Option<f64>,
    pub tokens_per_task: Option<f64>,
    pub by_model: Vec<LlmModelStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ActionTypeStats {
    pub action_type: String,
    pub count: u64,
    pub succeeded: u64,
    pub success_rate: f64,
    pub mean_duration_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ActionStats {
    pub total: u64,
    pub succeeded: u64,
    pub success_rate: Option<f64>,
    pub per_task: Option<f64>,
    /// Most frequent first.
    pub by_type: Vec<ActionTypeStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PageLoadStats {
    pub count: u64,
    pub load_ms: Option<Distribution>,
    pub mean_dom_elements: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SeverityCounts {
    pub low: u64,
    pub medium: u64,
    pub high: u64,
    pub critical: u64,
}

/// One error type in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ErrorTypeStats {
    pub error_type: String,
    pub count: u64,
    pub unresolved: u64,
    /// The message of the most recent error of this type (latest `at_ms`; the later-created on a tie).
    pub last_message: String,
    pub last_severity: ErrorSeverity,
    pub last_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ErrorStats {
    pub total: u64,
    pub by_severity: SeverityCounts,
    /// Unresolved errors that happened in the window.
    pub unresolved: u64,
    /// Unresolved errors of all time.
    pub unresolved_all_time: u64,
    /// Most frequent first (ties by name), at most [`TOP_ERROR_TYPES`].
    pub top_types: Vec<ErrorTypeStats>,
}

/// How many error types `top_types` lists.
pub const TOP_ERROR_TYPES: usize = 10;

/// Everything `monitor performance` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PerformanceSummary {
    pub since_ms: i64,
    pub until_ms: i64,
    pub tasks: TaskStats,
    pub tasks_by_model: Vec<ModelTaskStats>,
    pub llm: LlmStats,
    pub actions: ActionStats,
    pub page_loads: PageLoadStats,
    pub errors: ErrorStats,
}

/// `monitor errors`: the window's error types and the errors themselves, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ErrorList {
    pub since_ms: i64,
    pub until_ms: i64,
    pub unresolved_only: bool,
    /// Errors matching the window (and `unresolved_only`), before `limit`.
    pub matching: u64,
    pub unresolved_all_time: u64,
    pub by_type: Vec<ErrorTypeStats>,
    pub errors: Vec<ErrorRecord>,
}

fn check_window(since_ms: i64, until_ms: i64) -> Result<(), MetricsError> {
    if since_ms > until_ms {
        return Err(MetricsError::Invalid {
            field: "window".into(),
            problem: format!("since ({since_ms}) is after until ({until_ms})"),
        });
    }
    Ok(())
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The performance summary of `[since_ms, until_ms]`.
pub async fn performance(store: &Store, since_ms: i64, until_ms: i64) -> Result<PerformanceSummary, MetricsError> {
    check_window(since_ms, until_ms)?;
    let pool = store.pool();
    let tasks: Vec<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT model, provider, status, started_at_ms, ended_at_ms FROM mon_tasks \
         WHERE started_at_ms BETWEEN ? AND ? ORDER BY started_at_ms",
    )
    .bind(since_ms)
    .bind(until_ms)
    .fetch_all(pool)
    .await?;
    let (task_stats, by_model) = task_stats(&tasks);
    let n_tasks = task_stats.total;

    let calls: Vec<CallRow> = sqlx::query_as(
        "SELECT provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, \
         cost_usd, latency_ms, success FROM mon_llm_calls WHERE at_ms BETWEEN ? AND ?",
    )
    .bind(since_ms)
    .bind(until_ms)
    .fetch_all(pool)
    .await?;
    let llm = llm_stats(&calls, n_tasks);

    let actions: Vec<(String, bool, f64)> =
        sqlx::query_as("SELECT action_type, success, duration_ms FROM mon_actions WHERE at_ms BETWEEN ? AND ?")
            .bind(since_ms)
            .bind(until_ms)
            .fetch_all(pool)
            .await?;
    let actions = action_stats(&actions, n_tasks);

    let loads: Vec<(f64, Option<i64>)> =
        sqlx::query_as("SELECT load_ms, dom_elements FROM mon_page_loads WHERE at_ms BETWEEN ? AND ?")
            .bind(since_ms)
            .bind(until_ms)
            .fetch_all(pool)
            .await?;
    let elements: Vec<i64> = loads.iter().filter_map(|(_, e)| *e).collect();
    let page_loads = PageLoadStats {
        count: loads.len() as u64,
        load_ms: Distribution::of(loads.iter().map(|(ms, _)| *ms).collect()),
        mean_dom_elements: (!elements.is_empty())
            .then(|| elements.iter().map(|e| *e as f64).sum::<f64>() / elements.len() as f64),
    };

    let errors = window_errors(store, since_ms, until_ms, false).await?;
    let mut by_severity = SeverityCounts::default();
    for e in &errors {
        match e.severity {
            ErrorSeverity::Low => by_severity.low += 1,
            ErrorSeverity::Medium => by_severity.medium += 1,
            ErrorSeverity::High => by_severity.high += 1,
            ErrorSeverity::Critical => by_severity.critical += 1,
        }
    }
    let mut top_types = error_types(&errors);
    top_types.truncate(TOP_ERROR_TYPES);
    let errors = ErrorStats {
        total: errors.len() as u64,
        by_severity,
        unresolved: errors.iter().filter(|e| !e.resolved).count() as u64,
        unresolved_all_time: unresolved_all_time(store).await?,
        top_types,
    };
    Ok(PerformanceSummary {
        since_ms,
        until_ms,
        tasks: task_stats,
        tasks_by_model: by_model,
        llm,
        actions,
        page_loads,
        errors,
    })
}

/// The errors of `[since_ms, until_ms]` (only unresolved ones with `unresolved_only`), newest first, at most `limit`.
pub async fn errors(
    store: &Store,
    since_ms: i64,
    until_ms: i64,
    unresolved_only: bool,
    limit: usize,
) -> Result<ErrorList, MetricsError> {
    check_window(since_ms, until_ms)?;
    let all = window_errors(store, since_ms, until_ms, unresolved_only).await?;
    let by_type = error_types(&all);
    let matching = all.len() as u64;
    let errors = all.into_iter().rev().take(limit).collect();
    Ok(ErrorList {
        since_ms,
        until_ms,
        unresolved_only,
        matching,
        unresolved_all_time: unresolved_all_time(store).await?,
        by_type,
        errors,
    })
}

/// Errors of the window, oldest first (ties by id, i.e. creation order).
async fn window_errors(
    store: &Store,
    since_ms: i64,
    until_ms: i64,
    unresolved_only: bool,
) -> Result<Vec<ErrorRecord>, MetricsError> {
    let filter = if unresolved_only { "AND resolved = 0" } else { "" };
    let sql = format!("SELECT {ERROR_COLUMNS} FROM mon_errors WHERE at_ms BETWEEN ? AND ? {filter} ORDER BY at_ms, id");
    let rows: Vec<ErrorRow> = sqlx::query_as(&sql).bind(since_ms).bind(until_ms).fetch_all(store.pool()).await?;
    Ok(rows.into_iter().map(error_record).collect())
}

async fn unresolved_all_time(store: &Store) -> Result<u64, MetricsError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mon_errors WHERE resolved = 0").fetch_one(store.pool()).await?;
    Ok(n.max(0) as u64)
}

/// Error types of `errors` (oldest first), most frequent first, ties by name.
fn error_types(errors: &[ErrorRecord]) -> Vec<ErrorTypeStats> {
    let mut by_type: BTreeMap<&str, ErrorTypeStats> = BTreeMap::new();
    for e in errors {
        let s = by_type.entry(&e.error_type).or_insert_with(|| ErrorTypeStats {
            error_type: e.error_type.clone(),
            count: 0,
            unresolved: 0,
            last_message: String::new(),
            last_severity: e.severity,
            last_at_ms: e.at_ms,
        });
        s.count += 1;
        s.unresolved += u64::from(!e.resolved);
        // Oldest first, so the last one seen is the most recent.
        s.last_message = e.message.clone();
        s.last_severity = e.severity;
        s.last_at_ms = e.at_ms;
    }
    let mut types: Vec<ErrorTypeStats> = by_type.into_values().collect();
    types.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.error_type.cmp(&b.error_type)));
    types
}

fn task_stats(tasks: &[(String, String, String, i64, Option<i64>)]) -> (TaskStats, Vec<ModelTaskStats>) {
    let count = |status: &str| tasks.iter().filter(|t| t.2 == status).count() as u64;
    let (succeeded, failed, error, running) = (count("succeeded"), count("failed"), count("error"), count("running"));
    let ended = succeeded + failed + error;
    let durations = tasks.iter().filter_map(|t| t.4.map(|end| (end - t.3) as f64)).collect();
    let stats = TaskStats {
        total: tasks.len() as u64,
        running,
        succeeded,
        failed,
        error,
        success_rate: ratio(succeeded, ended),
        error_rate: ratio(error, ended),
        duration_ms: Distribution::of(durations),
    };
    let mut models: BTreeMap<(&str, &str), ModelTaskStats> = BTreeMap::new();
    for (model, provider, status, _, _) in tasks {
        let m = models.entry((model, provider)).or_insert_with(|| ModelTaskStats {
            model: model.clone(),
            provider: provider.clone(),
            tasks: 0,
            ended: 0,
            succeeded: 0,
            success_rate: None,
        });
        m.tasks += 1;
        m.ended += u64::from(status != "running");
        m.succeeded += u64::from(status == "succeeded");
    }
    let by_model = models
        .into_values()
        .map(|mut m| {
            m.success_rate = ratio(m.succeeded, m.ended);
            m
        })
        .collect();
    (stats, by_model)
}

type CallRow = (String, String, i64, i64, i64, i64, i64, Option<f64>, f64, bool);

fn add_tokens(t: &mut TokenTotals, c: &CallRow) {
    t.input += c.2;
    t.output += c.3;
    t.cache_read += c.4;
    t.cache_write += c.5;
    t.reasoning += c.6;
    t.total += c.2 + c.3 + c.4 + c.5 + c.6;
}

fn llm_stats(calls: &[CallRow], n_tasks: u64) -> LlmStats {
    let mut tokens = TokenTotals::default();
    let mut groups: BTreeMap<(&str, &str), (LlmModelStats, Vec<f64>)> = BTreeMap::new();
    for c in calls {
        add_tokens(&mut tokens, c);
        let (g, latencies) = groups.entry((&c.0, &c.1)).or_insert_with(|| {
            let stats = LlmModelStats {
                provider: c.0.clone(),
                model: c.1.clone(),
                calls: 0,
                failed_calls: 0,
                tokens: TokenTotals::default(),
                cost_usd: 0.0,
                latency_ms: None,
            };
            (stats, Vec::new())
        });
        g.calls += 1;
        g.failed_calls += u64::from(!c.9);
        add_tokens(&mut g.tokens, c);
        g.cost_usd += c.7.unwrap_or(0.0);
        latencies.push(c.8);
    }
    // A fold from +0.0: an empty f64 `sum()` is -0.0, which would print as "-0".
    let cost_usd = calls.iter().filter_map(|c| c.7).fold(0.0, |a, b| a + b);
    let per_task = |v: f64| (n_tasks > 0).then(|| v / n_tasks as f64);
    LlmStats {
        calls: calls.len() as u64,
        failed_calls: calls.iter().filter(|c| !c.9).count() as u64,
        unpriced_calls: calls.iter().filter(|c| c.9 && c.7.is_none()).count() as u64,
        latency_ms: Distribution::of(calls.iter().map(|c| c.8).collect()),
        cost_per_task: per_task(cost_usd),
        tokens_per_task: per_task(tokens.total as f64),
        tokens,
        cost_usd,
        by_model: groups
            .into_values()
            .map(|(mut g, latencies)| {
                g.latency_ms = Distribution::of(latencies);
                g
            })
            .collect(),
    }
}

fn action_stats(actions: &[(String, bool, f64)], n_tasks: u64) -> ActionStats {
    let mut by_type: BTreeMap<&str, (u64, u64, f64)> = BTreeMap::new();
    for (t, ok, ms) in actions {
        let e = by_type.entry(t).or_default();
        e.0 += 1;
        e.1 += u64::from(*ok);
        e.2 += ms;
    }
    let mut types: Vec<ActionTypeStats> = by_type
        .into_iter()
        .map(|(t, (count, succeeded, total_ms))| ActionTypeStats {
            action_type: t.to_string(),
            count,
            succeeded,
            success_rate: succeeded as f64 / count as f64,
            mean_duration_ms: total_ms / count as f64,
        })
        .collect();
    types.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.action_type.cmp(&b.action_type)));
    let total = actions.len() as u64;
    let succeeded = actions.iter().filter(|a| a.1).count() as u64;
    ActionStats {
        total,
        succeeded,
        success_rate: ratio(succeeded, total),
        per_task: (n_tasks > 0).then(|| total as f64 / n_tasks as f64),
        by_type: types,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_a_hand_computed_example() {
        // Five values: rank ⌈p·5/100⌉ → p30: ⌈1.5⌉ = 2nd, p40: ⌈2⌉ = 2nd, p50: ⌈2.5⌉ = 3rd, p100: 5th.
        let v = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(nearest_rank(&v, 30), Some(20.0));
        assert_eq!(nearest_rank(&v, 40), Some(20.0));
        assert_eq!(nearest_rank(&v, 50), Some(35.0));
        assert_eq!(nearest_rank(&v, 100), Some(50.0));
        assert_eq!(nearest_rank(&v, 1), Some(15.0));
        assert_eq!(nearest_rank::<f64>(&[], 50), None);
        // Twenty values 1..=20: p95 is rank 19 exactly (no float rounding up to 20), p99 is rank ⌈19.8⌉ = 20.
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(nearest_rank(&twenty, 95), Some(19.0));
        assert_eq!(nearest_rank(&twenty, 99), Some(20.0));
        assert_eq!(nearest_rank(&twenty, 50), Some(10.0));
    }

    #[test]
    fn distribution_sorts_and_summarises() {
        let d = Distribution::of(vec![40.0, 15.0, 50.0, 20.0, 35.0]).unwrap();
        assert_eq!((d.count, d.p50, d.p95, d.p99, d.max), (5, 35.0, 50.0, 50.0, 50.0));
        assert_eq!(d.mean, 32.0);
        assert!(Distribution::of(Vec::new()).is_none());
    }

    #[test]
    fn the_most_recent_message_wins_and_types_are_ranked_by_count() {
        let e = |t: &str, m: &str, at: i64, resolved: bool| ErrorRecord {
            id: format!("{at}"),
            task_ref: None,
            error_type: t.into(),
            message: m.into(),
            context: serde_json::json!({}),
            severity: ErrorSeverity::High,
            resolved,
            resolved_at_ms: None,
            at_ms: at,
        };
        let types = error_types(&[e("b", "old", 1, false), e("a", "only", 2, true), e("b", "new", 3, true)]);
        assert_eq!(types.len(), 2);
        assert_eq!((types[0].error_type.as_str(), types[0].count, types[0].unresolved), ("b", 2, 1));
        assert_eq!((types[0].last_message.as_str(), types[0].last_at_ms), ("new", 3));
        assert_eq!((types[1].error_type.as_str(), types[1].last_message.as_str()), ("a", "only"));
    }
}

//! Alerts from the config's thresholds (`monitoring.alerts`). Six rules: three over the agent tasks that ended in the
//! last hour (`mon_tasks`) and three over the latest health sample. `evaluate` computes every rule, fires an alert
//! (inserts a row) when a rule is violated and none is open for it, and resolves the open one when the rule is no
//! longer violated — so each episode is one row, fired once and resolved once. A rule without data (no ended task,
//! too few tasks, no recent sample) is not violated, like a Prometheus expression that returns nothing.
//! `deploy/alerts.yml` holds the same rules for Prometheus.
//!
//! `evaluate` computes every rule in one write transaction, so two evaluators never fire the same rule twice.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::config::AlertThresholds;
use crate::kind::ErrorKind;
use crate::stats::nearest_rank;
use crate::store::{Store, StoreError};

/// The task rules look at tasks that ended within this window.
pub const TASK_WINDOW_MS: i64 = 3_600_000;
/// `min_success_rate` is only judged over at least this many ended tasks (fewer say little about a rate).
pub const MIN_TASKS_FOR_SUCCESS_RATE: u32 = 10;
/// The resource rules use the latest health sample only if it is at most this old.
pub const MAX_SAMPLE_AGE_MS: i64 = 15 * 60_000;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alerts store: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Health(#[from] super::health::HealthError),
}

impl AlertError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Failed
    }
}

/// One rule, named as in the `alerts.rule` column and the Prometheus rules' `rule` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Share of ended tasks whose status is `error` (the run broke, as opposed to `failed`: the goal was not met),
    /// above the threshold.
    ErrorRate,
    /// 95th percentile of task duration (nearest rank, exact over the stored durations) above the threshold.
    P95TaskDuration,
    /// Share of ended tasks that `succeeded`, below the threshold (judged from `MIN_TASKS_FOR_SUCCESS_RATE` tasks).
    MinSuccessRate,
    /// Whole-machine CPU % at or above the threshold.
    CpuPercent,
    /// Memory used / total at or above the threshold.
    MemoryPercent,
    /// Used / total of the disk holding the data dir at or above the threshold.
    DiskPercent,
}

pub const RULES: [Rule; 6] = [
    Rule::ErrorRate,
    Rule::P95TaskDuration,
    Rule::MinSuccessRate,
    Rule::CpuPercent,
    Rule::MemoryPercent,
    Rule::DiskPercent,
];

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::ErrorRate => "error_rate",
            Rule::P95TaskDuration => "p95_task_duration",
            Rule::MinSuccessRate => "min_success_rate",
            Rule::CpuPercent => "cpu_percent",
            Rule::MemoryPercent => "memory_percent",
            Rule::DiskPercent => "disk_percent",
        }
    }

    /// `warning` for slow tasks and a busy CPU, `critical` for the rest.
    pub fn severity(self) -> &'static str {
        match self {
            Rule::P95TaskDuration | Rule::CpuPercent => "warning",
            _ => "critical",
        }
    }

    pub fn threshold(self, t: &AlertThresholds) -> f64 {
        match self {
            Rule::ErrorRate => t.error_rate,
            Rule::P95TaskDuration => t.p95_task_duration_secs,
            Rule::MinSuccessRate => t.min_success_rate,
            Rule::CpuPercent => t.cpu_percent,
            Rule::MemoryPercent => t.memory_percent,
            Rule::DiskPercent => t.disk_percent,
        }
    }

    pub fn violated(self, observed: f64, threshold: f64) -> bool {
        match self {
            Rule::ErrorRate | Rule::P95TaskDuration => observed > threshold,
            Rule::MinSuccessRate => observed < threshold,
            Rule::CpuPercent | Rule::MemoryPercent | Rule::DiskPercent => observed >= threshold,
        }
    }

    fn message(self, observed: f64, threshold: f64, n: u32) -> String {
        match self {
            Rule::ErrorRate => format!(
                "{:.1}% of the {n} tasks ended in the last hour ended in error (threshold {:.1}%)",
                observed * 100.0,
                threshold * 100.0
            ),
            Rule::P95TaskDuration => {
                format!(
                    "p95 task duration {observed:.1} s over the {n} tasks ended in the last hour (threshold {threshold} s)"
                )
            }
            Rule::MinSuccessRate => format!(
                "success rate {:.1}% over the {n} tasks ended in the last hour (minimum {:.1}%)",
                observed * 100.0,
                threshold * 100.0
            ),
            Rule::CpuPercent => format!("CPU at {observed:.1}% (threshold {threshold}%)"),
            Rule::MemoryPercent => format!("memory at {observed:.1}% (threshold {threshold}%)"),
            Rule::DiskPercent => format!("disk at {observed:.1}% (threshold {threshold}%)"),
        }
    }
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Alert {
    pub id: String,
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub observed: f64,
    pub threshold: f64,
    pub fired_at_ms: i64,
    pub resolved_at_ms: Option<i64>,
}

/// What one rule saw in one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RuleCheck {
    pub rule: Rule,
    /// `None` when there was nothing to judge (no ended tasks, too few for a success rate, no recent sample).
    pub observed: Option<f64>,
    pub threshold: f64,
    pub violated: bool,
}

/// The result of one evaluation: every rule's check, and the alerts it fired and resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AlertEvaluation {
    pub at_ms: i64,
    pub checks: Vec<RuleCheck>,
    pub fired: Vec<Alert>,
    pub resolved: Vec<Alert>,
}

/// Tasks that ended in a window, by status (plus those still running), counted directly over `mon_tasks`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TaskCounts {
    pub running: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub error: u32,
}

impl TaskCounts {
    pub fn ended(&self) -> u32 {
        self.succeeded + self.failed + self.error
    }
}

/// Ended tasks with `ended_at_ms >= since_ms` by status, and every task still running.
pub async fn task_counts(store: &Store, since_ms: i64) -> Result<TaskCounts, AlertError> {
    let rows = sqlx::query(
        "SELECT status, COUNT(*) AS n FROM mon_tasks WHERE status = 'running' OR ended_at_ms >= ? GROUP BY status",
    )
    .bind(since_ms)
    .fetch_all(store.pool())
    .await?;
    let mut counts = TaskCounts::default();
    for row in rows {
        let status: String = row.try_get("status")?;
        let n = u32::try_from(row.try_get::<i64, _>("n")?).unwrap_or(u32::MAX);
        match status.as_str() {
            "running" => counts.running = n,
            "succeeded" => counts.succeeded = n,
            "failed" => counts.failed = n,
            "error" => counts.error = n,
            _ => {}
        }
    }
    Ok(counts)
}

/// Observed values of every rule at `now_ms`, with the number of ended tasks they were judged over.
async fn observe(store: &Store, now_ms: i64) -> Result<(Vec<(Rule, Option<f64>)>, u32), AlertError> {
    let since = now_ms - TASK_WINDOW_MS;
    let counts = task_counts(store, since).await?;
    let ended = counts.ended();
    let mut durations: Vec<f64> = sqlx::query_scalar(
        "SELECT (ended_at_ms - started_at_ms) / 1000.0 FROM mon_tasks
         WHERE status IN ('succeeded', 'failed', 'error') AND ended_at_ms >= ?",
    )
    .bind(since)
    .fetch_all(store.pool())
    .await?;
    durations.sort_by(f64::total_cmp);
    let rate = |n: u32| (ended > 0).then(|| f64::from(n) / f64::from(ended));
    let sample = super::health::latest(store).await?.filter(|s| s.at_ms >= now_ms - MAX_SAMPLE_AGE_MS);
    let observed = vec![
        (Rule::ErrorRate, rate(counts.error)),
        (Rule::P95TaskDuration, nearest_rank(&durations, 95)),
        (Rule::MinSuccessRate, rate(counts.succeeded).filter(|_| ended >= MIN_TASKS_FOR_SUCCESS_RATE)),
        (Rule::CpuPercent, sample.as_ref().and_then(|s| s.cpu_percent)),
        (Rule::MemoryPercent, sample.as_ref().map(|s| s.memory_percent())),
        (Rule::DiskPercent, sample.as_ref().filter(|s| s.disk_total_bytes > 0).map(|s| s.disk_percent())),
    ];
    Ok((observed, ended))
}

const ALERT_COLUMNS: &str = "id, rule, severity, message, observed, threshold, fired_at_ms, resolved_at_ms";

fn alert_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Alert, sqlx::Error> {
    Ok(Alert {
        id: row.try_get("id")?,
        rule: row.try_get("rule")?,
        severity: row.try_get("severity")?,
        message: row.try_get("message")?,
        observed: row.try_get("observed")?,
        threshold: row.try_get("threshold")?,
        fired_at_ms: row.try_get("fired_at_ms")?,
        resolved_at_ms: row.try_get("resolved_at_ms")?,
    })
}

/// Evaluate every rule at `now_ms` and fire / resolve alerts, in one write transaction (so two evaluators never
/// fire the same rule twice).
pub async fn evaluate(store: &Store, thresholds: &AlertThresholds, now_ms: i64) -> Result<AlertEvaluation, AlertError> {
    let (observed, ended) = observe(store, now_ms).await?;
    let mut tx = store.begin_write().await?;
    let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE resolved_at_ms IS NULL");
    let open: Vec<Alert> =
        sqlx::query(&sql).fetch_all(&mut *tx).await?.iter().map(alert_from_row).collect::<Result<_, _>>()?;
    let mut out = AlertEvaluation { at_ms: now_ms, checks: Vec::new(), fired: Vec::new(), resolved: Vec::new() };
    for (rule, value) in observed {
        let threshold = rule.threshold(thresholds);
        let violated = value.is_some_and(|v| rule.violated(v, threshold));
        out.checks.push(RuleCheck { rule, observed: value, threshold, violated });
        let current = open.iter().find(|a| a.rule == rule.as_str());
        match (violated, current, value) {
            (true, None, Some(v)) => {
                let alert = Alert {
                    id: crate::util::new_id(),
                    rule: rule.as_str().to_string(),
                    severity: rule.severity().to_string(),
                    message: rule.message(v, threshold, ended),
                    observed: v,
                    threshold,
                    fired_at_ms: now_ms,
                    resolved_at_ms: None,
                };
                sqlx::query(&format!("INSERT INTO alerts ({ALERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)"))
                    .bind(&alert.id)
                    .bind(&alert.rule)
                    .bind(&alert.severity)
                    .bind(&alert.message)
                    .bind(alert.observed)
                    .bind(alert.threshold)
                    .bind(alert.fired_at_ms)
                    .execute(&mut *tx)
                    .await?;
                out.fired.push(alert);
            }
            (false, Some(alert), _) => {
                let at = now_ms.max(alert.fired_at_ms);
                sqlx::query("UPDATE alerts SET resolved_at_ms = ? WHERE id = ?")
                    .bind(at)
                    .bind(&alert.id)
                    .execute(&mut *tx)
                    .await?;
                out.resolved.push(Alert { resolved_at_ms: Some(at), ..alert.clone() });
            }
            _ => {}
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// Alerts newest first: only open ones, or (with `open_only` false) every one fired at or after `since_ms`
/// plus any still open.
pub async fn list(store: &Store, open_only: bool, since_ms: Option<i64>) -> Result<Vec<Alert>, AlertError> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE resolved_at_ms IS NULL OR (? AND fired_at_ms >= ?)
         ORDER BY fired_at_ms DESC, id DESC"
    );
    let rows = sqlx::query(&sql).bind(!open_only).bind(since_ms.unwrap_or(i64::MIN)).fetch_all(store.pool()).await?;
    Ok(rows.iter().map(alert_from_row).collect::<Result<_, _>>()?)
}

/// One alert fired in a window, as the report lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct FiredAlert {
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub observed: f64,
    pub threshold: f64,
    pub fired_at_ms: i64,
    pub resolved_at_ms: Option<i64>,
}

type RawFired = (String, String, String, f64, f64, i64, Option<i64>);

/// At most `limit` alerts fired in `from_ms..=to_ms`, newest first, with their columns as stored (the rule and
/// severity words are not parsed, so a reader outside metrics gets every row).
pub async fn fired_between(
    pool: &sqlx::SqlitePool,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> Result<Vec<FiredAlert>, StoreError> {
    let rows: Vec<RawFired> = sqlx::query_as(
        "SELECT rule, severity, message, observed, threshold, fired_at_ms, resolved_at_ms FROM alerts \
         WHERE fired_at_ms >= ? AND fired_at_ms <= ? ORDER BY fired_at_ms DESC, id DESC LIMIT ?",
    )
    .bind(from_ms)
    .bind(to_ms)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(rule, severity, message, observed, threshold, fired_at_ms, resolved_at_ms)| FiredAlert {
            rule,
            severity,
            message,
            observed,
            threshold,
            fired_at_ms,
            resolved_at_ms,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_hand_computed_ranks() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        // ceil(0.95 * 20) = 19th smallest.
        assert_eq!(nearest_rank(&v, 95), Some(19.0));
        // ceil(0.95 * 3) = 3rd: the maximum.
        assert_eq!(nearest_rank(&[1.0, 2.0, 9.0], 95), Some(9.0));
        assert_eq!(nearest_rank(&[4.0], 95), Some(4.0));
        assert_eq!(nearest_rank::<f64>(&[], 95), None);
    }

    #[test]
    fn comparisons_follow_each_rules_direction() {
        assert!(Rule::ErrorRate.violated(0.11, 0.1));
        assert!(!Rule::ErrorRate.violated(0.1, 0.1));
        assert!(Rule::MinSuccessRate.violated(0.79, 0.8));
        assert!(!Rule::MinSuccessRate.violated(0.8, 0.8));
        assert!(Rule::DiskPercent.violated(85.0, 85.0));
        assert!(!Rule::CpuPercent.violated(84.9, 85.0));
    }
}

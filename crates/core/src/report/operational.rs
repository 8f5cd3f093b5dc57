//! Collecting the operational sections of a report — errors and system health from monitoring, the alerts fired,
//! the registry's current state, and storage statistics — from the owning domains' read functions
//! (`metrics::window`, `metrics::alerts`, `registry::overview`, `tracker::artifacts`, `Store::row_counts`). This
//! file only shapes their rows into `ReportData`: severity order, health time buckets, counts as `u64`. Empty tables
//! give empty sections, never zeros.

use sqlx::SqlitePool;

use super::ReportError;
use super::collect::count;
use super::data::{
    AlertRow, ErrorBreakdown, ErrorTypeRow, Health, HealthBucket, ModelState, SeverityRow, Storage, TableRows, Window,
};
use crate::metrics::{alerts as metric_alerts, window};
use crate::registry::overview;
use crate::stats;
use crate::store::Store;
use crate::tracker::artifacts;

/// Severities from the most to the least serious.
const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

/// How many points the health chart gets at most (samples are averaged into this many time buckets).
const HEALTH_BUCKETS: i64 = 120;

/// How many alerts the alerts section lists at most (the newest).
const MAX_ALERTS: i64 = 50;

/// The tables whose row counts the storage section lists (those that exist in the database).
const MAIN_TABLES: [&str; 14] = [
    "experiments",
    "runs",
    "metric_values",
    "models",
    "model_versions",
    "deployments",
    "evaluations",
    "task_results",
    "artifacts",
    "mon_tasks",
    "mon_llm_calls",
    "mon_errors",
    "health_samples",
    "alerts",
];

pub async fn errors(pool: &SqlitePool, w: &Window) -> Result<ErrorBreakdown, ReportError> {
    let types = window::error_types_between(pool, w.from_ms, w.to_ms).await?;
    let mut by_type = Vec::with_capacity(types.len());
    for t in types {
        let latest_message = window::latest_error_message(pool, &t.error_type, w.from_ms, w.to_ms).await?;
        by_type.push(ErrorTypeRow {
            error_type: t.error_type,
            count: count(t.count),
            unresolved: count(t.unresolved),
            latest_message,
            latest_at_ms: t.latest_at_ms,
        });
    }
    let severities = window::error_severities_between(pool, w.from_ms, w.to_ms).await?;
    let by_severity = SEVERITIES
        .iter()
        .filter_map(|s| {
            let n = severities.iter().find(|(name, _)| name == s)?.1;
            Some(SeverityRow { severity: s.to_string(), count: count(n) })
        })
        .collect();
    Ok(ErrorBreakdown {
        total: by_type.iter().map(|t| t.count).sum(),
        unresolved: by_type.iter().map(|t| t.unresolved).sum(),
        by_type,
        by_severity,
    })
}

pub async fn health(pool: &SqlitePool, w: &Window) -> Result<Health, ReportError> {
    let rows = window::health_samples_between(pool, w.from_ms, w.to_ms).await?;
    let mem = |used: i64, total: i64| used as f64 / total.max(1) as f64 * 100.0;
    let cpus: Vec<f64> = rows.iter().filter_map(|r| r.cpu_percent).collect();
    let mems: Vec<f64> = rows.iter().map(|r| mem(r.memory_used_bytes, r.memory_total_bytes)).collect();
    let width = ((w.to_ms - w.from_ms) / HEALTH_BUCKETS).max(60_000);
    let mut series: Vec<(HealthBucket, Vec<f64>, Vec<f64>)> = Vec::new();
    for r in &rows {
        let start_ms = w.from_ms + (r.at_ms - w.from_ms) / width * width;
        if series.last().is_none_or(|(b, _, _)| b.start_ms != start_ms) {
            let bucket = HealthBucket { start_ms, samples: 0, cpu_percent: None, memory_percent: 0.0 };
            series.push((bucket, Vec::new(), Vec::new()));
        }
        if let Some((bucket, c, m)) = series.last_mut() {
            bucket.samples += 1;
            c.extend(r.cpu_percent);
            m.push(mem(r.memory_used_bytes, r.memory_total_bytes));
        }
    }
    let max = |v: &[f64]| v.iter().copied().reduce(f64::max);
    Ok(Health {
        samples: rows.len() as u64,
        cpu_mean_percent: stats::mean(&cpus),
        cpu_max_percent: max(&cpus),
        memory_mean_percent: stats::mean(&mems),
        memory_max_percent: max(&mems),
        latest_status: rows.last().map(|r| r.status.clone()),
        series: series
            .into_iter()
            .map(|(mut b, c, m)| {
                b.cpu_percent = stats::mean(&c);
                b.memory_percent = stats::mean(&m).unwrap_or(0.0);
                b
            })
            .collect(),
    })
}

pub async fn alerts(pool: &SqlitePool, w: &Window) -> Result<Vec<AlertRow>, ReportError> {
    let rows = metric_alerts::fired_between(pool, w.from_ms, w.to_ms, MAX_ALERTS).await?;
    Ok(rows
        .into_iter()
        .map(|a| AlertRow {
            rule: a.rule,
            severity: a.severity,
            message: a.message,
            observed: a.observed,
            threshold: a.threshold,
            fired_at_ms: a.fired_at_ms,
            resolved_at_ms: a.resolved_at_ms,
        })
        .collect())
}

pub async fn registry(pool: &SqlitePool) -> Result<Vec<ModelState>, ReportError> {
    let mut conn = pool.acquire().await?;
    let models = overview::models(&mut conn).await?;
    Ok(models
        .into_iter()
        .map(|m| ModelState {
            model: m.name,
            versions: count(m.versions),
            aliases: m.aliases,
            latest_deployment: m.latest_deployment,
        })
        .collect())
}

pub async fn storage(store: &Store) -> Result<Storage, ReportError> {
    let size = |p: std::path::PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let path = store.path().to_path_buf();
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    let tables = store
        .row_counts(&MAIN_TABLES)
        .await?
        .into_iter()
        .map(|t| TableRows { table: t.table, rows: count(t.rows) })
        .collect();
    let totals = artifacts::artifact_totals(store).await?;
    Ok(Storage {
        db_bytes: size(path),
        wal_bytes: size(wal.into()),
        tables,
        artifacts: count(totals.artifacts),
        artifact_compressed_bytes: count(totals.compressed_bytes),
        artifact_raw_bytes: count(totals.raw_bytes),
    })
}

//! Collecting the operational parts of a report: errors and system health from the monitoring tables, alerts,
//! the registry's current state, and storage statistics. Empty tables give empty sections, never zeros.

use sqlx::SqlitePool;

use super::ReportError;
use super::collect::count;
use super::data::{
    AlertRow, AliasRow, DeploymentRow, ErrorBreakdown, ErrorTypeRow, Health, HealthBucket, ModelState, SeverityRow,
    Storage, TableRows, Window,
};
use crate::stats;
use crate::store::Store;

/// Severities from the most to the least serious.
const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

/// How many points the health chart gets at most (samples are averaged into this many time buckets).
const HEALTH_BUCKETS: i64 = 120;

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
    let types: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT error_type, COUNT(*), SUM(resolved = 0), MAX(at_ms) FROM mon_errors \
         WHERE at_ms >= ? AND at_ms <= ? GROUP BY error_type ORDER BY COUNT(*) DESC, error_type",
    )
    .bind(w.from_ms)
    .bind(w.to_ms)
    .fetch_all(pool)
    .await?;
    let mut by_type = Vec::with_capacity(types.len());
    for (error_type, n, unresolved, latest_at_ms) in types {
        let latest_message: String = sqlx::query_scalar(
            "SELECT message FROM mon_errors WHERE error_type = ? AND at_ms >= ? AND at_ms <= ? \
             ORDER BY at_ms DESC, id DESC LIMIT 1",
        )
        .bind(&error_type)
        .bind(w.from_ms)
        .bind(w.to_ms)
        .fetch_one(pool)
        .await?;
        by_type.push(ErrorTypeRow {
            error_type,
            count: count(n),
            unresolved: count(unresolved),
            latest_message,
            latest_at_ms,
        });
    }
    let severities: Vec<(String, i64)> =
        sqlx::query_as("SELECT severity, COUNT(*) FROM mon_errors WHERE at_ms >= ? AND at_ms <= ? GROUP BY severity")
            .bind(w.from_ms)
            .bind(w.to_ms)
            .fetch_all(pool)
            .await?;
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
    let rows: Vec<(i64, Option<f64>, i64, i64, String)> = sqlx::query_as(
        "SELECT at_ms, cpu_percent, memory_used_bytes, memory_total_bytes, status FROM health_samples \
         WHERE at_ms >= ? AND at_ms <= ? ORDER BY at_ms, id",
    )
    .bind(w.from_ms)
    .bind(w.to_ms)
    .fetch_all(pool)
    .await?;
    let mem = |used: i64, total: i64| used as f64 / total.max(1) as f64 * 100.0;
    let cpus: Vec<f64> = rows.iter().filter_map(|r| r.1).collect();
    let mems: Vec<f64> = rows.iter().map(|r| mem(r.2, r.3)).collect();
    let width = ((w.to_ms - w.from_ms) / HEALTH_BUCKETS).max(60_000);
    let mut series: Vec<(HealthBucket, Vec<f64>, Vec<f64>)> = Vec::new();
    for (at, cpu, used, total, _) in &rows {
        let start_ms = w.from_ms + (at - w.from_ms) / width * width;
        if series.last().is_none_or(|(b, _, _)| b.start_ms != start_ms) {
            let bucket = HealthBucket { start_ms, samples: 0, cpu_percent: None, memory_percent: 0.0 };
            series.push((bucket, Vec::new(), Vec::new()));
        }
        if let Some((bucket, c, m)) = series.last_mut() {
            bucket.samples += 1;
            c.extend(*cpu);
            m.push(mem(*used, *total));
        }
    }
    let max = |v: &[f64]| v.iter().copied().reduce(f64::max);
    Ok(Health {
        samples: rows.len() as u64,
        cpu_mean_percent: stats::mean(&cpus),
        cpu_max_percent: max(&cpus),
        memory_mean_percent: stats::mean(&mems),
        memory_max_percent: max(&mems),
        latest_status: rows.last().map(|r| r.4.clone()),
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

type RawAlert = (String, String, String, f64, f64, i64, Option<i64>);
type RawDeployment = (String, String, Option<i64>, i64, String, i64, String);

pub async fn alerts(pool: &SqlitePool, w: &Window) -> Result<Vec<AlertRow>, ReportError> {
    let rows: Vec<RawAlert> = sqlx::query_as(
        "SELECT rule, severity, message, observed, threshold, fired_at_ms, resolved_at_ms FROM alerts \
         WHERE fired_at_ms >= ? AND fired_at_ms <= ? ORDER BY fired_at_ms DESC, id DESC LIMIT 50",
    )
    .bind(w.from_ms)
    .bind(w.to_ms)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(rule, severity, message, observed, threshold, fired_at_ms, resolved_at_ms)| AlertRow {
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

pub async fn registry(pool: &SqlitePool) -> Result<Vec<ModelState>, ReportError> {
    let models: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT m.id, m.name, (SELECT COUNT(*) FROM model_versions v WHERE v.model_id = m.id) \
         FROM models m ORDER BY m.name",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(models.len());
    for (id, model, versions) in models {
        let aliases: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT a.alias, v.version, a.updated_at_ms FROM model_aliases a \
             JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ? ORDER BY a.alias",
        )
        .bind(&id)
        .fetch_all(pool)
        .await?;
        let latest: Option<RawDeployment> = sqlx::query_as(
            "SELECT d.target, d.action, fv.version, tv.version, d.os_user, d.created_at_ms, d.reason \
             FROM deployments d LEFT JOIN model_versions fv ON fv.id = d.from_version_id \
             JOIN model_versions tv ON tv.id = d.to_version_id \
             WHERE d.model_id = ? ORDER BY d.created_at_ms DESC, d.id DESC LIMIT 1",
        )
        .bind(&id)
        .fetch_optional(pool)
        .await?;
        out.push(ModelState {
            model,
            versions: count(versions),
            aliases: aliases
                .into_iter()
                .map(|(alias, version, updated_at_ms)| AliasRow { alias, version, updated_at_ms })
                .collect(),
            latest_deployment: latest.map(|(target, action, from_version, to_version, by, at_ms, reason)| {
                DeploymentRow { target, action, from_version, to_version, by, at_ms, reason }
            }),
        });
    }
    Ok(out)
}

pub async fn storage(store: &Store) -> Result<Storage, ReportError> {
    let pool = store.pool();
    let size = |p: std::path::PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let path = store.path().to_path_buf();
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    let existing: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all(pool).await?;
    let mut tables = Vec::new();
    for table in MAIN_TABLES.iter().filter(|t| existing.iter().any(|e| e == *t)) {
        // The name comes from the constant list above, never from input.
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(pool).await?;
        tables.push(TableRows { table: table.to_string(), rows: count(n) });
    }
    let (artifacts, compressed, raw): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(length(compressed)), 0), COALESCE(SUM(size_bytes), 0) FROM artifacts",
    )
    .fetch_one(pool)
    .await?;
    Ok(Storage {
        db_bytes: size(path),
        wal_bytes: size(wal.into()),
        tables,
        artifacts: count(artifacts),
        artifact_compressed_bytes: count(compressed),
        artifact_raw_bytes: count(raw),
    })
}

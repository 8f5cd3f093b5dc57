//! Comparing 2..N versions: their configurations side by side with differing fields marked, and performance
//! derived from the version's evaluations (`task_results` of `evaluations` of that version; one "run" per attempt)
//! when it has any, else from the runs linked to it (`runs.model_version_id`) and those runs' metric summaries.
//! Nothing here is typed in by hand; a version without either has no performance (`None`), never zeros.
//!
//! Metric keys read (the last value of each per run): `success` (0 or 1), `steps`, `cost_usd`, `duration_ms`.
//! Tokens are summed from the runs' messages (input + output tokens).

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use super::{CONFIG_FIELDS, ModelVersion, Registry, RegistryError, refs};

pub const METRIC_SUCCESS: &str = "success";
pub const METRIC_STEPS: &str = "steps";
pub const METRIC_COST_USD: &str = "cost_usd";
pub const METRIC_DURATION_MS: &str = "duration_ms";

/// Performance of one version over its linked runs. Each mean or percentile is `None` when no run has that metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Performance {
    /// Runs linked to the version (any status).
    pub runs: i64,
    /// Mean of the `success` metric over the runs that logged it.
    pub success_rate: Option<f64>,
    /// How many runs logged `success`.
    pub success_runs: i64,
    pub mean_steps: Option<f64>,
    pub mean_cost_usd: Option<f64>,
    pub p50_duration_ms: Option<f64>,
    pub p95_duration_ms: Option<f64>,
    /// Input + output tokens over all messages of the linked runs.
    pub total_tokens: i64,
}

/// One version in a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CompareColumn {
    pub version: ModelVersion,
    /// `None` when no runs are linked to the version ("no evaluation results yet").
    pub performance: Option<Performance>,
}

/// One config field across the compared versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CompareField {
    pub field: String,
    /// The field's value in each version, in the order the versions were given.
    pub values: Vec<serde_json::Value>,
    pub differs: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Comparison {
    pub columns: Vec<CompareColumn>,
    pub fields: Vec<CompareField>,
    /// Names of the config fields that differ (empty when the configurations are identical).
    pub differing: Vec<String>,
}

/// The p-th percentile (0..=1) by linear interpolation between the closest ranks of the sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64))
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Performance from the task results of the version's evaluations (one attempt counts as one run), or `None`
/// when the version has no recorded task results.
async fn evaluation_performance(
    conn: &mut SqliteConnection,
    version_id: &str,
) -> Result<Option<Performance>, RegistryError> {
    let rows: Vec<(bool, i64, Option<f64>, i64, i64)> = sqlx::query_as(
        "SELECT t.success, t.steps, t.cost_usd, t.duration_ms, t.input_tokens + t.output_tokens \
         FROM task_results t JOIN evaluations e ON e.id = t.evaluation_id WHERE e.model_version_id = ?",
    )
    .bind(version_id)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let success: Vec<f64> = rows.iter().map(|r| if r.0 { 1.0 } else { 0.0 }).collect();
    let steps: Vec<f64> = rows.iter().map(|r| r.1 as f64).collect();
    let costs: Vec<f64> = rows.iter().filter_map(|r| r.2).collect();
    let durations: Vec<f64> = rows.iter().map(|r| r.3 as f64).collect();
    Ok(Some(Performance {
        runs: rows.len() as i64,
        success_rate: mean(&success),
        success_runs: rows.len() as i64,
        mean_steps: mean(&steps),
        mean_cost_usd: mean(&costs),
        p50_duration_ms: crate::stats::percentile(&durations, 0.5),
        p95_duration_ms: crate::stats::percentile(&durations, 0.95),
        total_tokens: rows.iter().map(|r| r.4).sum(),
    }))
}

/// Derive a version's performance from its evaluations' task results when there are any, else from its runs; `None`
/// when it has neither.
pub async fn performance(conn: &mut SqliteConnection, version_id: &str) -> Result<Option<Performance>, RegistryError> {
    if let Some(from_evaluations) = evaluation_performance(conn, version_id).await? {
        return Ok(Some(from_evaluations));
    }
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM runs WHERE model_version_id = ?")
        .bind(version_id)
        .fetch_one(&mut *conn)
        .await?;
    if runs == 0 {
        return Ok(None);
    }
    let metrics: Vec<(String, f64)> = sqlx::query_as(
        "SELECT s.key, s.last_value FROM run_metric_summary s JOIN runs r ON r.id = s.run_id \
         WHERE r.model_version_id = ? AND s.key IN (?, ?, ?, ?)",
    )
    .bind(version_id)
    .bind(METRIC_SUCCESS)
    .bind(METRIC_STEPS)
    .bind(METRIC_COST_USD)
    .bind(METRIC_DURATION_MS)
    .fetch_all(&mut *conn)
    .await?;
    let of = |key: &str| metrics.iter().filter(|(k, _)| k == key).map(|(_, v)| *v).collect::<Vec<f64>>();
    let success = of(METRIC_SUCCESS);
    let mut durations = of(METRIC_DURATION_MS);
    durations.sort_by(f64::total_cmp);
    let total_tokens: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(m.input_tokens + m.output_tokens), 0) FROM run_messages m \
         JOIN runs r ON r.id = m.run_id WHERE r.model_version_id = ?",
    )
    .bind(version_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(Performance {
        runs,
        success_rate: mean(&success),
        success_runs: success.len() as i64,
        mean_steps: mean(&of(METRIC_STEPS)),
        mean_cost_usd: mean(&of(METRIC_COST_USD)),
        p50_duration_ms: percentile(&durations, 0.5),
        p95_duration_ms: percentile(&durations, 0.95),
        total_tokens,
    }))
}

impl Registry {
    /// Compare two or more distinct versions.
    pub async fn compare(&self, references: &[String]) -> Result<Comparison, RegistryError> {
        if references.len() < 2 {
            return Err(RegistryError::Usage(format!(
                "compare needs at least two version references, got {}",
                references.len()
            )));
        }
        let mut conn = self.store().pool().acquire().await?;
        let mut columns: Vec<CompareColumn> = Vec::new();
        for r in references {
            let version = refs::resolve(&mut conn, r).await?;
            if let Some(same) = columns.iter().find(|c| c.version.id == version.id) {
                return Err(RegistryError::Usage(format!(
                    "{r:?} and {:?} are the same version; compare distinct versions",
                    same.version.reference
                )));
            }
            let performance = performance(&mut conn, &version.id).await?;
            columns.push(CompareColumn { version, performance });
        }
        let fields: Vec<CompareField> = CONFIG_FIELDS
            .iter()
            .map(|f| {
                let values: Vec<serde_json::Value> = columns.iter().map(|c| c.version.config.field(f)).collect();
                let differs = values.iter().any(|v| Some(v) != values.first());
                CompareField { field: f.to_string(), values, differs }
            })
            .collect();
        let differing = fields.iter().filter(|f| f.differs).map(|f| f.field.clone()).collect();
        Ok(Comparison { columns, fields, differing })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.95), Some(7.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        // rank 0.95 * 4 = 3.8 → 40 + 0.8 * (50 - 40)
        assert_eq!(percentile(&[10.0, 20.0, 30.0, 40.0, 50.0], 0.95), Some(48.0));
    }

    #[test]
    fn mean_of_nothing_is_none() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 0.0, 1.0, 1.0]), Some(0.75));
    }
}

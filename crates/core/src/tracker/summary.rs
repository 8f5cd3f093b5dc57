//! Read models over runs: a run's summary (counts, tokens, per-metric aggregates from `run_metric_summary`), one
//! metric's history, a side-by-side comparison of runs, and a comparison of experiments by their runs' last values.
//! Every read flushes this process's queued metrics first, so a caller sees what it logged.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use super::experiments::{self, RunCounts};
use super::{Experiment, MetricPoint, MetricSummary, Run, TokenCounts, Tracker, TrackerError, runs, validate};

/// Counts of everything logged to a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RunTotals {
    pub params: i64,
    pub tags: i64,
    pub metric_keys: i64,
    pub metric_points: i64,
    pub messages: i64,
    pub actions: i64,
    /// Tokens of all messages, summed by type.
    pub tokens: TokenCounts,
}

/// A run with everything known about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RunSummary {
    pub run: Run,
    pub experiment_name: String,
    /// True when the run says `running` but its process (on this host) is gone: end it as `killed`.
    pub process_gone: bool,
    /// Until the end, or until now for a running run.
    pub duration_ms: i64,
    pub params: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub totals: RunTotals,
    pub metrics: Vec<MetricSummary>,
}

/// One param across compared runs (`None` where a run lacks it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ParamRow {
    pub key: String,
    pub values: Vec<Option<String>>,
}

/// One metric across compared runs (`None` where a run never logged it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct MetricRow {
    pub key: String,
    pub values: Vec<Option<MetricSummary>>,
}

/// Runs side by side; `values` in every row are in the order of `runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RunComparison {
    pub runs: Vec<Run>,
    pub params_differ: Vec<ParamRow>,
    pub params_equal: Vec<ParamRow>,
    pub metrics: Vec<MetricRow>,
}

/// Statistics of one metric's last values over an experiment's runs that logged it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ExperimentMetricStats {
    pub runs: i64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// One experiment in a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ExperimentSide {
    pub experiment: Experiment,
    pub runs: RunCounts,
    pub metrics: BTreeMap<String, ExperimentMetricStats>,
}

/// Experiments side by side; `keys` is every metric key any of them has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ExperimentComparison {
    pub experiments: Vec<ExperimentSide>,
    pub keys: Vec<String>,
}

pub(crate) async fn metric_summaries(pool: &SqlitePool, run_id: &str) -> Result<Vec<MetricSummary>, TrackerError> {
    let rows: Vec<(String, f64, i64, f64, f64, f64, i64)> = sqlx::query_as(
        "SELECT key, last_value, last_step, min_value, max_value, sum_value, count FROM run_metric_summary \
         WHERE run_id = ? ORDER BY key",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, last, last_step, min, max, sum, count)| MetricSummary {
            key,
            last,
            last_step,
            min,
            max,
            mean: if count > 0 { sum / count as f64 } else { 0.0 },
            count,
        })
        .collect())
}

fn require_distinct(ids: &[String], what: &str) -> Result<(), TrackerError> {
    if ids.len() < 2 {
        return Err(TrackerError::Invalid(format!("compare: expected at least 2 {what}s, got {}", ids.len())));
    }
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(TrackerError::Invalid(format!("compare: {what} {id:?} is given twice")));
        }
    }
    Ok(())
}

impl Tracker {
    /// Summary of one run: duration, counts, tokens and every metric's last/min/max/mean/count.
    pub async fn run_summary(&self, run_id: &str) -> Result<RunSummary, TrackerError> {
        self.flush().await?;
        let pool = self.store().pool();
        let run = runs::fetch_run(pool, run_id).await?;
        let experiment_name: String = sqlx::query_scalar("SELECT name FROM experiments WHERE id = ?")
            .bind(&run.experiment_id)
            .fetch_one(pool)
            .await?;
        let params = runs::params_of(pool, run_id).await?;
        let tags = runs::tags_of(pool, run_id).await?;
        let metrics = metric_summaries(pool, run_id).await?;
        let (messages, input, output, cache_read, cache_write, reasoning): (i64, i64, i64, i64, i64, i64) =
            sqlx::query_as(
                "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), \
                 COALESCE(SUM(cache_read_tokens), 0), COALESCE(SUM(cache_write_tokens), 0), \
                 COALESCE(SUM(reasoning_tokens), 0) FROM run_messages WHERE run_id = ?",
            )
            .bind(run_id)
            .fetch_one(pool)
            .await?;
        let actions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM run_actions WHERE run_id = ?")
            .bind(run_id)
            .fetch_one(pool)
            .await?;
        let totals = RunTotals {
            params: params.len() as i64,
            tags: tags.len() as i64,
            metric_keys: metrics.len() as i64,
            metric_points: metrics.iter().map(|m| m.count).sum(),
            messages,
            actions,
            tokens: TokenCounts { input, output, cache_read, cache_write, reasoning },
        };
        let duration_ms = run.end_ms.unwrap_or_else(crate::util::now_ms) - run.start_ms;
        let process_gone = validate::process_gone(&run);
        Ok(RunSummary { run, experiment_name, process_gone, duration_ms, params, tags, totals, metrics })
    }

    /// Every point of one metric of a run, by step then timestamp.
    pub async fn metric_history(&self, run_id: &str, key: &str) -> Result<Vec<MetricPoint>, TrackerError> {
        self.flush().await?;
        let pool = self.store().pool();
        runs::fetch_run(pool, run_id).await?;
        let rows: Vec<(String, f64, i64, i64)> = sqlx::query_as(
            "SELECT s.key, v.value, v.step, v.ts_ms FROM metric_series s JOIN metric_values v ON v.series_id = s.id \
             WHERE s.run_id = ? AND s.key = ? ORDER BY v.step, v.ts_ms, v.id",
        )
        .bind(run_id)
        .bind(key)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().map(|(key, value, step, ts_ms)| MetricPoint { key, value, step, ts_ms }).collect())
    }

    /// Compare two or more runs: which params differ, which are equal, and metric summaries side by side.
    pub async fn compare_runs(&self, run_ids: &[String]) -> Result<RunComparison, TrackerError> {
        require_distinct(run_ids, "run")?;
        self.flush().await?;
        let pool = self.store().pool();
        let mut runs_out = Vec::new();
        let mut params = Vec::new();
        let mut metrics = Vec::new();
        for id in run_ids {
            runs_out.push(runs::fetch_run(pool, id).await?);
            params.push(runs::params_of(pool, id).await?);
            let by_key: BTreeMap<String, MetricSummary> =
                metric_summaries(pool, id).await?.into_iter().map(|m| (m.key.clone(), m)).collect();
            metrics.push(by_key);
        }
        let param_keys: BTreeSet<&String> = params.iter().flat_map(|p| p.keys()).collect();
        let (mut params_differ, mut params_equal) = (Vec::new(), Vec::new());
        for key in param_keys {
            let values: Vec<Option<String>> = params.iter().map(|p| p.get(key).cloned()).collect();
            let row = ParamRow { key: key.clone(), values };
            if row.values.iter().all(|v| *v == row.values[0]) {
                params_equal.push(row);
            } else {
                params_differ.push(row);
            }
        }
        let metric_keys: BTreeSet<&String> = metrics.iter().flat_map(|m| m.keys()).collect();
        let metric_rows = metric_keys
            .into_iter()
            .map(|key| MetricRow { key: key.clone(), values: metrics.iter().map(|m| m.get(key).cloned()).collect() })
            .collect();
        Ok(RunComparison { runs: runs_out, params_differ, params_equal, metrics: metric_rows })
    }

    /// Compare two or more experiments: run counts by status and, per metric key, mean/min/max of the runs' last
    /// values.
    pub async fn compare_experiments(&self, ids_or_names: &[String]) -> Result<ExperimentComparison, TrackerError> {
        require_distinct(ids_or_names, "experiment")?;
        self.flush().await?;
        let pool = self.store().pool();
        let mut sides = Vec::new();
        let mut keys = BTreeSet::new();
        for id in ids_or_names {
            let experiment = experiments::resolve(pool, id).await?;
            if sides.iter().any(|s: &ExperimentSide| s.experiment.id == experiment.id) {
                return Err(TrackerError::Invalid(format!("compare: experiment {id:?} is given twice")));
            }
            let runs = experiments::run_counts(pool, &experiment.id).await?;
            let rows: Vec<(String, i64, f64, f64, f64)> = sqlx::query_as(
                "SELECT s.key, COUNT(*), AVG(s.last_value), MIN(s.last_value), MAX(s.last_value) \
                 FROM run_metric_summary s JOIN runs r ON r.id = s.run_id WHERE r.experiment_id = ? \
                 GROUP BY s.key ORDER BY s.key",
            )
            .bind(&experiment.id)
            .fetch_all(pool)
            .await?;
            let mut metrics = BTreeMap::new();
            for (key, runs, mean, min, max) in rows {
                keys.insert(key.clone());
                metrics.insert(key, ExperimentMetricStats { runs, mean, min, max });
            }
            sides.push(ExperimentSide { experiment, runs, metrics });
        }
        Ok(ExperimentComparison { experiments: sides, keys: keys.into_iter().collect() })
    }
}

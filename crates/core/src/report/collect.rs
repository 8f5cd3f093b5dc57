//! Collecting a report's numbers: task results of the window's evaluations (success per day and per model version,
//! cost, durations, leaderboard, recent evaluations), read through `evaluator::window`, and LLM calls per day, read
//! through `metrics::window`; the operational sections come from `operational`. No SQL here: every aggregate is
//! computed from the owning domains' plain rows, with the statistics module's Wilson interval and an exact
//! nearest-rank percentile.

use std::collections::BTreeMap;

use sqlx::SqlitePool;

use super::ReportError;
use super::data::{
    DayCost, DayDuration, DayRate, LeaderRow, Methods, RecentEvaluation, ReportData, UNREGISTERED, VersionSeries,
    Window,
};
use crate::evaluator::window;
use crate::metrics;
use crate::stats;
use crate::store::Store;

/// How many evaluations the "recent evaluations" table lists at most.
pub const RECENT_EVALUATIONS: i64 = 20;

const DAY_MS: i64 = 86_400_000;

/// Collect everything a report shows for the `days` days before `now_ms`.
pub async fn collect(store: &Store, days: u32, now_ms: i64) -> Result<ReportData, ReportError> {
    let window = Window { days, from_ms: now_ms - i64::from(days) * DAY_MS, to_ms: now_ms };
    let pool = store.pool();
    let rows = task_rows(pool, &window).await?;
    let llm = llm_cost_by_day(pool, &window).await?;
    Ok(ReportData {
        generated_at_ms: now_ms,
        methods: methods(),
        success_by_day: success_by_day(&rows),
        cost_by_day: cost_by_day(&rows, llm),
        duration_by_day: duration_by_day(&rows),
        errors: super::operational::errors(pool, &window).await?,
        health: super::operational::health(pool, &window).await?,
        leaderboard: leaderboard(&rows),
        registry: super::operational::registry(pool).await?,
        recent_evaluations: recent_evaluations(pool, &window).await?,
        alerts: super::operational::alerts(pool, &window).await?,
        storage: super::operational::storage(store).await?,
        window,
    })
}

fn methods() -> Methods {
    Methods {
        day_buckets: "UTC calendar days; task results count on the day their evaluation started".into(),
        success_interval: "Wilson score interval, 95 % (z = 1.959964)".into(),
        percentiles: "exact nearest-rank: the ceil(p·n)-th smallest stored duration".into(),
        cost: "task cost = sum of task_results.cost_usd (priced results only); LLM-call cost = sum of \
               mon_llm_calls.cost_usd recorded by monitoring; the two overlap and are never added together"
            .into(),
        health: "health_samples averaged over equal time buckets; memory % = used / total".into(),
    }
}

/// One task attempt of an evaluation started in the window.
struct TaskRow {
    day: String,
    version: String,
    success: bool,
    steps: i64,
    cost_usd: Option<f64>,
    duration_ms: i64,
}

/// `YYYY-MM-DD` (UTC) of a millisecond timestamp.
pub fn day_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Non-negative count from SQLite's i64.
pub fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub use crate::stats::nearest_rank;

fn version_label(name: Option<String>, version: Option<i64>) -> String {
    match (name, version) {
        (Some(n), Some(v)) => format!("{n}:{v}"),
        _ => UNREGISTERED.to_string(),
    }
}

async fn task_rows(pool: &SqlitePool, w: &Window) -> Result<Vec<TaskRow>, ReportError> {
    let rows = window::task_results_between(pool, w.from_ms, w.to_ms).await?;
    Ok(rows
        .into_iter()
        .map(|r| TaskRow {
            day: day_of(r.evaluation_started_at_ms),
            version: version_label(r.model_name, r.model_version),
            success: r.success,
            steps: r.steps,
            cost_usd: r.cost_usd,
            duration_ms: r.duration_ms,
        })
        .collect())
}

fn rate(day: String, attempts: u64, successes: u64) -> Option<DayRate> {
    let ci = stats::wilson(successes, attempts)?;
    Some(DayRate { day, attempts, successes, success_rate: ci.estimate, ci_low: ci.low, ci_high: ci.high })
}

fn success_by_day(rows: &[TaskRow]) -> Vec<VersionSeries> {
    let mut by: BTreeMap<&str, BTreeMap<&str, (u64, u64)>> = BTreeMap::new();
    for r in rows {
        let cell = by.entry(&r.version).or_default().entry(&r.day).or_default();
        cell.0 += 1;
        cell.1 += u64::from(r.success);
    }
    by.into_iter()
        .map(|(version, days)| VersionSeries {
            version: version.to_string(),
            points: days.into_iter().filter_map(|(day, (n, s))| rate(day.to_string(), n, s)).collect(),
        })
        .collect()
}

/// (calls, summed cost of the priced ones) per day from monitoring's LLM calls.
type LlmDay = (u64, Option<f64>);

async fn llm_cost_by_day(pool: &SqlitePool, w: &Window) -> Result<BTreeMap<String, LlmDay>, ReportError> {
    let rows = metrics::window::llm_calls_by_day(pool, w.from_ms, w.to_ms).await?;
    Ok(rows.into_iter().map(|d| (d.day, (count(d.calls), d.cost_usd))).collect())
}

fn cost_by_day(rows: &[TaskRow], llm: BTreeMap<String, LlmDay>) -> Vec<DayCost> {
    let mut by: BTreeMap<String, DayCost> = BTreeMap::new();
    let empty = |day: &str| DayCost {
        day: day.to_string(),
        task_results: 0,
        priced_results: 0,
        task_cost_usd: None,
        llm_calls: 0,
        llm_cost_usd: None,
    };
    for r in rows {
        let d = by.entry(r.day.clone()).or_insert_with(|| empty(&r.day));
        d.task_results += 1;
        if let Some(c) = r.cost_usd {
            d.priced_results += 1;
            d.task_cost_usd = Some(d.task_cost_usd.unwrap_or(0.0) + c);
        }
    }
    for (day, (calls, cost)) in llm {
        let d = by.entry(day.clone()).or_insert_with(|| empty(&day));
        d.llm_calls = calls;
        d.llm_cost_usd = cost;
    }
    by.into_values().collect()
}

fn duration_by_day(rows: &[TaskRow]) -> Vec<DayDuration> {
    let mut by: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for r in rows {
        by.entry(&r.day).or_default().push(r.duration_ms);
    }
    by.into_iter()
        .filter_map(|(day, mut d)| {
            d.sort_unstable();
            Some(DayDuration {
                day: day.to_string(),
                tasks: d.len() as u64,
                p50_ms: nearest_rank(&d, 50)?,
                p95_ms: nearest_rank(&d, 95)?,
            })
        })
        .collect()
}

fn leaderboard(rows: &[TaskRow]) -> Vec<LeaderRow> {
    let mut by: BTreeMap<&str, Vec<&TaskRow>> = BTreeMap::new();
    for r in rows {
        by.entry(&r.version).or_default().push(r);
    }
    let mut board: Vec<LeaderRow> = by
        .into_iter()
        .filter_map(|(version, rs)| {
            let attempts = rs.len() as u64;
            let successes = rs.iter().filter(|r| r.success).count() as u64;
            let ci = stats::wilson(successes, attempts)?;
            let steps: Vec<f64> = rs.iter().map(|r| r.steps as f64).collect();
            let costs: Vec<f64> = rs.iter().filter_map(|r| r.cost_usd).collect();
            let mut durations: Vec<i64> = rs.iter().map(|r| r.duration_ms).collect();
            durations.sort_unstable();
            Some(LeaderRow {
                version: version.to_string(),
                attempts,
                successes,
                success_rate: ci.estimate,
                ci_low: ci.low,
                ci_high: ci.high,
                mean_steps: stats::mean(&steps)?,
                mean_cost_usd: stats::mean(&costs),
                p50_ms: nearest_rank(&durations, 50)?,
                p95_ms: nearest_rank(&durations, 95)?,
            })
        })
        .collect();
    board.sort_by(|a, b| {
        b.ci_low
            .total_cmp(&a.ci_low)
            .then(b.success_rate.total_cmp(&a.success_rate))
            .then_with(|| a.version.cmp(&b.version))
    });
    board
}

async fn recent_evaluations(pool: &SqlitePool, w: &Window) -> Result<Vec<RecentEvaluation>, ReportError> {
    let rows = window::evaluations_between(pool, w.from_ms, w.to_ms, RECENT_EVALUATIONS).await?;
    Ok(rows
        .into_iter()
        .map(|e| {
            let (attempts, successes) = (count(e.attempts), count(e.successes));
            RecentEvaluation {
                id: e.id,
                version: version_label(e.model_name, e.model_version),
                suite: e.suite,
                status: e.status,
                attempts,
                successes,
                success_rate: (attempts > 0).then(|| successes as f64 / attempts as f64),
                started_at_ms: e.started_at_ms,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_by_hand() {
        let v: Vec<i64> = (1..=20).map(|i| i * 10).collect();
        // p50 of 20 values: rank ceil(10) = 10 → 100; p95: rank ceil(19) = 19 → 190.
        assert_eq!(nearest_rank(&v, 50), Some(100));
        assert_eq!(nearest_rank(&v, 95), Some(190));
        // 3 values: p50 rank ceil(1.5) = 2; p95 rank ceil(2.85) = 3.
        assert_eq!(nearest_rank(&[5, 7, 9], 50), Some(7));
        assert_eq!(nearest_rank(&[5, 7, 9], 95), Some(9));
        assert_eq!(nearest_rank(&[42], 0), Some(42));
        assert_eq!(nearest_rank::<i64>(&[], 50), None);
    }

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(DAY_MS - 1), "1970-01-01");
        assert_eq!(day_of(DAY_MS), "1970-01-02");
    }

    fn row(version: &str, success: bool, duration_ms: i64, cost: Option<f64>) -> TaskRow {
        TaskRow { day: "2026-11-20".into(), version: version.into(), success, steps: 3, cost_usd: cost, duration_ms }
    }

    #[test]
    fn leaderboard_orders_by_lower_bound_not_by_rate() {
        // 1/1 has rate 1 but a wide interval; 18/20 has rate 0.9 and a higher lower bound.
        let mut rows = vec![row("a:1", true, 10, None)];
        rows.extend((0..20).map(|i| row("b:1", i < 18, 100, Some(0.5))));
        let board = leaderboard(&rows);
        assert_eq!(board[0].version, "b:1");
        assert_eq!(board[1].version, "a:1");
        assert_eq!(board[1].mean_cost_usd, None);
        assert_eq!(board[0].mean_cost_usd, Some(0.5));
    }

    #[test]
    fn unpriced_days_have_no_cost_rather_than_zero() {
        let rows = vec![row("a:1", true, 10, None)];
        let cost = cost_by_day(&rows, BTreeMap::new());
        assert_eq!(cost[0].task_results, 1);
        assert_eq!(cost[0].priced_results, 0);
        assert_eq!(cost[0].task_cost_usd, None);
    }
}

//! The typed content of a report: every number the HTML, Markdown and JSON outputs show, collected once from the
//! store. The JSON output is this structure serialised; the HTML and Markdown renderers only format its fields.

use crate::registry::overview::{AliasVersion, LatestDeployment};
use serde::{Deserialize, Serialize};

/// Everything a report shows, for the window `[from_ms, to_ms]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ReportData {
    pub generated_at_ms: i64,
    pub window: Window,
    /// How the numbers were computed (percentile method, interval, day buckets, cost sources).
    pub methods: Methods,
    /// Success rate per UTC day per model version, from task results of evaluations started that day.
    pub success_by_day: Vec<VersionSeries>,
    /// Cost per UTC day (only days with task results or LLM calls).
    pub cost_by_day: Vec<DayCost>,
    /// p50 / p95 task duration per UTC day (only days with task results).
    pub duration_by_day: Vec<DayDuration>,
    pub errors: ErrorBreakdown,
    pub health: Health,
    /// Model versions sorted by the lower bound of the Wilson 95 % interval, best first.
    pub leaderboard: Vec<LeaderRow>,
    /// Current registry state of every model (not limited to the window).
    pub registry: Vec<ModelState>,
    /// Evaluations started in the window, newest first (at most `RECENT_EVALUATIONS`).
    pub recent_evaluations: Vec<RecentEvaluation>,
    /// Alerts fired in the window, newest first.
    pub alerts: Vec<AlertRow>,
    pub storage: Storage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Window {
    pub days: u32,
    pub from_ms: i64,
    pub to_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Methods {
    pub day_buckets: String,
    pub success_interval: String,
    pub percentiles: String,
    pub cost: String,
    pub health: String,
}

/// Label of results whose evaluation has no registered model version.
pub const UNREGISTERED: &str = "unregistered";

/// One model version's success rate over the days it was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct VersionSeries {
    /// `model:version`, or `unregistered`.
    pub version: String,
    pub points: Vec<DayRate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DayRate {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub attempts: u64,
    pub successes: u64,
    pub success_rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DayCost {
    pub day: String,
    /// Task results of evaluations started that day.
    pub task_results: u64,
    /// Of those, results with a price (`cost_usd` not NULL).
    pub priced_results: u64,
    /// Sum of `task_results.cost_usd`; `None` when no result of the day has a price.
    pub task_cost_usd: Option<f64>,
    /// LLM calls recorded by monitoring that day.
    pub llm_calls: u64,
    /// Sum of `mon_llm_calls.cost_usd`; `None` when no call of the day has a price.
    pub llm_cost_usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DayDuration {
    pub day: String,
    pub tasks: u64,
    pub p50_ms: i64,
    pub p95_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ErrorBreakdown {
    /// Errors recorded in the window (`mon_errors`); 0 means the table holds none for it.
    pub total: u64,
    pub unresolved: u64,
    /// Most frequent first.
    pub by_type: Vec<ErrorTypeRow>,
    /// Only severities that occurred, from critical to low.
    pub by_severity: Vec<SeverityRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ErrorTypeRow {
    pub error_type: String,
    pub count: u64,
    pub unresolved: u64,
    /// The most recent message of this type.
    pub latest_message: String,
    pub latest_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SeverityRow {
    pub severity: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Health {
    /// Samples in the window (`health_samples`); 0 means none were recorded.
    pub samples: u64,
    /// Mean over samples that have a CPU reading (the first sample of a sampler has none).
    pub cpu_mean_percent: Option<f64>,
    pub cpu_max_percent: Option<f64>,
    pub memory_mean_percent: Option<f64>,
    pub memory_max_percent: Option<f64>,
    /// Status of the newest sample.
    pub latest_status: Option<String>,
    /// Means over equal time buckets, oldest first (empty buckets left out).
    pub series: Vec<HealthBucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct HealthBucket {
    pub start_ms: i64,
    pub samples: u64,
    pub cpu_percent: Option<f64>,
    pub memory_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct LeaderRow {
    /// `model:version`, or `unregistered`.
    pub version: String,
    pub attempts: u64,
    pub successes: u64,
    pub success_rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub mean_steps: f64,
    /// Mean over priced results; `None` when none has a price.
    pub mean_cost_usd: Option<f64>,
    pub p50_ms: i64,
    pub p95_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ModelState {
    pub model: String,
    pub versions: u64,
    pub aliases: Vec<AliasVersion>,
    pub latest_deployment: Option<LatestDeployment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RecentEvaluation {
    pub id: String,
    pub version: String,
    pub suite: String,
    pub status: String,
    pub attempts: u64,
    pub successes: u64,
    /// `None` when the evaluation has no results yet.
    pub success_rate: Option<f64>,
    pub started_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AlertRow {
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub observed: f64,
    pub threshold: f64,
    pub fired_at_ms: i64,
    pub resolved_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Storage {
    /// Size of the database file (without its write-ahead log).
    pub db_bytes: u64,
    pub wal_bytes: u64,
    pub tables: Vec<TableRows>,
    pub artifacts: u64,
    pub artifact_compressed_bytes: u64,
    pub artifact_raw_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TableRows {
    pub table: String,
    pub rows: u64,
}

impl ReportData {
    /// Which sections have data, for the command's summary and the renderers' empty states.
    pub fn sections(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("success_by_day", self.success_by_day.len()),
            ("cost_by_day", self.cost_by_day.len()),
            ("duration_by_day", self.duration_by_day.len()),
            ("errors", self.errors.by_type.len()),
            ("health", self.health.series.len()),
            ("leaderboard", self.leaderboard.len()),
            ("registry", self.registry.len()),
            ("recent_evaluations", self.recent_evaluations.len()),
            ("alerts", self.alerts.len()),
            ("storage", self.storage.tables.len()),
        ]
    }
}

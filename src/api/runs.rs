//! Command table: run operations (start, end, show, delete, compare, metrics, params, tags, batch logging).
//! Each takes `&Core` and a typed input and returns a typed output; the CLI (and later Tauri and HTTP) call only these.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::tracker::{
    self, Action, BatchReport, Message, MetricPoint, Run, RunComparison, RunStart, RunStatus, RunSummary, validate,
};
use crate::{Core, Result};

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct StartRunInput {
    /// Experiment id or name.
    pub experiment: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub model_version_id: Option<String>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

pub async fn start_run(core: &Core, input: StartRunInput) -> Result<Run> {
    let spec = RunStart {
        experiment: input.experiment,
        name: input.name,
        model_version_id: input.model_version_id,
        params: input.params,
        tags: input.tags,
    };
    Ok(core.tracker().await?.start_run(&spec).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct EndRunInput {
    pub run_id: String,
    /// finished, failed or killed.
    pub status: RunStatus,
    #[serde(default)]
    pub error: Option<String>,
}

pub async fn end_run(core: &Core, input: EndRunInput) -> Result<Run> {
    Ok(core.tracker().await?.complete_run(&input.run_id, input.status, input.error.as_deref()).await?)
}

/// Names one run.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct RunRef {
    pub run_id: String,
}

pub async fn show_run(core: &Core, input: RunRef) -> Result<RunSummary> {
    Ok(core.tracker().await?.run_summary(&input.run_id).await?)
}

/// A run's conversation and browser actions, each in logged order (for the UI's timeline).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct RunTimeline {
    pub run_id: String,
    pub messages: Vec<Message>,
    pub actions: Vec<Action>,
}

pub async fn timeline(core: &Core, input: RunRef) -> Result<RunTimeline> {
    let tracker = core.tracker().await?;
    let messages = tracker.run_messages(&input.run_id).await?;
    let actions = tracker.run_actions(&input.run_id).await?;
    Ok(RunTimeline { run_id: input.run_id, messages, actions })
}

pub async fn delete_run(core: &Core, input: RunRef) -> Result<Run> {
    Ok(core.tracker().await?.delete_run(&input.run_id).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct CompareRunsInput {
    /// Two or more run ids.
    pub run_ids: Vec<String>,
}

pub async fn compare_runs(core: &Core, input: CompareRunsInput) -> Result<RunComparison> {
    Ok(core.tracker().await?.compare_runs(&input.run_ids).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct LogMetricInput {
    pub run_id: String,
    pub key: String,
    pub value: f64,
    #[serde(default)]
    pub step: i64,
    /// Defaults to now.
    #[serde(default)]
    pub ts_ms: Option<i64>,
}

/// Log one point and wait until it is durable (transports are not the hot path; the Rust API is).
pub async fn log_metric(core: &Core, input: LogMetricInput) -> Result<MetricPoint> {
    let tracker = core.tracker().await?;
    let ts_ms = input.ts_ms.unwrap_or_else(crate::util::now_ms);
    tracker.log_metric(&input.run_id, &input.key, input.value, input.step, Some(ts_ms)).await?;
    tracker.flush().await?;
    Ok(MetricPoint { key: input.key, value: input.value, step: input.step, ts_ms })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct KeyValueInput {
    pub run_id: String,
    pub key: String,
    pub value: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ParamLogged {
    pub run_id: String,
    pub key: String,
    pub value: String,
    /// False when the same value was already stored (a no-op).
    pub stored: bool,
}

pub async fn log_param(core: &Core, input: KeyValueInput) -> Result<ParamLogged> {
    let stored = core.tracker().await?.log_param(&input.run_id, &input.key, &input.value).await?;
    Ok(ParamLogged { run_id: input.run_id, key: input.key, value: input.value, stored })
}

pub async fn set_tag(core: &Core, input: KeyValueInput) -> Result<KeyValueInput> {
    core.tracker().await?.set_tag(&input.run_id, &input.key, &input.value).await?;
    Ok(input)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct RunKeyInput {
    pub run_id: String,
    pub key: String,
}

pub async fn delete_tag(core: &Core, input: RunKeyInput) -> Result<RunKeyInput> {
    core.tracker().await?.delete_tag(&input.run_id, &input.key).await?;
    Ok(input)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct MetricHistory {
    pub run_id: String,
    pub key: String,
    pub points: Vec<MetricPoint>,
}

pub async fn metric_history(core: &Core, input: RunKeyInput) -> Result<MetricHistory> {
    validate::key("metric", &input.key)?;
    let points = core.tracker().await?.metric_history(&input.run_id, &input.key).await?;
    Ok(MetricHistory { run_id: input.run_id, key: input.key, points })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct LogBatchInput {
    /// Run for lines without a `"run"` field.
    #[serde(default)]
    pub run_id: Option<String>,
    /// A JSONL file: one metric/param/tag/message/action object per line.
    pub file: PathBuf,
}

/// Validate the whole file, then write it (nothing is written if any line is invalid).
pub async fn log_batch(core: &Core, input: LogBatchInput) -> Result<BatchReport> {
    let parsed = tracker::batch::parse_file(&input.file, input.run_id.as_deref())?;
    Ok(core.tracker().await?.log_batch(&parsed).await?)
}

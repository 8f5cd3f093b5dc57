//! Operation table: run operations (start, end, show, delete, compare, metrics, params, tags, batch logging).
//! Each takes `&Core` and a typed input and returns a typed output; the CLI (and later Tauri and HTTP) call only these.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::agent::{AgentError, artifacts::RunArtifact};
use crate::evaluator::results::{Results, TaskResult};
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

pub async fn start(core: &Core, input: StartRunInput) -> Result<Run> {
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

pub async fn end(core: &Core, input: EndRunInput) -> Result<Run> {
    Ok(core.tracker().await?.complete_run(&input.run_id, input.status, input.error.as_deref()).await?)
}

/// Names one run.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct RunRef {
    pub run_id: String,
}

pub async fn show(core: &Core, input: RunRef) -> Result<RunSummary> {
    Ok(core.tracker().await?.run_summary(&input.run_id).await?)
}

/// A run's conversation and browser actions, each in logged order, and the artifacts (screenshots, DOM snapshots)
/// linked to its steps (for the UI's timeline; fetch an artifact's bytes with [`artifact`]).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct RunTimeline {
    pub run_id: String,
    pub messages: Vec<Message>,
    pub actions: Vec<Action>,
    /// By step, then link order.
    pub artifacts: Vec<RunArtifact>,
    /// The evaluation attempt this run recorded (its check's evidence, answer, seed), when it was one.
    pub result: Option<TaskResult>,
}

/// An unknown run is NotFound (not an empty timeline).
pub async fn timeline(core: &Core, input: RunRef) -> Result<RunTimeline> {
    let tracker = core.tracker().await?;
    let run = tracker.get_run(&input.run_id).await?;
    let messages = tracker.run_messages(&run.id).await?;
    let actions = tracker.run_actions(&run.id).await?;
    let store = core.store().await?;
    let artifacts = crate::agent::artifacts::run_artifacts(store, &run.id).await?;
    let result = Results::new(store.clone()).by_run(&run.id).await?;
    Ok(RunTimeline { run_id: run.id, messages, actions, artifacts, result })
}

/// Names one stored artifact by its content hash.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ArtifactInput {
    /// Hex SHA-256 of the raw bytes (64 lowercase hex digits), as listed in a run's timeline.
    pub hash: String,
}

/// One artifact's raw bytes (decompressed and checked against the hash), base64-encoded for JSON transports.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ArtifactContent {
    pub hash: String,
    /// `screenshot`, `dom_snapshot`, …
    pub kind: String,
    /// e.g. `image/png`.
    pub mime: String,
    /// Raw (decoded) size.
    pub size_bytes: i64,
    /// Standard base64 (with padding) of the raw bytes.
    pub base64: String,
}

/// Read one artifact from the zstd content-addressed store: a malformed hash is an input error, an unknown one
/// NotFound, a stored blob that no longer hashes to its name a failure.
pub async fn artifact(core: &Core, input: ArtifactInput) -> Result<ArtifactContent> {
    if !tracker::artifacts::is_artifact_hash(&input.hash) {
        return Err(tracker::TrackerError::Invalid(format!(
            "artifact hash {:?}: expected 64 lowercase hex digits (a SHA-256, as listed in the run's timeline)",
            input.hash
        ))
        .into());
    }
    let store = core.store().await?;
    let meta = tracker::artifacts::artifact_meta(store, &input.hash)
        .await?
        .ok_or_else(|| AgentError::ArtifactNotFound(input.hash.clone()))?;
    let bytes = crate::agent::artifacts::load_artifact(store, &input.hash).await?;
    Ok(ArtifactContent {
        hash: input.hash,
        kind: meta.kind,
        mime: meta.mime,
        size_bytes: meta.size_bytes,
        base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
    })
}

pub async fn delete(core: &Core, input: RunRef) -> Result<Run> {
    Ok(core.tracker().await?.delete_run(&input.run_id).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct CompareRunsInput {
    /// Two or more run ids.
    pub run_ids: Vec<String>,
}

pub async fn compare(core: &Core, input: CompareRunsInput) -> Result<RunComparison> {
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

/// One logged metric point and the run it was logged to.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq)]
pub struct LoggedMetric {
    pub run_id: String,
    pub key: String,
    pub value: f64,
    pub step: i64,
    pub ts_ms: i64,
}

/// Log one point in its own transaction: durable when this returns, and an error is about this point only
/// (transports are not the hot path; the Rust API's queued `log_metric` is).
pub async fn log_metric(core: &Core, input: LogMetricInput) -> Result<LoggedMetric> {
    let tracker = core.tracker().await?;
    let ts_ms = input.ts_ms.unwrap_or_else(crate::util::now_ms);
    tracker.log_metric_now(&input.run_id, &input.key, input.value, input.step, ts_ms).await?;
    Ok(LoggedMetric { run_id: input.run_id, key: input.key, value: input.value, step: input.step, ts_ms })
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
    /// Idempotency key; default: `sha256:` of the run and the file's content.
    #[serde(default)]
    pub batch_id: Option<String>,
}

/// Validate the whole file, then write it in one transaction (nothing is written if any line is invalid or the write
/// fails; a batch already stored is not written again).
pub async fn log_batch(core: &Core, input: LogBatchInput) -> Result<BatchReport> {
    let parsed = tracker::batch::parse_file(&input.file, input.run_id.as_deref())?;
    Ok(core.tracker().await?.log_batch(&parsed, input.batch_id.as_deref()).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct LogBatchTextInput {
    /// Run for lines without a `"run"` field.
    #[serde(default)]
    pub run_id: Option<String>,
    /// The batch as JSONL text: one metric/param/tag/message/action object per line.
    pub content: String,
    /// Idempotency key; default: `sha256:` of the run and the content.
    #[serde(default)]
    pub batch_id: Option<String>,
    /// Name used in error messages (`name:line: …`); default `batch`.
    #[serde(default)]
    pub name: Option<String>,
}

/// `log_batch` with the JSONL given inline (HTTP clients, stdin): same validation, one transaction, same batch ids.
pub async fn log_batch_text(core: &Core, input: LogBatchTextInput) -> Result<BatchReport> {
    let name = input.name.as_deref().unwrap_or("batch");
    let parsed = tracker::batch::parse_text(name, &input.content, input.run_id.as_deref())?;
    Ok(core.tracker().await?.log_batch(&parsed, input.batch_id.as_deref()).await?)
}

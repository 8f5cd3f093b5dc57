//! Operation table: evaluation operations (`evals/…`, the CLI's `eval …`): listing a suite's tasks, an evaluation's results with its
//! summary, and the paired comparison of two evaluations. (Running evaluations is added by the runner's work.)

use serde::{Deserialize, Serialize};

use super::jobs::{JobEvent, JobInfo, Jobs, LaunchOutput};
use super::op::Sink;
use crate::evaluator::runner::EvalEvent;
use crate::evaluator::summary::{EvaluationComparison, EvaluationSummary};
use crate::evaluator::{Category, Difficulty, Results, TaskFilter, TaskResult, miniwob, suite};
use crate::{Core, Result};

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct ListTasksInput {
    /// A built-in suite name or a suite file path; `builtin` when absent.
    #[serde(default)]
    pub suite: Option<String>,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub difficulty: Option<Difficulty>,
}

/// One task as listed (the check is left out: it is the answer key).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct TaskInfo {
    pub id: String,
    pub name: String,
    pub category: Category,
    /// Absent when the suite does not rate the task.
    pub difficulty: Option<Difficulty>,
    pub start_url: String,
    pub max_steps: u32,
    pub timeout_secs: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ListTasksOutput {
    pub suite: String,
    /// `builtin:<name>` or the file path.
    pub source: String,
    /// SHA-256 of the suite text.
    pub hash: String,
    /// Tasks in the whole suite (before filtering).
    pub total: u32,
    pub tasks: Vec<TaskInfo>,
}

/// Load a suite (validated) and list its tasks, filtered by category and difficulty.
pub async fn tasks(core: &Core, input: ListTasksInput) -> Result<ListTasksOutput> {
    let loaded = suite::load_in(input.suite.as_deref().unwrap_or(suite::DEFAULT_SUITE), &suite::SuiteScope::of(core))?;
    let filter = TaskFilter { category: input.category, difficulty: input.difficulty, ids: Vec::new() };
    let tasks = loaded
        .suite
        .select(&filter)?
        .into_iter()
        .map(|t| TaskInfo {
            id: t.id.clone(),
            name: t.name.clone(),
            category: t.category,
            difficulty: t.difficulty,
            start_url: t.start_url.clone(),
            max_steps: t.max_steps,
            timeout_secs: t.timeout_secs,
        })
        .collect();
    Ok(ListTasksOutput {
        suite: loaded.suite.suite.clone(),
        source: loaded.source,
        hash: loaded.hash,
        total: loaded.suite.tasks.len() as u32,
        tasks,
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EvaluationIdInput {
    /// Evaluation id or a unique prefix of it (at least 4 characters).
    pub id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EvaluationResults {
    pub summary: EvaluationSummary,
    /// Every recorded attempt, by task id then attempt.
    pub results: Vec<TaskResult>,
}

/// An evaluation's summary (computed from its stored rows) and its per-attempt results.
pub async fn results(core: &Core, input: EvaluationIdInput) -> Result<EvaluationResults> {
    let store = Results::new(core.store().await?.clone());
    let summary = store.summary(&input.id).await?;
    let results = store.results(&summary.evaluation.id).await?;
    Ok(EvaluationResults { summary, results })
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct CompareEvaluationsInput {
    pub a: String,
    pub b: String,
}

/// Paired comparison of two evaluations of the same suite (exact McNemar test on the discordant tasks).
pub async fn compare(core: &Core, input: CompareEvaluationsInput) -> Result<EvaluationComparison> {
    let store = Results::new(core.store().await?.clone());
    Ok(store.compare(&input.a, &input.b).await?)
}

/// Run a model version over a suite on real Chromium (`eval benchmark` / `eval model`); progress events go
/// to `events` when given.
pub async fn benchmark_with(
    core: &Core,
    input: crate::evaluator::runner::BenchmarkRequest,
    events: Option<&tokio::sync::broadcast::Sender<crate::evaluator::runner::EvalEvent>>,
) -> Result<EvaluationResults> {
    check_paths(core, &input)?;
    let mut input = input;
    if let Some(task) = input.filter.ids.iter().find_map(|id| miniwob::task_name(id).map(str::to_string)) {
        let loaded = crate::config::load(core.settings())?;
        let configured = loaded.config.experiments.miniwob_dir.as_deref();
        let dir = miniwob::resolve_dir(input.miniwob_dir.as_deref(), configured, &loaded.path);
        input.miniwob_dir = Some(dir.ok_or_else(|| miniwob::missing_dir_error(&task))?);
    }
    let summary = crate::evaluator::runner::run_benchmark(core, &input, events).await?;
    results(core, EvaluationIdInput { id: summary.evaluation.id }).await
}

/// One ad-hoc agent task, tracked as a run (`agent run`).
pub async fn agent_run(
    core: &Core,
    input: crate::evaluator::adhoc::AdhocRequest,
) -> Result<crate::evaluator::adhoc::AdhocResult> {
    crate::evaluator::adhoc::run_adhoc(core, &input).await
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct ListEvaluationsInput {
    /// Only evaluations of this model version id.
    pub model_version_id: Option<String>,
    /// The newest this many (default 20, at most 500).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ListEvaluationsOutput {
    /// Newest first, each summarised from its stored rows.
    pub evaluations: Vec<EvaluationSummary>,
}

/// The most recent evaluations with their summaries (for the UI's overview and trends).
pub async fn list(core: &Core, input: ListEvaluationsInput) -> Result<ListEvaluationsOutput> {
    let limit = input.limit.unwrap_or(20);
    if limit == 0 || limit > 500 {
        return Err(crate::Error::Input(format!("limit {limit}: expected 1 to 500")));
    }
    let store = Results::new(core.store().await?.clone());
    let all = store.list(input.model_version_id.as_deref()).await?;
    let mut evaluations = Vec::new();
    for evaluation in all.into_iter().take(limit as usize) {
        evaluations.push(store.summary(&evaluation.id).await?);
    }
    Ok(ListEvaluationsOutput { evaluations })
}

/// `evals/benchmark`: [`benchmark_with`] with its progress as a stream. The runner's future is not `Send` (it borrows
/// tasks across awaits inside a stream), so it runs on a blocking-pool thread driven by the runtime's handle; if the
/// caller goes away the run is stopped (a resumable evaluation stays in the store).
pub async fn benchmark(
    core: &Core,
    input: crate::evaluator::runner::BenchmarkRequest,
    sink: Sink<crate::evaluator::runner::EvalEvent>,
) -> Result<EvaluationResults> {
    let (tx, mut rx) = tokio::sync::broadcast::channel(4096);
    let forward = tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => {
                    sink.send(event);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let stop_on_drop = StopOnDrop(stop);
    let handle = tokio::runtime::Handle::current();
    let core = core.clone();
    let run = tokio::task::spawn_blocking(move || {
        handle.block_on(async move {
            tokio::select! {
                result = benchmark_with(&core, input, Some(&tx)) => Some(result),
                _ = stopped.wait_for(|stop| *stop) => None,
            }
        })
    });
    let result = run.await.map_err(|e| crate::Error::Failed(format!("the evaluation task failed: {e}")))?;
    drop(stop_on_drop);
    let _ = forward.await;
    result.unwrap_or_else(|| Err(crate::Error::Failed("the evaluation was stopped".into())))
}

struct StopOnDrop(tokio::sync::watch::Sender<bool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

/// Remote callers may not point the runner at a directory of this machine: the MiniWoB directory comes from the
/// config (`experiments.miniwob_dir`) for them. (Suites are checked where they are loaded.)
fn check_paths(core: &Core, input: &crate::evaluator::runner::BenchmarkRequest) -> Result<()> {
    if core.caller() == crate::core::Caller::Remote && input.miniwob_dir.is_some() {
        return Err(crate::Error::Input(
            "miniwob_dir cannot be named over this connection; set experiments.miniwob_dir in the config".into(),
        ));
    }
    Ok(())
}

/// `evals/launch`: start a benchmark in the background; its events are replayed to every `evals/watch`.
pub async fn launch(core: &Core, input: crate::evaluator::runner::BenchmarkRequest) -> Result<LaunchOutput> {
    check_paths(core, &input)?;
    Ok(LaunchOutput { job_id: core.shared::<Jobs>().launch(core.clone(), input)? })
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct JobsInput {}

/// `evals/jobs`: the background evaluations this process has launched, oldest first.
pub async fn jobs(core: &Core, _input: JobsInput) -> Result<Vec<JobInfo>> {
    Ok(core.shared::<Jobs>().list())
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct WatchJobInput {
    pub job_id: String,
}

/// `evals/watch`: one job's events from its start (replayed), then live, until it ends; answers the job's final
/// state (`failed` with its error when it did not finish).
pub async fn watch(core: &Core, input: WatchJobInput, sink: Sink<EvalEvent>) -> Result<JobInfo> {
    let jobs = core.shared::<Jobs>();
    let not_found = || crate::Error::NotFound(format!("no evaluation job {}", input.job_id));
    let stream = jobs.subscribe(&input.job_id).ok_or_else(not_found)?;
    let mut stream = std::pin::pin!(stream);
    while let Some(event) = futures::StreamExt::next(&mut stream).await {
        if let JobEvent::Eval(event) = event
            && !sink.send(event)
        {
            break;
        }
    }
    jobs.list().into_iter().find(|j| j.job_id == input.job_id).ok_or_else(not_found)
}

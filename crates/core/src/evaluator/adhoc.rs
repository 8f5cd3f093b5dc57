//! `agent run`: one ad-hoc task (no check) driven by a registered model version or the default baseline, on real
//! Chromium, tracked as a run in the `agent-runs` experiment with everything the agent loop records.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::agent::baseline::{BaselineOptions, BaselinePlanner};
use crate::agent::recorder::Recorder;
use crate::agent::run::{AgentOutcome, AgentSettings, AgentTask, run_agent};
use crate::agent::types::Planner;
use crate::browser::BrowserPool;
use crate::evaluator::EvalError;
use crate::evaluator::driver::{SessionDriver, with_time_limit};
use crate::evaluator::runner::{browser_options, ensure_experiment, episode_error_kind, planner_for};
use crate::handle::Core;
use crate::metrics::collector::{Collector, ErrorSeverity, TaskStart, TaskStatus};
use crate::metrics::task::TaskMonitor;
use crate::sites::SiteServer;
use crate::tracker::{RunStart, RunStatus};

type Result<T, E = EvalError> = std::result::Result<T, E>;

pub const ADHOC_EXPERIMENT: &str = "agent-runs";

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AdhocRequest {
    pub task: String,
    /// Model version reference; `None` = the offline baseline with default settings.
    pub model: Option<String>,
    /// Where to start: any URL, or `site://<site>/…` for a bundled site (default `site://search/`).
    pub start_url: Option<String>,
    pub headful: bool,
    /// Wall-clock limit for the episode.
    pub timeout_secs: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AdhocResult {
    pub run_id: String,
    pub planner: String,
    pub start_url: String,
    pub outcome: AgentOutcome,
}

/// Run one ad-hoc task. Generic over the caller's error type (anything an `EvalError` converts into), so the
/// operation table can return the result as its own; the evaluator itself only speaks `EvalError`.
pub async fn run_adhoc<E: From<EvalError>>(core: &Core, request: &AdhocRequest) -> Result<AdhocResult, E> {
    adhoc(core, request).await.map_err(E::from)
}

async fn adhoc(core: &Core, request: &AdhocRequest) -> Result<AdhocResult> {
    if request.task.trim().is_empty() {
        return Err(EvalError::Invalid("the task text is empty".into()));
    }
    let config = crate::config::load(core.settings())?.config;
    // The monitoring label: `name:version` and its provider, or the default baseline.
    let (planner, version_id, label): (Box<dyn Planner>, Option<String>, (String, String)) = match &request.model {
        Some(reference) => {
            let version = core.open_registry().await?.version(reference).await?;
            let label = (version.reference.clone(), version.config.provider.as_str().to_string());
            (planner_for(core, &version, &config)?, Some(version.id), label)
        }
        None => {
            let label = ("baseline".to_string(), "baseline".to_string());
            (Box::new(BaselinePlanner::new(BaselineOptions::default())), None, label)
        }
    };
    let server = SiteServer::start().await?;
    let start = request.start_url.clone().unwrap_or_else(|| "site://search/".to_string());
    let attempt = server.new_attempt();
    let start_url = server.resolve_for(&attempt, &start)?;
    let tracker = core.open_tracker().await?;
    ensure_experiment(tracker, ADHOC_EXPERIMENT, "ad-hoc `agent run` tasks").await?;
    let run = tracker
        .start_run(&RunStart {
            experiment: ADHOC_EXPERIMENT.into(),
            name: Some(request.task.chars().take(60).collect()),
            model_version_id: version_id,
            params: BTreeMap::from([
                ("task".into(), request.task.clone()),
                ("start_url".into(), start.clone()),
                ("planner".into(), planner.describe()),
            ]),
            tags: BTreeMap::new(),
        })
        .await?;
    let start_task = TaskStart {
        run_id: Some(run.id.clone()),
        evaluation_id: None,
        task_id: None,
        model: label.0,
        provider: label.1,
        started_at_ms: crate::util::now_ms(),
    };
    let monitor = TaskMonitor::start(&Collector::new(core.open_store().await?.clone()), &start_task).await;
    let context = serde_json::json!({"run_id": run.id, "start_url": start});
    let pool = BrowserPool::new(browser_options(&config, request.headful), 1);
    let result = async {
        let session = pool.session().await?;
        let driver = SessionDriver::new(session);
        let episode = async {
            let opened = std::time::Instant::now();
            driver.goto(&start_url).await?;
            if let Some(m) = &monitor {
                m.page_load_pending(opened.elapsed().as_millis() as i64, None);
            }
            let settings = AgentSettings::from_config(&config);
            let recorder = Recorder::new(tracker, run.id.clone(), settings.capture).with_monitor(monitor.clone());
            let task = AgentTask { prompt: request.task.clone(), secrets: BTreeMap::new() };
            let limit = Duration::from_secs(u64::from(request.timeout_secs.max(1)));
            let run = run_agent(&driver, planner.as_ref(), &task, &settings, &recorder, None);
            let (mut outcome, timed_out) = with_time_limit(&driver, limit, run).await;
            if timed_out {
                outcome.error = Some(format!("the task timed out after {} s", request.timeout_secs));
            }
            let failure = episode_error_kind(timed_out, outcome.stop_reason);
            if let (Some(m), Some((kind, severity))) = (&monitor, failure) {
                let message = outcome.error.clone().unwrap_or_else(|| outcome.stop_reason.as_str().to_string());
                m.error(kind, &message, severity, context.clone()).await;
            }
            Ok::<_, EvalError>((outcome, failure.is_some()))
        }
        .await;
        let _ = driver.into_session().close().await;
        episode
    }
    .await;
    pool.shutdown().await;
    server.shutdown().await;
    match result {
        Ok((outcome, cut_short)) => {
            let status = if outcome.error.is_some() { RunStatus::Failed } else { RunStatus::Finished };
            tracker.complete_run(&run.id, status, outcome.error.as_deref()).await?;
            if let Some(m) = &monitor {
                let status = match (cut_short, outcome.success) {
                    (true, _) => TaskStatus::Error,
                    (false, true) => TaskStatus::Succeeded,
                    (false, false) => TaskStatus::Failed,
                };
                m.end(status, outcome.steps).await;
            }
            Ok(AdhocResult { run_id: run.id, planner: planner.describe(), start_url, outcome })
        }
        Err(e) => {
            tracker.complete_run(&run.id, RunStatus::Failed, Some(&e.to_string())).await?;
            if let Some(m) = &monitor {
                m.error("task_exception", &e.to_string(), ErrorSeverity::High, context).await;
                m.end(TaskStatus::Error, 0).await;
            }
            Err(e)
        }
    }
}

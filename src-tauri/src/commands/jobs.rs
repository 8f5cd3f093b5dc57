//! Evaluation jobs from the app: `evals_launch` starts `api::evals::benchmark` in the background (the core's job
//! registry, shared with the HTTP server), `evals_jobs` lists jobs, and `evals_watch` forwards one job's events
//! (history first, then live) as typed `EvalJobEvent`s until the job ends; the UI listens before it calls it.

use std::sync::Arc;

use browser_ai_mlops_core::api::edge::{EdgeError, EdgeErrorKind};
use browser_ai_mlops_core::api::jobs::{JobEvent, JobInfo, Jobs, LaunchOutput};
use browser_ai_mlops_core::evaluator::runner::{BenchmarkRequest, EvalEvent};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tauri::State;
use tokio::sync::watch;

use super::{CoreState, Edge};

/// The app's evaluation jobs plus the switch that stops watchers when the app exits.
pub struct JobsState {
    pub jobs: Jobs,
    pub stop: watch::Sender<bool>,
}

impl Default for JobsState {
    fn default() -> JobsState {
        JobsState { jobs: Jobs::default(), stop: watch::channel(false).0 }
    }
}

/// Sends `EvalJobEvent`s to the window (set up by `crate::configure` for whichever runtime the app uses, so the
/// commands need no runtime parameter).
pub struct EventSink(pub Box<EmitFn>);

/// How a job event reaches the window.
pub type EmitFn = dyn Fn(&EvalJobEvent) -> tauri::Result<()> + Send + Sync;

/// What happened in a job: an evaluator event, or the error that ended it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum JobUpdate {
    Eval(EvalEvent),
    Error(EdgeError),
}

/// One event of a watched job, sent to the window that asked (`watch_id` tells watchers apart).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct EvalJobEvent {
    pub watch_id: String,
    pub job_id: String,
    pub update: JobUpdate,
}

/// `evals_watch`'s input: the job, and an id the caller picked to recognise its own events.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct WatchJobInput {
    pub job_id: String,
    pub watch_id: String,
}

#[tauri::command]
#[specta::specta]
pub async fn evals_launch(
    core: CoreState<'_>,
    jobs: State<'_, JobsState>,
    input: BenchmarkRequest,
) -> Edge<LaunchOutput> {
    Ok(LaunchOutput { job_id: jobs.jobs.launch(Arc::clone(&core), input)? })
}

#[tauri::command]
#[specta::specta]
pub async fn evals_jobs(jobs: State<'_, JobsState>) -> Edge<Vec<JobInfo>> {
    Ok(jobs.jobs.list())
}

/// Forward the job's events (replayed from its start) as `EvalJobEvent`s; resolves with the job's final info.
#[tauri::command]
#[specta::specta]
pub async fn evals_watch(
    sink: State<'_, EventSink>,
    jobs: State<'_, JobsState>,
    input: WatchJobInput,
) -> Edge<JobInfo> {
    let not_found = || EdgeError::new(EdgeErrorKind::NotFound, format!("no evaluation job {}", input.job_id));
    let stream = jobs.jobs.subscribe(&input.job_id, jobs.stop.subscribe()).ok_or_else(not_found)?;
    let mut stream = std::pin::pin!(stream);
    while let Some(event) = stream.next().await {
        let update = match event {
            JobEvent::Eval(e) => JobUpdate::Eval(e),
            JobEvent::Error(e) => JobUpdate::Error(e),
        };
        let event = EvalJobEvent { watch_id: input.watch_id.clone(), job_id: input.job_id.clone(), update };
        (sink.0)(&event).map_err(|e| EdgeError::new(EdgeErrorKind::Failed, format!("cannot send an event: {e}")))?;
    }
    jobs.jobs.list().into_iter().find(|j| j.job_id == input.job_id).ok_or_else(not_found)
}

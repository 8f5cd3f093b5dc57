//! Evaluation jobs, shared by every transport of one core (a job launched over HTTP can be watched from another
//! request; the desktop app's jobs live as long as the app): `evals/launch` runs `api::evals::benchmark_with` in a
//! background task and returns the job's id at once; `evals/jobs` lists them; `evals/watch` streams one job's events.
//! Each job keeps the typed `EvalEvent`s it has seen (plus a final error event on failure) so a late subscriber first
//! replays what happened so far and then follows live events; a `watch` counter wakes subscribers. The registry is
//! the core's shared `Jobs` (`Core::shared`); `api::shutdown` stops running jobs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::Core;
use crate::api::edge::{EdgeError, EdgeErrorKind};
use crate::evaluator::runner::{BenchmarkRequest, EvalEvent};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Finished,
    Failed,
}

/// What the job list (`evals/jobs`) shows for one job.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct JobInfo {
    pub job_id: String,
    pub state: JobState,
    /// Known once the runner has created (or resumed) the evaluation.
    pub evaluation_id: Option<String>,
    /// Attempts this run will execute (known once started).
    pub attempts: Option<u32>,
    /// Attempts skipped because a resumed evaluation already stored them.
    pub skipped: u32,
    pub attempts_done: u32,
    pub successes: u32,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

/// The answer to a launch (`evals/launch`).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct LaunchOutput {
    pub job_id: String,
}

/// One event of a job's stream: an evaluator event, or the error that ended the job.
#[derive(Debug, Clone)]
pub enum JobEvent {
    Eval(EvalEvent),
    Error(EdgeError),
}

impl JobEvent {
    fn is_terminal(&self) -> bool {
        matches!(self, JobEvent::Eval(EvalEvent::Finished { .. }) | JobEvent::Error(_))
    }
}

struct Job {
    info: JobInfo,
    events: Vec<JobEvent>,
}

struct Entry {
    job: Mutex<Job>,
    /// Bumped after every change so subscribers wake up.
    version: watch::Sender<u64>,
}

fn lock(m: &Mutex<Job>) -> MutexGuard<'_, Job> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Entry {
    fn update(&self, f: impl FnOnce(&mut Job)) {
        f(&mut lock(&self.job));
        self.version.send_modify(|v| *v += 1);
    }

    fn push(&self, event: JobEvent) {
        self.update(|job| record(job, event));
    }
}

/// Apply one event to the job's counters and history.
fn record(job: &mut Job, event: JobEvent) {
    match &event {
        JobEvent::Eval(EvalEvent::Started { evaluation_id, attempts, skipped }) => {
            job.info.evaluation_id = Some(evaluation_id.clone());
            job.info.attempts = Some(*attempts);
            job.info.skipped = *skipped;
        }
        JobEvent::Eval(EvalEvent::AttemptFinished { success, .. }) => {
            job.info.attempts_done += 1;
            job.info.successes += u32::from(*success);
        }
        JobEvent::Eval(EvalEvent::Finished { evaluation_id }) => {
            job.info.evaluation_id = Some(evaluation_id.clone());
        }
        JobEvent::Eval(EvalEvent::AttemptStarted { .. }) | JobEvent::Error(_) => {}
    }
    job.events.push(event);
}

impl Entry {
    /// Record how the run ended (`None`: stopped because the process is shutting down). The terminal event and the
    /// final state are written in one update, so whoever sees `finished` or `error` also sees the final state.
    fn finish(&self, result: Option<crate::Result<crate::api::evals::EvaluationResults>>) {
        let outcome = match result {
            Some(Ok(results)) => Ok(results.summary.evaluation.id),
            Some(Err(e)) => Err(EdgeError::from(e)),
            None => Err(EdgeError::new(
                EdgeErrorKind::Unavailable,
                "the server or app shut down before the evaluation finished; resume the evaluation to finish it",
            )),
        };
        self.update(|job| {
            job.info.finished_at_ms = Some(crate::util::now_ms());
            match outcome {
                Ok(evaluation_id) => {
                    record(job, JobEvent::Eval(EvalEvent::Finished { evaluation_id }));
                    job.info.state = JobState::Finished;
                }
                Err(error) => {
                    job.info.state = JobState::Failed;
                    job.info.error = Some(error.message().to_string());
                    record(job, JobEvent::Error(error));
                }
            }
        });
    }
}

/// Every job this process (server or app) has launched (kept in memory; the evaluations themselves are in the store).
#[derive(Clone)]
pub struct Jobs {
    entries: Arc<Mutex<BTreeMap<String, Arc<Entry>>>>,
    /// Turned true when the process shuts down: running jobs stop.
    cancel: Arc<watch::Sender<bool>>,
    runners: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Default for Jobs {
    fn default() -> Jobs {
        Jobs { entries: Arc::default(), cancel: Arc::new(watch::channel(false).0), runners: Arc::default() }
    }
}

impl Jobs {
    fn entries(&self) -> MutexGuard<'_, BTreeMap<String, Arc<Entry>>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Start `request` in the background and return its job id.
    pub fn launch(&self, core: Core, request: BenchmarkRequest) -> crate::Result<String> {
        if request.headful {
            return Err(crate::Error::Input(
                "headful: background jobs run Chromium headless; launch with \"headful\": false".into(),
            ));
        }
        let job_id = uuid::Uuid::now_v7().to_string();
        let info = JobInfo {
            job_id: job_id.clone(),
            state: JobState::Running,
            evaluation_id: request.resume.clone(),
            attempts: None,
            skipped: 0,
            attempts_done: 0,
            successes: 0,
            error: None,
            created_at_ms: crate::util::now_ms(),
            finished_at_ms: None,
        };
        let entry = Arc::new(Entry { job: Mutex::new(Job { info, events: Vec::new() }), version: watch::channel(0).0 });
        self.entries().insert(job_id.clone(), Arc::clone(&entry));

        let (tx, mut rx) = broadcast::channel::<EvalEvent>(4096);
        let forward = {
            let entry = Arc::clone(&entry);
            tokio::spawn(async move {
                loop {
                    match rx.recv().await {
                        // `finished` is emitted by `finish` once the results are read back and the state is final.
                        Ok(EvalEvent::Finished { .. }) => {}
                        Ok(event) => entry.push(JobEvent::Eval(event)),
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
            })
        };
        // The runner's future is not `Send` (it borrows tasks across awaits inside a stream), so it runs on a
        // blocking-pool thread that drives it with the runtime's handle; its own spawned tasks use the runtime.
        let handle = tokio::runtime::Handle::current();
        let mut cancel = self.cancel.subscribe();
        let runner = tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                let run = crate::api::evals::benchmark_with(&core, request, Some(&tx));
                let result = tokio::select! {
                    result = run => Some(result),
                    _ = cancel.wait_for(|stop| *stop) => None,
                };
                drop(tx);
                let _ = forward.await;
                entry.finish(result);
            })
        });
        self.runners().push(runner);
        Ok(job_id)
    }

    /// All jobs, oldest first (job ids are UUIDv7, so id order is launch order).
    pub fn list(&self) -> Vec<JobInfo> {
        self.entries().values().map(|e| lock(&e.job).info.clone()).collect()
    }

    /// The job's events so far, then live ones; ends after `finished` or `error`, or when the jobs shut down.
    pub fn subscribe(&self, job_id: &str) -> Option<impl Stream<Item = JobEvent> + use<>> {
        let shutdown = self.cancel.subscribe();
        let entry = Arc::clone(self.entries().get(job_id)?);
        let version = entry.version.subscribe();
        let state = (entry, version, shutdown, 0usize, false);
        Some(futures::stream::unfold(state, |(entry, mut version, mut shutdown, next, ended)| async move {
            if ended {
                return None;
            }
            loop {
                if *shutdown.borrow_and_update() {
                    return None;
                }
                version.borrow_and_update();
                let (event, job_over) = {
                    let job = lock(&entry.job);
                    (job.events.get(next).cloned(), job.info.state != JobState::Running)
                };
                if let Some(event) = event {
                    let terminal = event.is_terminal();
                    return Some((event, (entry, version, shutdown, next + 1, terminal)));
                }
                if job_over {
                    return None;
                }
                tokio::select! {
                    changed = version.changed() => if changed.is_err() { return None },
                    changed = shutdown.changed() => if changed.is_err() { return None },
                }
            }
        }))
    }

    fn runners(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.runners.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stop every running job and wait for the runners to let go of the store; returns how many were running.
    pub async fn shutdown(&self) -> usize {
        let running = self.list().iter().filter(|j| j.state == JobState::Running).count();
        self.cancel.send_replace(true);
        let runners: Vec<JoinHandle<()>> = self.runners().drain(..).collect();
        for runner in runners {
            let _ = runner.await;
        }
        running
    }
}

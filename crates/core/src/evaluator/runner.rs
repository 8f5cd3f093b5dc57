//! The evaluator's runner: a model version over suite tasks on real Chromium. Each task attempt is one tracker run
//! (messages, actions, screenshots, DOM snapshots recorded by the agent loop) in a fresh isolated browser context,
//! scored by the task's check against the real final state, and stored as a task result. Attempts run concurrently up
//! to a limit, each under its task's timeout; `--resume` skips attempts already stored.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::broadcast;

use crate::agent::baseline::BaselinePlanner;
use crate::agent::llm_planner::LlmPlanner;
use crate::agent::run::{AgentOutcome, AgentSettings, AgentTask, StopReason, run_agent};
use crate::agent::types::Planner;
use crate::agent::{artifacts, recorder::Recorder};
use crate::browser::{BrowserOptions, BrowserPool};
use crate::config::Config;
use crate::evaluator::EvalError;
use crate::evaluator::checks::{CheckInput, CheckResult, Evidence, evaluate_check};
use crate::evaluator::driver::{SessionDriver, with_time_limit};
use crate::evaluator::miniwob;
use crate::evaluator::results::{EvalConfig, EvalStatus, NewEvaluation, NewTaskResult, Results};
use crate::evaluator::suite::{self, Category, Task, TaskFilter};
use crate::evaluator::summary::{EvaluationSummary, summarize};
use crate::handle::Core;
use crate::llm::{ClientOptions, PriceTable, client_with};
use crate::metrics::collector::{Collector, ErrorSeverity, TaskStart, TaskStatus};
use crate::metrics::task::TaskMonitor;
use crate::registry::{ModelVersion, Provider};
use crate::sites::SiteServer;
use crate::tracker::{RunStart, RunStatus, Tracker};

type Result<T, E = EvalError> = std::result::Result<T, E>;

/// The tracker experiment every evaluation attempt is recorded in.
pub const EVALUATION_EXPERIMENT: &str = "evaluations";

/// What to evaluate and how.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct BenchmarkRequest {
    /// Model version reference (`NAME:N`, `NAME@alias`, `NAME`, or an id).
    pub model: String,
    /// Built-in suite name or a suite file path (default `builtin`).
    pub suite: String,
    pub filter: TaskFilter,
    pub repeats: u32,
    pub concurrency: u32,
    /// Resume this evaluation: attempts already stored are skipped.
    pub resume: Option<String>,
    /// Directory with MiniWoB++ pages, for `miniwob:<task>` ids in `filter.ids`.
    pub miniwob_dir: Option<PathBuf>,
    /// Show the browser window.
    pub headful: bool,
    /// Base seed of the attempts' seeds (`attempt_seed`); drawn at random when absent. A resumed evaluation keeps
    /// the seed it was started with.
    #[serde(default)]
    pub seed: Option<u32>,
}

/// The seed of one attempt: the first four bytes of SHA-256(`"{base}/{task_id}/{attempt}"`), so every attempt of
/// every task gets its own episode, and the same base seed gives the same episodes again.
pub fn attempt_seed(base: u32, task_id: &str, attempt: u32) -> u32 {
    let digest = Sha256::digest(format!("{base}/{task_id}/{attempt}").as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A base seed for an evaluation started without `--seed`: from the clock and a fresh UUID's random bits.
fn fresh_base_seed() -> u32 {
    let digest = Sha256::digest(format!("{}/{}", crate::util::now_ms(), uuid::Uuid::now_v7()).as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Live progress of an evaluation, for the CLI bar and (later) the desktop UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EvalEvent {
    Started { evaluation_id: String, attempts: u32, skipped: u32 },
    AttemptStarted { task_id: String, attempt: u32 },
    AttemptFinished { task_id: String, attempt: u32, success: bool, score: f64, steps: u32, error: Option<String> },
    Finished { evaluation_id: String },
}

/// Everything one attempt needs, shared by all attempts of an evaluation.
struct Ctx<'a> {
    core: &'a Core,
    tracker: &'a Tracker,
    version: &'a ModelVersion,
    planner: &'a dyn Planner,
    config: &'a Config,
    server: &'a SiteServer,
    pool: &'a BrowserPool,
    evaluation_id: &'a str,
    suite: &'a str,
    /// The evaluation's base seed (`None` for an evaluation stored before seeds were recorded).
    seed: Option<u32>,
}

/// Run `request` to the end and return the stored evaluation's summary.
pub async fn run_benchmark(
    core: &Core,
    request: &BenchmarkRequest,
    events: Option<&broadcast::Sender<EvalEvent>>,
) -> Result<EvaluationSummary> {
    if request.repeats == 0 || request.concurrency == 0 {
        return Err(EvalError::Invalid("repeats and concurrency must be at least 1".into()));
    }
    let loaded = crate::config::load(core.settings())?;
    let config = loaded.config;
    let version = core.open_registry().await?.version(&request.model).await?;
    let planner = planner_for(core, &version, &config)?;
    let (mut tasks, suite_name, mut suite_hash) = select_tasks(core, request)?;
    let miniwob_dir = match &request.miniwob_dir {
        Some(dir) => Some(miniwob::MiniwobDir::open(dir)?),
        None => None,
    };
    let server = SiteServer::start_with(miniwob_dir.as_ref().map(|d| d.root())).await?;
    let miniwob_ids: Vec<String> =
        request.filter.ids.iter().filter_map(|id| miniwob::task_name(id).map(str::to_string)).collect();
    for name in &miniwob_ids {
        let dir = miniwob_dir.as_ref().ok_or_else(|| miniwob::missing_dir_error(name))?;
        tasks.push(dir.task(&server, name, config.agent.max_steps, 60)?);
    }
    if let Some(dir) = &miniwob_dir
        && !miniwob_ids.is_empty()
    {
        suite_hash = dir.files_hash(&suite_hash, &miniwob_ids)?;
    }
    if tasks.is_empty() {
        return Err(EvalError::Invalid("no task matches the given suite and filters".into()));
    }

    let results = Results::new(core.open_store().await?.clone());
    let evaluation = match &request.resume {
        Some(id) => {
            let e = results.reopen(id).await?;
            if e.model_version_id.as_deref() != Some(version.id.as_str()) || e.suite_hash != suite_hash {
                return Err(EvalError::Invalid(format!(
                    "evaluation {id} was run with another model version or suite; resume needs the same ones"
                )));
            }
            e
        }
        None => {
            let eval_config = EvalConfig {
                repeats: request.repeats,
                filter: request.filter.clone(),
                concurrency: request.concurrency,
                seed: Some(request.seed.unwrap_or_else(fresh_base_seed)),
            };
            results
                .create(&NewEvaluation {
                    model_version_id: Some(version.id.clone()),
                    suite: suite_name.clone(),
                    suite_hash: suite_hash.clone(),
                    config: eval_config,
                })
                .await?
        }
    };
    let finished: HashSet<(String, u32)> = results.finished_attempts(&evaluation.id).await?.into_iter().collect();
    // (index into `tasks`, attempt): indices rather than `&Task` keep the stream's closure free of a borrowed
    // argument, so the whole evaluation future is `Send` for any lifetime of `core` (a spawned job needs that).
    let jobs: Vec<(usize, u32)> = tasks
        .iter()
        .enumerate()
        .flat_map(|(i, t)| (1..=request.repeats).map(move |a| (i, t, a)))
        .filter(|(_, t, a)| !finished.contains(&(t.id.clone(), *a)))
        .map(|(i, _, a)| (i, a))
        .collect();
    emit(
        events,
        EvalEvent::Started {
            evaluation_id: evaluation.id.clone(),
            attempts: jobs.len() as u32,
            skipped: (tasks.len() as u32 * request.repeats).saturating_sub(jobs.len() as u32),
        },
    );

    let tracker = core.open_tracker().await?;
    ensure_experiment(tracker, EVALUATION_EXPERIMENT, "one run per evaluation task attempt").await?;
    let pool = BrowserPool::new(browser_options(&config, request.headful), request.concurrency as usize);
    let ctx = Ctx {
        core,
        tracker,
        version: &version,
        planner: planner.as_ref(),
        config: &config,
        server: &server,
        pool: &pool,
        evaluation_id: &evaluation.id,
        suite: &suite_name,
        seed: evaluation.config.seed,
    };
    let outcome: Result<()> = async {
        // Each attempt stores its own result inside its future. The loop below must not await the store itself:
        // `buffer_unordered` does not poll the other attempts while the loop body runs, so an attempt suspended
        // inside a write transaction would hold SQLite's write lock while the loop waited for it ("database is
        // locked" after the busy timeout).
        let (results, evaluation_id) = (&results, evaluation.id.as_str());
        let (ctx, tasks) = (&ctx, &tasks);
        let mut stream = futures::stream::iter(jobs)
            .map(|(index, attempt): (usize, u32)| {
                let task = &tasks[index];
                emit(events, EvalEvent::AttemptStarted { task_id: task.id.clone(), attempt });
                async move {
                    let result = run_attempt(ctx, task, attempt).await?;
                    results.record(evaluation_id, &result).await?;
                    Ok::<_, EvalError>(result)
                }
            })
            .buffer_unordered(request.concurrency as usize);
        while let Some(result) = stream.next().await {
            let result = result?;
            emit(
                events,
                EvalEvent::AttemptFinished {
                    task_id: result.task_id.clone(),
                    attempt: result.attempt,
                    success: result.success,
                    score: result.score,
                    steps: result.steps,
                    error: result.error.clone(),
                },
            );
        }
        Ok(())
    }
    .await;
    pool.shutdown().await;
    server.shutdown().await;
    match &outcome {
        Ok(()) => results.finish(&evaluation.id, EvalStatus::Finished, None).await?,
        Err(e) => results.finish(&evaluation.id, EvalStatus::Failed, Some(&e.to_string())).await?,
    };
    if let Err(e) = evaluate_alerts(core).await {
        eprintln!("warning: alert evaluation after the evaluation failed: {e}");
    }
    outcome?;
    emit(events, EvalEvent::Finished { evaluation_id: evaluation.id.clone() });
    let stored = results.get(&evaluation.id).await?;
    Ok(summarize(stored, &results.results(&evaluation.id).await?))
}

/// The alert rules over the metrics so far, with the thresholds the config has now (what `api::health`'s
/// `evaluate_alerts` operation does), so a finished evaluation opens or resolves alerts right away.
async fn evaluate_alerts(core: &Core) -> Result<()> {
    let thresholds = crate::config::load(core.settings())?.config.monitoring.alerts;
    crate::metrics::alerts::evaluate(core.open_store().await?, &thresholds, crate::util::now_ms()).await?;
    Ok(())
}

/// Browser options from the config; `headful` shows the window. Without a display (Linux: no `DISPLAY` or
/// `WAYLAND_DISPLAY`) a headful request falls back to headless, with a note on stderr.
pub fn browser_options(config: &Config, headful: bool) -> BrowserOptions {
    let mut options = BrowserOptions::from_config(&config.browser);
    if headful {
        options.headless = false;
    }
    let no_display = cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none();
    if !options.headless && options.cdp_url.is_none() && no_display {
        eprintln!("note: no display found; running Chromium headless");
        options.headless = true;
    }
    options
}

fn emit(events: Option<&broadcast::Sender<EvalEvent>>, event: EvalEvent) {
    if let Some(tx) = events {
        let _ = tx.send(event);
    }
}

/// The suite's tasks selected by the filter (MiniWoB ids are added by the caller); plus the suite's name and hash.
fn select_tasks(core: &Core, request: &BenchmarkRequest) -> Result<(Vec<Task>, String, String)> {
    let only_miniwob =
        !request.filter.ids.is_empty() && request.filter.ids.iter().all(|i| miniwob::task_name(i).is_some());
    let name = if request.suite.is_empty() { suite::DEFAULT_SUITE } else { &request.suite };
    let loaded = suite::load_in(name, &suite::SuiteScope::of(core))?;
    if only_miniwob {
        return Ok((Vec::new(), "miniwob".into(), String::new()));
    }
    let mut filter = request.filter.clone();
    filter.ids.retain(|i| miniwob::task_name(i).is_none());
    let tasks = loaded.suite.select(&filter)?.into_iter().cloned().collect();
    Ok((tasks, loaded.suite.suite.clone(), loaded.hash))
}

/// The planner a version asks for: the offline baseline, or an LLM provider with prices from the config dir.
pub fn planner_for(core: &Core, version: &ModelVersion, config: &Config) -> Result<Box<dyn Planner>> {
    if version.config.provider == Provider::Baseline {
        let planner = BaselinePlanner::from_version(version)
            .map_err(|e| EvalError::Invalid(format!("{}: {e}", version.reference)))?;
        return Ok(Box::new(planner));
    }
    let pricing = PriceTable::load(&core.settings().config_dir)?;
    let options = ClientOptions { pricing: std::sync::Arc::new(pricing), ..Default::default() };
    let client = client_with(version, &config.llm, options)?;
    Ok(Box::new(LlmPlanner::new(client, version)))
}

/// Create the experiment `name` unless it exists (another process may create it at the same moment).
pub async fn ensure_experiment(tracker: &Tracker, name: &str, description: &str) -> Result<()> {
    if tracker.get_experiment(name).await.is_ok() {
        return Ok(());
    }
    match tracker.create_experiment(name, description, &BTreeMap::new()).await {
        Ok(_) => Ok(()),
        Err(_) if tracker.get_experiment(name).await.is_ok() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// One attempt of one task. Browser and agent failures become the result's `error` (never a success); only a
/// failing store aborts the evaluation.
async fn run_attempt(ctx: &Ctx<'_>, task: &Task, attempt: u32) -> Result<NewTaskResult> {
    let started = Instant::now();
    let seed = ctx.seed.map(|base| attempt_seed(base, &task.id, attempt));
    let mut params = BTreeMap::from([
        ("task_id".into(), task.id.clone()),
        ("attempt".into(), attempt.to_string()),
        ("suite".into(), ctx.suite.to_string()),
        ("model".into(), ctx.version.reference.clone()),
        ("planner".into(), ctx.planner.describe()),
    ]);
    if let Some(seed) = seed {
        params.insert("seed".into(), seed.to_string());
    }
    let mut tags = BTreeMap::from([
        ("evaluation_id".into(), ctx.evaluation_id.to_string()),
        ("category".into(), task.category.as_str().to_string()),
    ]);
    if let Some(d) = task.difficulty {
        tags.insert("difficulty".into(), d.as_str().to_string());
    }
    let run = ctx
        .tracker
        .start_run(&RunStart {
            experiment: EVALUATION_EXPERIMENT.into(),
            name: Some(format!("{}#{attempt}", task.id)),
            model_version_id: Some(ctx.version.id.clone()),
            params,
            tags,
        })
        .await?;
    let collector = Collector::new(ctx.core.open_store().await?.clone());
    let start = TaskStart {
        run_id: Some(run.id.clone()),
        evaluation_id: Some(ctx.evaluation_id.to_string()),
        task_id: Some(task.id.clone()),
        model: ctx.version.reference.clone(),
        provider: ctx.version.config.provider.as_str().to_string(),
        started_at_ms: crate::util::now_ms(),
    };
    let monitor = TaskMonitor::start(&collector, &start).await;
    let attempt_key = ctx.server.new_attempt();
    let episode = episode(ctx, task, (&run.id, seed), &attempt_key, monitor.as_ref()).await;
    let (outcome, check, screenshot_hash, error) = match episode {
        Ok(e) => e,
        Err(message) => {
            if let Some(m) = &monitor {
                m.error("task_exception", &message, ErrorSeverity::High, error_context(&run.id, task, attempt)).await;
            }
            (None, None, None, Some(message))
        }
    };
    let check = check.unwrap_or(CheckResult { passed: false, score: 0.0, evidence: Vec::new() });
    let success = check.passed && error.is_none();
    let score = if error.is_some() { 0.0 } else { check.score.clamp(0.0, 1.0) };
    let steps = match &outcome {
        Some(o) => o.steps,
        None => ctx.tracker.metric_history(&run.id, "step_duration_ms").await.map(|h| h.len() as u32).unwrap_or(0),
    };
    ctx.tracker.log_metric(&run.id, "success", if success { 1.0 } else { 0.0 }, i64::from(steps), None).await?;
    ctx.tracker.log_metric(&run.id, "score", score, i64::from(steps), None).await?;
    let status = if error.is_some() { RunStatus::Failed } else { RunStatus::Finished };
    ctx.tracker.complete_run(&run.id, status, error.as_deref()).await?;
    if let Some(m) = &monitor {
        let status = match (success, &error) {
            (true, _) => TaskStatus::Succeeded,
            (false, Some(_)) => TaskStatus::Error,
            (false, None) => TaskStatus::Failed,
        };
        m.end(status, steps).await;
    }
    Ok(NewTaskResult {
        task_id: task.id.clone(),
        attempt,
        run_id: Some(run.id),
        category: task.category.as_str().to_string(),
        difficulty: task.difficulty.map(|d| d.as_str().to_string()).unwrap_or_default(),
        seed,
        success,
        score,
        steps,
        input_tokens: outcome.as_ref().map(|o| o.usage.input).unwrap_or(0),
        output_tokens: outcome.as_ref().map(|o| o.usage.output).unwrap_or(0),
        cost_usd: outcome.as_ref().and_then(|o| o.cost_usd),
        duration_ms: started.elapsed().as_millis() as i64,
        final_url: outcome.as_ref().map(|o| o.final_url.clone()).unwrap_or_default(),
        answer: outcome.as_ref().and_then(|o| o.answer.clone()),
        evidence: check.evidence,
        error,
        screenshot_hash,
    })
}

type Episode = (Option<AgentOutcome>, Option<CheckResult>, Option<String>, Option<String>);

/// The monitoring error type and severity of an episode that ended early, or `None` when it ran to its end.
pub(crate) fn episode_error_kind(timed_out: bool, stop: StopReason) -> Option<(&'static str, ErrorSeverity)> {
    match stop {
        _ if timed_out => Some(("task_timeout", ErrorSeverity::Medium)),
        StopReason::PlannerError => Some(("planner_error", ErrorSeverity::High)),
        StopReason::BrowserCrashed => Some(("browser_crashed", ErrorSeverity::High)),
        StopReason::RecordingFailed => Some(("recording_failed", ErrorSeverity::Critical)),
        StopReason::Done | StopReason::MaxSteps | StopReason::MaxFailures => None,
    }
}

fn error_context(run_id: &str, task: &Task, attempt: u32) -> serde_json::Value {
    serde_json::json!({"run_id": run_id, "task_id": task.id, "attempt": attempt})
}

/// Open a fresh context, drive the agent under the task's timeout, check the final state, keep a last screenshot.
async fn episode(
    ctx: &Ctx<'_>,
    task: &Task,
    (run_id, seed): (&str, Option<u32>),
    attempt_key: &str,
    monitor: Option<&TaskMonitor>,
) -> Result<Episode, String> {
    let start_url = ctx.server.resolve_for(attempt_key, &task.start_url).map_err(|e| e.to_string())?;
    let session = ctx.pool.session().await.map_err(|e| e.to_string())?;
    let driver = SessionDriver::new(session);
    let mut result = drive(ctx, task, (run_id, attempt_key, seed), &driver, &start_url, monitor).await;
    // Requests the allow-list stopped (redirects, scripts, subresources to other hosts) are part of the result.
    let blocked = driver.blocked_requests().await;
    let _ = driver.into_session().close().await;
    if blocked.count > 0 {
        let _ = ctx.tracker.log_metric(run_id, "blocked_requests", f64::from(blocked.count), 0, None).await;
        if let Ok((_, Some(check), _, _)) = &mut result {
            check.evidence.push(Evidence {
                check: "browser.allowed_domains".into(),
                passed: true,
                observed: format!("blocked {} request(s) to {}", blocked.count, blocked.hosts.join(", ")),
            });
        }
    }
    result
}

async fn drive(
    ctx: &Ctx<'_>,
    task: &Task,
    (run_id, attempt_key, seed): (&str, &str, Option<u32>),
    driver: &SessionDriver,
    start_url: &str,
    monitor: Option<&TaskMonitor>,
) -> Result<Episode, String> {
    let opened = Instant::now();
    driver.goto(start_url).await.map_err(|e| format!("opening {start_url}: {e}"))?;
    if let Some(m) = monitor {
        m.page_load_pending(opened.elapsed().as_millis() as i64, None);
    }
    let mut prompt = task.prompt.clone();
    if task.category == Category::Miniwob {
        // Evaluations stored before seeds were recorded ran every episode with seed 1; resuming one keeps that.
        let seed = u64::from(seed.unwrap_or(1));
        prompt = miniwob::start_episode(driver, seed, u64::from(task.timeout_secs) * 1000)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut settings = AgentSettings::from_config(ctx.config);
    settings.max_steps = task.max_steps;
    let recorder = Recorder::new(ctx.tracker, run_id, settings.capture).with_monitor(monitor.cloned());
    let agent_task = AgentTask { prompt, secrets: BTreeMap::new() };
    let limit = Duration::from_secs(u64::from(task.timeout_secs));
    let run = run_agent(driver, ctx.planner, &agent_task, &settings, &recorder, None);
    let (o, timed_out) = with_time_limit(driver, limit, run).await;
    let mut error = if timed_out {
        Some(format!("timed out after {} s", task.timeout_secs))
    } else {
        match o.stop_reason {
            StopReason::PlannerError | StopReason::BrowserCrashed | StopReason::RecordingFailed => {
                o.error.clone().or(Some(o.stop_reason.as_str().into()))
            }
            _ => None,
        }
    };
    if let (Some(m), Some((kind, severity)), Some(message)) =
        (monitor, episode_error_kind(timed_out, o.stop_reason), &error)
    {
        m.error(kind, message, severity, serde_json::json!({"run_id": run_id, "task_id": task.id})).await;
    }
    let outcome = Some(o);
    let check = if task.category == Category::Miniwob {
        miniwob::evaluate(driver).await
    } else {
        let submissions = ctx.server.submissions(attempt_key);
        let answer = outcome.as_ref().and_then(|o| o.answer.as_deref());
        evaluate_check(&task.check, &CheckInput { probe: driver, answer, submissions: &submissions }).await
    };
    let screenshot_hash = match driver.screenshot_png().await {
        Ok(png) => {
            let store = ctx.core.open_store().await.map_err(|e| e.to_string())?;
            let hash =
                artifacts::store_artifact(store, "screenshot", "image/png", &png).await.map_err(|e| e.to_string())?;
            let step = outcome.as_ref().map(|o| i64::from(o.steps)).unwrap_or(0);
            artifacts::link_artifact(store, run_id, step, "final_screenshot", &hash)
                .await
                .map_err(|e| e.to_string())?;
            Some(hash)
        }
        Err(e) => {
            if error.is_none()
                && let Some(m) = monitor
            {
                let context = serde_json::json!({"run_id": run_id, "task_id": task.id});
                m.error("final_screenshot", &e.to_string(), ErrorSeverity::Medium, context).await;
            }
            error.get_or_insert_with(|| format!("final screenshot: {e}"));
            None
        }
    };
    Ok((outcome, Some(check), screenshot_hash, error))
}

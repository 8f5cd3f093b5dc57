//! The agent loop: per step read the page, mask secrets, ask the planner, parse and execute its actions (secrets
//! substituted only at execution), detect stagnation, record everything, and stop on `done`, the step limit,
//! consecutive failures, a fatal planner error or a crashed browser.
//!
//! User view: `docs/guide/evaluation.md` (how an agent task ends).
//!
//! `run_agent(driver, planner, task, settings, recorder, events)` takes the browser (`&dyn BrowserDriver`, a Chromium
//! session), the planner (the LLM planner or `BaselinePlanner`), the task (`AgentTask`: prompt and secrets by name),
//! the settings (`AgentSettings::from_config(&config)`: `config.agent` plus `config.experiments`), the recorder
//! (`Recorder::new(&tracker, run_id, capture)`) and an optional broadcast sender of `AgentEvent`s, and returns an
//! `AgentOutcome`.
//!
//! Per step:
//!
//! 1. `driver.state(use_vision || capture.screenshots)`; every secret value anywhere in the state (URL, title, tabs,
//!    element texts and attributes, serialisation) is replaced by `<secret>name</secret>`. A state that cannot be read
//!    makes the step a failed one.
//! 2. The screenshot and the serialised state are stored as artifacts when `auto_log_screenshots` /
//!    `auto_log_dom_snapshots` are on.
//! 3. `planner.plan(&PlanContext)`; its messages are masked and recorded when `auto_log_conversations` is on.
//! 4. Each raw action goes through `parse_action`; a bad one becomes a failed outcome whose error the planner sees in
//!    the next step's history. Placeholders are replaced by the real secret only when the action is handed to the
//!    browser. At most `max_actions_per_step` actions run, and the rest of a step is dropped after an action whose
//!    outcome has `page_changed`. `done` is not sent to the browser; it ends the episode.
//! 5. Every action is recorded on the run (`run_actions`: type, target, success, duration, error), and the step metrics
//!    `step_duration_ms`, `llm_latency_ms`, `step_input_tokens` and `step_output_tokens` are logged at step = step
//!    number.
//!
//! Stop reasons: `done` (its flag and text become `success` and `answer`), `max_steps`, `max_failures` consecutive
//! failed steps (the state could not be read, the planner erred, its plan was empty, or every action failed),
//! `planner_error` (`PlanError::Fatal`), `browser_crashed` (`DriverError { browser_crashed: true }`), and
//! `recording_failed` (a database failure while recording).
//!
//! Stagnation: the same (URL, DOM hash, action JSON) executed a third time or more counts one `stagnation_event` each
//! time, and the step's history record gets an extra failed outcome with action `stagnation` ("you repeated the same
//! action on an unchanged page 3 or more times; …") for the next plan; it is not counted as an action.
//!
//! At the end, logged at step = number of steps: `steps`, `actions`, `failed_actions`, `stagnation_events`,
//! `input_tokens`, `output_tokens`, `duration_ms`, and `cost_usd` only when every plan reported a cost.
//!
//! `AgentEvent` (serde `tag = "type"`): `step_started {step, max_steps, url}`,
//! `step_finished {step, goal, outcomes, failed}`, `finished {stop_reason, success, steps}`.
//!
//! Tests: the loop tests in `tests/it/agent/mod.rs` use a scripted browser (`tests/it/agent/fake.rs`). The secrets test
//! scans every TEXT column of every table for the canary value.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::AgentError;
use super::driver::BrowserDriver;
pub use super::episode::was_skipped;
use super::episode::{Episode, StepEnd, Tally};
use super::recorder::{CaptureSettings, Recorder};
use super::secrets::Secrets;
use super::types::Planner;
use crate::browser::types::ActionOutcome;
use crate::config::Config;
use crate::tracker::TokenCounts;

/// The error a stagnation warning carries into the next step's history.
pub const STAGNATION_WARNING: &str =
    "you repeated the same action on an unchanged page 3 or more times; it is not working, try something else";

/// What the agent is asked to do.
#[derive(Debug, Clone, Default)]
pub struct AgentTask {
    /// The instruction; may reference secrets as `<secret>name</secret>`.
    pub prompt: String,
    /// name → value. Values never reach the planner or the database.
    pub secrets: BTreeMap<String, String>,
}

/// Loop limits and capture settings (from `config.agent` and `config.experiments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AgentSettings {
    pub max_steps: u32,
    /// Consecutive failed steps before giving up.
    pub max_failures: u32,
    pub step_delay_ms: u32,
    pub use_vision: bool,
    pub max_actions_per_step: u32,
    pub capture: CaptureSettings,
}

impl AgentSettings {
    pub fn from_config(config: &Config) -> AgentSettings {
        let a = &config.agent;
        AgentSettings {
            max_steps: a.max_steps,
            max_failures: a.max_failures,
            step_delay_ms: a.step_delay_ms,
            use_vision: a.use_vision,
            max_actions_per_step: a.max_actions_per_step,
            capture: CaptureSettings::from(&config.experiments),
        }
    }
}

/// Why the loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    Done,
    MaxSteps,
    MaxFailures,
    PlannerError,
    BrowserCrashed,
    /// The tracker could not record the episode (the database failed); the episode was abandoned.
    RecordingFailed,
}

impl StopReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Done => "done",
            StopReason::MaxSteps => "max_steps",
            StopReason::MaxFailures => "max_failures",
            StopReason::PlannerError => "planner_error",
            StopReason::BrowserCrashed => "browser_crashed",
            StopReason::RecordingFailed => "recording_failed",
        }
    }
}

/// How an episode ended. `success` is the agent's own claim (via `done`); the evaluator's checks decide for real.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AgentOutcome {
    pub success: bool,
    pub answer: Option<String>,
    pub steps: u32,
    pub actions: u32,
    pub failed_actions: u32,
    pub stagnation_events: u32,
    pub usage: TokenCounts,
    pub cost_usd: Option<f64>,
    pub duration_ms: i64,
    pub final_url: String,
    pub stop_reason: StopReason,
    pub error: Option<String>,
}

/// Live progress of an episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    StepStarted { step: u32, max_steps: u32, url: String },
    StepFinished { step: u32, goal: String, outcomes: Vec<ActionOutcome>, failed: bool },
    Finished { stop_reason: StopReason, success: bool, steps: u32 },
}

/// Drive `driver` with `planner` until the task is done or a limit is hit. Never fails: problems end up in the
/// outcome's `stop_reason` and `error`.
pub async fn run_agent(
    driver: &dyn BrowserDriver,
    planner: &dyn Planner,
    task: &AgentTask,
    settings: &AgentSettings,
    recorder: &Recorder<'_>,
    events: Option<&broadcast::Sender<AgentEvent>>,
) -> AgentOutcome {
    let started = Instant::now();
    let secrets = Secrets::new(&task.secrets);
    let mut ep = Episode {
        driver,
        planner,
        settings,
        recorder,
        secrets,
        prompt: String::new(),
        history: Vec::new(),
        seen: HashMap::new(),
        tally: Tally { cost_known: true, ..Tally::default() },
        last_url: String::new(),
        warn_next: false,
    };
    ep.prompt = ep.secrets.mask(&task.prompt);
    let emit = |e: AgentEvent| {
        if let Some(tx) = events {
            let _ = tx.send(e);
        }
    };
    let mut consecutive_failures = 0u32;
    let mut steps = 0u32;
    let mut finish: Option<(StopReason, Option<String>, bool, Option<String>)> = None;
    for step in 1..=settings.max_steps {
        steps = step;
        emit(AgentEvent::StepStarted { step, max_steps: settings.max_steps, url: ep.last_url.clone() });
        let end = match ep.step(step).await {
            Ok(end) => end,
            Err(e) => StepEnd::Stop(StopReason::RecordingFailed, e.to_string()),
        };
        let (goal, outcomes) = ep
            .history
            .last()
            .filter(|r| r.step == step)
            .map(|r| (r.plan.next_goal.clone(), r.outcomes.clone()))
            .unwrap_or_default();
        let failed = matches!(end, StepEnd::Continue { failed: true, .. });
        emit(AgentEvent::StepFinished { step, goal, outcomes, failed });
        match end {
            StepEnd::Done { success, text } => {
                finish = Some((StopReason::Done, None, success, Some(text)));
                break;
            }
            StepEnd::Stop(reason, error) => {
                finish = Some((reason, Some(error), false, None));
                break;
            }
            StepEnd::Continue { failed: true, error } => {
                consecutive_failures += 1;
                if consecutive_failures >= settings.max_failures.max(1) {
                    let error = error.unwrap_or_else(|| "every action of the step failed".to_string());
                    let msg = format!("{consecutive_failures} consecutive failed steps; last: {error}");
                    finish = Some((StopReason::MaxFailures, Some(msg), false, None));
                    break;
                }
            }
            StepEnd::Continue { failed: false, .. } => consecutive_failures = 0,
        }
        if settings.step_delay_ms > 0 && step < settings.max_steps {
            tokio::time::sleep(Duration::from_millis(u64::from(settings.step_delay_ms))).await;
        }
    }
    let (stop_reason, error, success, answer) = match finish {
        Some(f) => f,
        // The step limit: one last call asking only for the answer, when the planner has one.
        None => match ep.final_answer().await {
            Ok(Some((success, text))) => (StopReason::MaxSteps, None, success, Some(text)),
            Ok(None) => (StopReason::MaxSteps, None, false, None),
            Err(e) => (StopReason::RecordingFailed, Some(e.to_string()), false, None),
        },
    };
    if stop_reason != StopReason::BrowserCrashed
        && let Ok(state) = driver.state(false).await
    {
        ep.last_url = ep.secrets.mask(&state.url);
        if let Some(m) = recorder.monitor() {
            m.page_state_read(&ep.last_url, state.elements.len()).await;
        }
    }
    let t = &ep.tally;
    let mut outcome = AgentOutcome {
        success,
        answer: answer.map(|a| ep.secrets.mask(&a)),
        steps,
        actions: t.actions,
        failed_actions: t.failed_actions,
        stagnation_events: t.stagnation_events,
        usage: t.usage,
        cost_usd: (t.cost_known && t.plans > 0).then_some(t.cost),
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        final_url: ep.last_url.clone(),
        stop_reason,
        error,
    };
    if stop_reason != StopReason::RecordingFailed
        && let Err(e) = record_final(recorder, &outcome).await
    {
        outcome.stop_reason = StopReason::RecordingFailed;
        outcome.error = Some(e.to_string());
    }
    emit(AgentEvent::Finished { stop_reason: outcome.stop_reason, success: outcome.success, steps });
    outcome
}

async fn record_final(recorder: &Recorder<'_>, o: &AgentOutcome) -> Result<(), AgentError> {
    let step = i64::from(o.steps);
    let mut metrics = vec![
        ("steps", f64::from(o.steps)),
        ("actions", f64::from(o.actions)),
        ("failed_actions", f64::from(o.failed_actions)),
        ("stagnation_events", f64::from(o.stagnation_events)),
        ("input_tokens", o.usage.input as f64),
        ("output_tokens", o.usage.output as f64),
        ("duration_ms", o.duration_ms as f64),
    ];
    if let Some(cost) = o.cost_usd {
        metrics.push(("cost_usd", cost));
    }
    for (key, value) in metrics {
        recorder.metric(key, value, step).await?;
    }
    recorder.flush().await
}

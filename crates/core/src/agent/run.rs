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
use super::driver::{BrowserDriver, action_json, parse_action};
use super::recorder::{CaptureSettings, Recorder};
use super::secrets::Secrets;
use super::types::{PlanContext, PlanError, PlanOutput, PlanSummary, Planner, StepRecord};
use crate::browser::types::{ActionOutcome, BrowserAction};
use crate::config::Config;
use crate::metrics::task::LlmRequest;
use crate::tracker::TokenCounts;

/// The error a stagnation warning carries into the next step's history.
pub const STAGNATION_WARNING: &str =
    "you repeated the same action on an unchanged page 3 or more times; it is not working, try something else";

/// Same (URL, DOM hash, action) this many times counts as a stagnation event.
const STAGNATION_REPEATS: u32 = 3;

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

/// Counters of the running episode.
#[derive(Default)]
struct Tally {
    actions: u32,
    failed_actions: u32,
    stagnation_events: u32,
    usage: TokenCounts,
    cost: f64,
    cost_known: bool,
    plans: u32,
}

/// What one step ended with.
enum StepEnd {
    Continue { failed: bool, error: Option<String> },
    Done { success: bool, text: String },
    Stop(StopReason, String),
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
    let (stop_reason, error, success, answer) = finish.unwrap_or((StopReason::MaxSteps, None, false, None));
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

/// The state of one episode between steps.
struct Episode<'a> {
    driver: &'a dyn BrowserDriver,
    planner: &'a dyn Planner,
    settings: &'a AgentSettings,
    recorder: &'a Recorder<'a>,
    secrets: Secrets,
    /// The task with secret values masked.
    prompt: String,
    history: Vec<StepRecord>,
    /// (URL, DOM hash, masked action JSON) → times executed.
    seen: HashMap<(String, String, String), u32>,
    tally: Tally,
    last_url: String,
    /// The previous step stagnated: warn the planner in this step's history record.
    warn_next: bool,
}

impl Episode<'_> {
    async fn step(&mut self, step: u32) -> Result<StepEnd, AgentError> {
        let step_started = Instant::now();
        let s = self.settings;
        let want_screenshot = s.use_vision || self.recorder.capture().screenshots;
        let mut state = match self.driver.state(want_screenshot).await {
            Ok(state) => state,
            Err(e) if e.browser_crashed => return Ok(StepEnd::Stop(StopReason::BrowserCrashed, e.message)),
            Err(e) => {
                let error = format!("could not read the page: {}", self.secrets.mask(&e.message));
                let outcome = failed_outcome("state", "", &error);
                self.push_record(step, PlanSummary::default(), vec![outcome]);
                return Ok(StepEnd::Continue { failed: true, error: Some(error) });
            }
        };
        self.secrets.mask_state(&mut state);
        self.last_url = state.url.clone();
        if let Some(m) = self.recorder.monitor() {
            m.page_state_read(&state.url, state.elements.len()).await;
        }
        if let Some(png) = &state.screenshot_png {
            self.recorder.screenshot(step, png).await?;
        }
        self.recorder.dom_snapshot(step, &state.serialized).await?;
        if !s.use_vision {
            state.screenshot_png = None;
        }
        let ctx = PlanContext {
            task: self.prompt.clone(),
            step,
            max_steps: s.max_steps,
            state,
            history: self.history.clone(),
            secret_names: self.secrets.names(),
            max_actions_per_step: s.max_actions_per_step,
            use_vision: s.use_vision,
        };
        let plan_started = Instant::now();
        let planned = self.planner.plan(&ctx).await;
        if let (Some(m), Some((provider, model))) = (self.recorder.monitor(), self.planner.llm_identity()) {
            let result = match &planned {
                Ok(p) => LlmRequest::Answered { tokens: p.usage, cost_usd: p.cost_usd, latency_ms: p.latency_ms },
                Err(e) => LlmRequest::Failed {
                    message: self.secrets.mask(&e.to_string()),
                    fatal: matches!(e, PlanError::Fatal(_)),
                    elapsed_ms: elapsed_ms(plan_started),
                },
            };
            m.llm_request(step, &provider, &model, result).await;
        }
        let plan = match planned {
            Ok(plan) => plan,
            Err(PlanError::Fatal(m)) => {
                let m = self.secrets.mask(&m);
                self.push_record(step, PlanSummary::default(), vec![failed_outcome("plan", "", &m)]);
                return Ok(StepEnd::Stop(StopReason::PlannerError, m));
            }
            Err(PlanError::Recoverable(m)) => {
                let m = self.secrets.mask(&m);
                self.push_record(step, PlanSummary::default(), vec![failed_outcome("plan", "", &m)]);
                self.recorder.step_metrics(step, elapsed_ms(step_started), 0, &TokenCounts::default()).await?;
                return Ok(StepEnd::Continue { failed: true, error: Some(m) });
            }
        };
        self.account(&plan);
        let mut messages = plan.messages.clone();
        for m in &mut messages {
            self.secrets.mask_message(m);
        }
        self.recorder.messages(&messages).await?;
        let (outcomes, skipped, end) = self.run_actions(&ctx, &plan).await?;
        let summary = PlanSummary {
            evaluation_previous_goal: self.secrets.mask(&plan.summary.evaluation_previous_goal),
            memory: self.secrets.mask(&plan.summary.memory),
            next_goal: self.secrets.mask(&plan.summary.next_goal),
        };
        let failed = outcomes.is_empty() || outcomes.iter().all(|o| !o.success);
        let error = if outcomes.is_empty() {
            Some("the plan contained no actions".to_string())
        } else {
            outcomes.iter().rev().find_map(|o| o.error.clone())
        };
        let mut recorded = outcomes;
        if recorded.is_empty() {
            recorded.push(failed_outcome("plan", "", "the plan contained no actions; give at least one action"));
        }
        // Not run, so neither counted nor recorded as actions; the model is told which and why.
        recorded.extend(skipped);
        self.push_record(step, summary, recorded);
        self.recorder.step_metrics(step, elapsed_ms(step_started), plan.latency_ms, &plan.usage).await?;
        Ok(match end {
            Some(end) => end,
            None => StepEnd::Continue { failed, error },
        })
    }

    fn account(&mut self, plan: &PlanOutput) {
        let u = &mut self.tally.usage;
        u.input += plan.usage.input;
        u.output += plan.usage.output;
        u.cache_read += plan.usage.cache_read;
        u.cache_write += plan.usage.cache_write;
        u.reasoning += plan.usage.reasoning;
        self.tally.plans += 1;
        match plan.cost_usd {
            Some(c) => self.tally.cost += c,
            None => self.tally.cost_known = false,
        }
    }

    /// Parse and run up to `max_actions_per_step` actions; stop after one that changed the page (navigation, a new
    /// tab, elements appearing or going — not a value typed into a field), after one that failed, at `done`, or
    /// when the browser crashed. The actions not run are returned apart, each with why, for the model's history.
    async fn run_actions(
        &mut self,
        ctx: &PlanContext,
        plan: &PlanOutput,
    ) -> Result<(Vec<ActionOutcome>, Vec<ActionOutcome>, Option<StepEnd>), AgentError> {
        let limit = usize::try_from(self.settings.max_actions_per_step.max(1)).unwrap_or(usize::MAX);
        let mut outcomes = Vec::new();
        let mut end = None;
        let planned: Vec<&serde_json::Value> = plan.actions.iter().take(limit).collect();
        let mut stopped: Option<&str> = None;
        let mut ran = 0;
        for raw in &planned {
            let raw = *raw;
            if stopped.is_some() || end.is_some() {
                break;
            }
            ran += 1;
            let masked_raw = self.secrets.mask_json(raw);
            let action = match parse_action(raw) {
                Ok(a) => a,
                Err(e) => {
                    let name = raw.as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default();
                    let outcome = failed_outcome(&name, &masked_raw.to_string(), &self.secrets.mask(&e));
                    self.record(&mut outcomes, outcome).await?;
                    stopped = Some(SKIPPED_AFTER_FAILURE);
                    continue;
                }
            };
            if let BrowserAction::Done { success, text } = &action {
                let outcome = ActionOutcome {
                    action: "done".into(),
                    target: String::new(),
                    success: true,
                    error: None,
                    output: Some(self.secrets.mask(text)),
                    duration_ms: 0,
                    page_changed: false,
                };
                self.record(&mut outcomes, outcome).await?;
                end = Some(StepEnd::Done { success: *success, text: text.clone() });
                break;
            }
            // The parsed action re-serialised: argument order or spacing in the model's JSON does not matter.
            let canonical = self.secrets.mask(&action_json(&action).to_string());
            let key = (ctx.state.url.clone(), ctx.state.dom_hash.clone(), canonical);
            let seen = self.seen.entry(key).or_insert(0);
            *seen += 1;
            if *seen >= STAGNATION_REPEATS {
                self.tally.stagnation_events += 1;
                self.warn_next = true;
            }
            let real = match self.secrets.substitute_action(&action) {
                Ok(a) => a,
                Err(e) => {
                    let outcome = failed_outcome(action.name(), &masked_raw.to_string(), &e);
                    self.record(&mut outcomes, outcome).await?;
                    stopped = Some(SKIPPED_AFTER_FAILURE);
                    continue;
                }
            };
            let started = Instant::now();
            match self.driver.execute(&real).await {
                Ok(mut outcome) => {
                    self.secrets.mask_outcome(&mut outcome);
                    let changed = outcome.page_changed;
                    if let Some(m) = self.recorder.monitor().filter(|_| changed && outcome.success) {
                        // navigate / go_back / open_tab always load a page; another action that changed the page
                        // counts as a load only if the next state shows another URL.
                        let unless = match action {
                            BrowserAction::Navigate { .. }
                            | BrowserAction::GoBack {}
                            | BrowserAction::OpenTab { .. } => None,
                            _ => Some(ctx.state.url.clone()),
                        };
                        m.page_load_pending(outcome.duration_ms, unless);
                    }
                    let success = outcome.success;
                    self.record(&mut outcomes, outcome).await?;
                    if !success {
                        stopped = Some(SKIPPED_AFTER_FAILURE);
                    } else if changed {
                        stopped = Some(SKIPPED_AFTER_CHANGE);
                    }
                }
                Err(e) => {
                    let message = self.secrets.mask(&e.message);
                    let mut outcome = failed_outcome(action.name(), &masked_raw.to_string(), &message);
                    outcome.duration_ms = elapsed_ms(started);
                    self.record(&mut outcomes, outcome).await?;
                    if e.browser_crashed {
                        end = Some(StepEnd::Stop(StopReason::BrowserCrashed, message));
                        break;
                    }
                    stopped = Some(SKIPPED_AFTER_FAILURE);
                }
            }
        }
        let why = stopped.unwrap_or(SKIPPED_AFTER_CHANGE);
        let skipped = planned[ran.min(planned.len())..]
            .iter()
            .filter(|_| end.is_none())
            .map(|raw| {
                let name = raw.as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default();
                failed_outcome(&name, &self.secrets.mask_json(raw).to_string(), why)
            })
            .collect();
        Ok((outcomes, skipped, end))
    }

    async fn record(&mut self, outcomes: &mut Vec<ActionOutcome>, outcome: ActionOutcome) -> Result<(), AgentError> {
        self.tally.actions += 1;
        if !outcome.success {
            self.tally.failed_actions += 1;
        }
        self.recorder.action(&outcome).await?;
        outcomes.push(outcome);
        Ok(())
    }

    /// Append a step to the history, with a stagnation warning first if the step before stagnated. A step without a
    /// memory (its plan failed) keeps the memory of the step before, so one failed step does not erase it.
    fn push_record(&mut self, step: u32, mut plan: PlanSummary, mut outcomes: Vec<ActionOutcome>) {
        if plan.memory.trim().is_empty()
            && let Some(last) = self.history.last()
        {
            plan.memory = last.plan.memory.clone();
        }
        if std::mem::take(&mut self.warn_next) {
            outcomes.push(failed_outcome("stagnation", &self.last_url, STAGNATION_WARNING));
        }
        self.history.push(StepRecord { step, url: self.last_url.clone(), plan, outcomes });
    }
}

/// True for the history entry of a planned action that did not run (see `run_actions`).
pub fn was_skipped(o: &ActionOutcome) -> bool {
    !o.success && o.error.as_deref().is_some_and(|e| e.starts_with("not run:"))
}

/// Why an action of the plan did not run.
const SKIPPED_AFTER_CHANGE: &str = "not run: the page changed after the action before it; plan again from the new page";
const SKIPPED_AFTER_FAILURE: &str = "not run: the action before it failed";

fn failed_outcome(action: &str, target: &str, error: &str) -> ActionOutcome {
    ActionOutcome {
        action: action.to_string(),
        target: target.to_string(),
        success: false,
        error: Some(error.to_string()),
        output: None,
        duration_ms: 0,
        page_changed: false,
    }
}

fn elapsed_ms(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_millis()).unwrap_or(i64::MAX)
}

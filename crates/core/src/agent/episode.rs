//! One episode of the agent loop between steps (`run::run_agent` drives it): reading the page, asking the planner,
//! running the step's actions under the batch rules (stop after a page change or a failure; report what did not
//! run), stagnation detection, secrets masking, recording, and the final answer-only call at the step limit.

use std::collections::HashMap;
use std::time::Instant;

use super::AgentError;
use super::driver::{BrowserDriver, action_json, parse_action};
use super::recorder::Recorder;
use super::run::{AgentSettings, STAGNATION_WARNING, StopReason};
use super::secrets::Secrets;
use super::types::{PlanContext, PlanError, PlanOutput, PlanSummary, Planner, StepRecord};
use crate::browser::types::{ActionOutcome, BrowserAction};
use crate::metrics::task::LlmRequest;
use crate::tracker::TokenCounts;

/// Same (URL, DOM hash, action) this many times counts as a stagnation event.
const STAGNATION_REPEATS: u32 = 3;

/// Counters of the running episode.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) actions: u32,
    pub(super) failed_actions: u32,
    pub(super) stagnation_events: u32,
    pub(super) usage: TokenCounts,
    pub(super) cost: f64,
    pub(super) cost_known: bool,
    pub(super) plans: u32,
}

/// What one step ended with.
pub(super) enum StepEnd {
    Continue { failed: bool, error: Option<String> },
    Done { success: bool, text: String },
    Stop(StopReason, String),
}

/// The state of one episode between steps.
pub(super) struct Episode<'a> {
    pub(super) driver: &'a dyn BrowserDriver,
    pub(super) planner: &'a dyn Planner,
    pub(super) settings: &'a AgentSettings,
    pub(super) recorder: &'a Recorder<'a>,
    pub(super) secrets: Secrets,
    /// The task with secret values masked.
    pub(super) prompt: String,
    pub(super) history: Vec<StepRecord>,
    /// (URL, DOM hash, masked action JSON) → times executed.
    pub(super) seen: HashMap<(String, String, String), u32>,
    pub(super) tally: Tally,
    pub(super) last_url: String,
    /// The previous step stagnated: warn the planner in this step's history record.
    pub(super) warn_next: bool,
}

impl Episode<'_> {
    pub(super) async fn step(&mut self, step: u32) -> Result<StepEnd, AgentError> {
        let step_started = Instant::now();
        let s = self.settings;
        let want_screenshot = s.use_vision || self.recorder.capture().screenshots;
        // A vision model sees the screenshot with each element's index drawn on it.
        let read =
            if s.use_vision { self.driver.state_marked().await } else { self.driver.state(want_screenshot).await };
        let mut state = match read {
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
        self.report_llm_request(step, &planned, plan_started).await;
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
        self.record_messages(&plan).await?;
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

    /// After the step limit: the planner's final answer-only call (`Planner::final_answer`) on the page as it is now.
    /// Its messages, tokens and cost are recorded like a step's; the first `done` it holds is the answer (`None` when
    /// the planner has no such call, the call failed, or it holds no `done`).
    pub(super) async fn final_answer(&mut self) -> Result<Option<(bool, String)>, AgentError> {
        let Ok(mut state) = self.driver.state(false).await else { return Ok(None) };
        self.secrets.mask_state(&mut state);
        let s = self.settings;
        let ctx = PlanContext {
            task: self.prompt.clone(),
            step: s.max_steps,
            max_steps: s.max_steps,
            state,
            history: self.history.clone(),
            secret_names: self.secrets.names(),
            max_actions_per_step: 1,
            use_vision: false,
        };
        let Some(call) = self.planner.final_answer(&ctx) else { return Ok(None) };
        let started = Instant::now();
        let planned = call.await;
        self.report_llm_request(s.max_steps + 1, &planned, started).await;
        let Ok(plan) = planned else { return Ok(None) };
        self.account(&plan);
        self.record_messages(&plan).await?;
        let done = plan.actions.iter().find_map(|a| match parse_action(a) {
            Ok(BrowserAction::Done { success, text }) => Some((success, text)),
            _ => None,
        });
        if let Some((_, text)) = &done {
            let outcome = self.done_outcome(text);
            let mut outcomes = Vec::new();
            self.record(&mut outcomes, outcome).await?;
        }
        Ok(done)
    }

    /// Tells the monitor about one LLM request (for planners that call a model).
    async fn report_llm_request(&self, step: u32, planned: &Result<PlanOutput, PlanError>, started: Instant) {
        let (Some(m), Some((provider, model))) = (self.recorder.monitor(), self.planner.llm_identity()) else {
            return;
        };
        let result = match planned {
            Ok(p) => LlmRequest::Answered { tokens: p.usage, cost_usd: p.cost_usd, latency_ms: p.latency_ms },
            Err(e) => LlmRequest::Failed {
                message: self.secrets.mask(&e.to_string()),
                fatal: matches!(e, PlanError::Fatal(_)),
                elapsed_ms: elapsed_ms(started),
            },
        };
        m.llm_request(step, &provider, &model, result).await;
    }

    /// Records a plan's messages with secrets masked.
    async fn record_messages(&self, plan: &PlanOutput) -> Result<(), AgentError> {
        let mut messages = plan.messages.clone();
        for m in &mut messages {
            self.secrets.mask_message(m);
        }
        self.recorder.messages(&messages).await
    }

    /// The outcome of a `done` action (its text, masked, is the output).
    fn done_outcome(&self, text: &str) -> ActionOutcome {
        ActionOutcome {
            action: "done".into(),
            target: String::new(),
            success: true,
            error: None,
            output: Some(self.secrets.mask(text)),
            duration_ms: 0,
            page_changed: false,
        }
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
                    let name = action_name(raw);
                    let outcome = failed_outcome(&name, &masked_raw.to_string(), &self.secrets.mask(&e));
                    self.record(&mut outcomes, outcome).await?;
                    stopped = Some(SKIPPED_AFTER_FAILURE);
                    continue;
                }
            };
            if let BrowserAction::Done { success, text } = &action {
                let outcome = self.done_outcome(text);
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
                let name = action_name(raw);
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

/// The name of a planned action (its only key), or empty when it is not an object.
fn action_name(raw: &serde_json::Value) -> String {
    raw.as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default()
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

//! The seam between the agent loop and whatever decides the next actions: an LLM-backed planner or the offline
//! `baseline`. The loop builds a `PlanContext` per step, the planner returns a `PlanOutput`.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::browser::types::{ActionOutcome, PageState};
use crate::tracker::{Message, TokenCounts};

/// Everything a planner may look at for one step. It never contains the task's success check or expected answer.
#[derive(Debug, Clone)]
pub struct PlanContext {
    /// The task instruction, with secrets replaced by `<secret>name</secret>` placeholders.
    pub task: String,
    /// 1-based step number.
    pub step: u32,
    pub max_steps: u32,
    /// The page now (secrets masked in the serialisation too).
    pub state: PageState,
    /// Earlier steps, oldest first.
    pub history: Vec<StepRecord>,
    /// Names of secrets the model may use as `<secret>name</secret>`.
    pub secret_names: Vec<String>,
    pub max_actions_per_step: u32,
    pub use_vision: bool,
}

/// One finished step, as the next step's planner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct StepRecord {
    pub step: u32,
    pub url: String,
    pub plan: PlanSummary,
    pub outcomes: Vec<ActionOutcome>,
}

/// The model's structured reasoning for a step (without the raw actions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PlanSummary {
    pub evaluation_previous_goal: String,
    pub memory: String,
    pub next_goal: String,
}

/// What a planner decided. `actions` stay raw JSON (`{"click": {"index": 3}}`): the loop parses them so an unknown
/// action or a bad argument becomes an error fed back to the model instead of a crash.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutput {
    pub summary: PlanSummary,
    pub actions: Vec<serde_json::Value>,
    /// Conversation messages of this step to record on the run (prompt and answer), token counts included.
    pub messages: Vec<Message>,
    pub usage: TokenCounts,
    pub cost_usd: Option<f64>,
    /// LLM latency (0 for the baseline).
    pub latency_ms: i64,
}

/// Decides the next actions. Implemented by the LLM planner and the offline baseline.
pub trait Planner: Send + Sync {
    /// Short description for logs and run params, e.g. `openai/gpt-4o` or `baseline`.
    fn describe(&self) -> String;
    fn plan<'a>(&'a self, ctx: &'a PlanContext) -> BoxFuture<'a, Result<PlanOutput, PlanError>>;
    /// `(provider, model)` when each `plan` call is one LLM request (for monitoring); `None` for planners that call
    /// no model, like the offline baseline.
    fn llm_identity(&self) -> Option<(String, String)> {
        None
    }
    /// One last call when the step limit is reached without `done`, asking only for the answer (a `done` action);
    /// `None` for planners without one (the baseline: its answer would be the same as its last plan's).
    fn final_answer<'a>(&'a self, _ctx: &'a PlanContext) -> Option<BoxFuture<'a, Result<PlanOutput, PlanError>>> {
        None
    }
}

/// A planner could not produce a plan (the LLM call failed, or its output could not be parsed at all).
#[derive(Debug, Clone, thiserror::Error)]
pub enum PlanError {
    /// Retrying the step may help (rate limit exhausted, timeout, malformed output).
    #[error("{0}")]
    Recoverable(String),
    /// Retrying is pointless (missing API key, unknown model, authentication failed).
    #[error("{0}")]
    Fatal(String),
}

//! The LLM-backed `Planner`: one chat request per step (system prompt + a user message carrying the page and a
//! bounded history), the JSON answer parsed into a summary and raw actions, and the step's messages, usage, cost
//! and latency returned for recording.
//!
//! User view: `docs/guide/evaluation.md` (LLM providers).
//!
//! - Two messages per step: the system prompt (the version's, or `prompt::default_system_prompt`: input format, the
//!   `[index]<tag …>text</tag>` notation, every action with its JSON arguments, the rules, and the output object
//!   `{"evaluation_previous_goal", "memory", "next_goal", "actions": [...]}`) and one user message (task, secret names,
//!   `Step n of max`, the last `memory`, the last `HISTORY_WINDOW` (6) steps with each action's `ok` /
//!   `ERROR <message>` / output, URL, tabs, elements, and the screenshot when `agent.use_vision` is on).
//! - Lenient parsing (`prompt`): a fenced or bare JSON object, or one with text around it; missing text fields become
//!   empty; actions beyond `max_actions_per_step` are dropped. No object, or `actions` missing or not a list, is
//!   `PlanError::Recoverable` with a message saying what was expected. A transient LLM error is also `Recoverable`; any
//!   other is `PlanError::Fatal`.
//! - `PlanOutput` records the system message (step 1 only), the user message (with
//!   `[screenshot of the viewport attached]` when an image was sent), the assistant message with its token counts,
//!   usage, cost and latency.
//! - Tests: `tests/it/llm/planner.rs`.

use base64::Engine;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::prompt::{ParsedAnswer, default_system_prompt, parse_answer, user_message};
use super::types::{PlanContext, PlanError, PlanOutput, PlanSummary, Planner};
use crate::config::LlmConfig;
use crate::llm::{ChatMessage, ChatRequest, LlmClient, LlmError, client_for};
use crate::registry::ModelVersion;
use crate::tracker::{Message, Role, TokenCounts};

/// Line added to the recorded user message when a screenshot was sent with it (the image itself is not recorded).
pub const SCREENSHOT_NOTE: &str = "[screenshot of the viewport attached]";

/// A planner that asks an LLM.
pub struct LlmPlanner {
    client: Box<dyn LlmClient>,
    /// The version's own system prompt; empty means the default.
    system_prompt: String,
    temperature: f64,
    max_tokens: Option<i64>,
    top_p: Option<f64>,
}

impl LlmPlanner {
    /// A planner over `client` with the version's system prompt and sampling settings.
    pub fn new(client: Box<dyn LlmClient>, version: &ModelVersion) -> LlmPlanner {
        let c = &version.config;
        LlmPlanner {
            client,
            system_prompt: c.system_prompt.clone(),
            temperature: c.temperature,
            max_tokens: c.max_tokens,
            top_p: c.top_p,
        }
    }

    /// Build the client with [`client_for`] and wrap it.
    pub fn from_version(version: &ModelVersion, llm: &LlmConfig) -> Result<LlmPlanner, LlmError> {
        Ok(LlmPlanner::new(client_for(version, llm)?, version))
    }

    /// The system prompt used for `ctx`: the version's, or the default.
    pub fn system_prompt_for(&self, ctx: &PlanContext) -> String {
        if self.system_prompt.trim().is_empty() {
            default_system_prompt(ctx.max_actions_per_step.max(1))
        } else {
            self.system_prompt.clone()
        }
    }

    /// The chat request for one step.
    pub fn request_for(&self, ctx: &PlanContext) -> ChatRequest {
        let image = ctx
            .state
            .screenshot_png
            .as_ref()
            .filter(|_| ctx.use_vision)
            .map(|png| base64::engine::general_purpose::STANDARD.encode(png));
        ChatRequest {
            messages: vec![
                ChatMessage { role: Role::System, content: self.system_prompt_for(ctx), image_png_base64: None },
                ChatMessage { role: Role::User, content: user_message(ctx), image_png_base64: image },
            ],
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            top_p: self.top_p,
            json_output: true,
            schema: Some(super::schema::answer_schema()),
        }
    }

    async fn run(&self, ctx: &PlanContext, note: Option<&str>) -> Result<PlanOutput, PlanError> {
        let mut req = self.request_for(ctx);
        if let (Some(note), Some(user)) = (note, req.messages.iter_mut().rev().find(|m| m.role == Role::User)) {
            user.content.push('\n');
            user.content.push_str(note);
        }
        let started_ms = crate::util::now_ms();
        let resp = self.client.complete(&req).await.map_err(|e| {
            let msg = format!("{}: {e}", self.describe());
            if e.is_transient() { PlanError::Recoverable(msg) } else { PlanError::Fatal(msg) }
        })?;
        let parsed =
            read_response(&resp.content, &resp.tool_calls, resp.finish_reason.as_deref(), resp.refusal.as_deref())
                .map_err(|e| {
                    PlanError::Recoverable(format!("could not read the answer of {}: {e}", self.describe()))
                })?;
        let mut actions = parsed.actions;
        actions.truncate(usize::try_from(ctx.max_actions_per_step.max(1)).unwrap_or(usize::MAX));
        let mut messages = Vec::with_capacity(3);
        let message =
            |role, content: String, tool_calls, tokens, ts_ms| Message { role, content, tool_calls, tokens, ts_ms };
        let none = || serde_json::Value::Array(Vec::new());
        for m in req.messages {
            if m.role == Role::System && ctx.step != 1 {
                continue;
            }
            let content = match m.image_png_base64 {
                Some(_) => format!("{}\n{SCREENSHOT_NOTE}", m.content),
                None => m.content,
            };
            messages.push(message(m.role, content, none(), TokenCounts::default(), started_ms));
        }
        messages.push(message(Role::Assistant, resp.content, resp.tool_calls, resp.usage, crate::util::now_ms()));
        Ok(PlanOutput {
            summary: parsed.summary,
            actions,
            messages,
            usage: resp.usage,
            cost_usd: resp.cost_usd,
            latency_ms: resp.latency_ms,
        })
    }
}

impl Planner for LlmPlanner {
    fn describe(&self) -> String {
        format!("{}/{}", self.client.provider(), self.client.model())
    }

    fn plan<'a>(&'a self, ctx: &'a PlanContext) -> BoxFuture<'a, Result<PlanOutput, PlanError>> {
        self.run(ctx, None).boxed()
    }

    fn final_answer<'a>(&'a self, ctx: &'a PlanContext) -> Option<BoxFuture<'a, Result<PlanOutput, PlanError>>> {
        Some(self.run(ctx, Some(FINAL_ANSWER_NOTE)).boxed())
    }

    fn llm_identity(&self) -> Option<(String, String)> {
        Some((self.client.provider().to_string(), self.client.model().to_string()))
    }
}

/// Added to the user message of the call made when the step limit is reached without `done`.
pub const FINAL_ANSWER_NOTE: &str = "# The step limit is reached\nNo more browser actions can run. Answer now with \
exactly one action, done: success says whether the task was completed, text holds the answer the task asks for (or \
what you found), from what you have seen so far.\n";

/// The plan in a provider's answer. A refusal is the model's answer, not a malformed one: the plan is
/// `done(success: false)` with the model's words, so the run ends with them instead of retrying. Otherwise the text
/// (or the tool calls, see [`answer_text`]) is parsed; a parse error of an answer that hit the output limit
/// (`finish_reason` `length` / `max_tokens`) says so.
pub fn read_response(
    content: &str,
    tool_calls: &serde_json::Value,
    finish_reason: Option<&str>,
    refusal: Option<&str>,
) -> Result<ParsedAnswer, String> {
    if let Some(why) = refusal {
        return Ok(ParsedAnswer {
            summary: PlanSummary {
                evaluation_previous_goal: String::new(),
                memory: String::new(),
                next_goal: "the model refused".into(),
            },
            actions: vec![serde_json::json!({"done": {"success": false, "text": format!("the model refused: {why}")}})],
        });
    }
    parse_answer(&answer_text(content, tool_calls)).map_err(|e| match finish_reason {
        Some(f @ ("length" | "max_tokens" | "MAX_TOKENS")) => {
            format!(
                "the answer was cut off at the output limit (finish reason {f}); raise the version's max_tokens: {e}"
            )
        }
        _ => e,
    })
}

/// The text to read the plan from: the answer's text, or when it came only as tool calls (OpenAI `function` calls,
/// Anthropic `tool_use` blocks, Gemini `functionCall`s), those calls as an answer object: a call whose arguments hold
/// `actions` is the answer itself, any other call is one action named by the tool.
pub fn answer_text(content: &str, tool_calls: &serde_json::Value) -> String {
    let calls = tool_calls.as_array().map(Vec::as_slice).unwrap_or_default();
    if !content.trim().is_empty() || calls.is_empty() {
        return content.to_string();
    }
    let mut actions = Vec::new();
    for call in calls {
        let f = call.get("function").unwrap_or(call);
        let name = f.get("name").and_then(serde_json::Value::as_str).unwrap_or_default();
        let args = match f.get("arguments").or_else(|| f.get("input")).or_else(|| f.get("args")) {
            Some(serde_json::Value::String(s)) => serde_json::from_str(s).unwrap_or(serde_json::Value::Null),
            Some(v) => v.clone(),
            None => serde_json::Value::Null,
        };
        if args.get("actions").is_some() || args.get("action").is_some() {
            return args.to_string();
        }
        actions.push(serde_json::json!({ name: if args.is_null() { serde_json::json!({}) } else { args } }));
    }
    serde_json::json!({"actions": actions}).to_string()
}

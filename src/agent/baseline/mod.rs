//! The offline baseline planner: a deterministic, weak-but-honest agent that reads only the task prompt, the current
//! page state and its own history, turns the instruction into goals (`intent`) and matches their words to element
//! labels and text (`text`). Its progress lives in its own `memory` (JSON in the plan summary), so the same context
//! always gives the same plan.

pub mod intent;
pub mod options;
pub mod pick;
pub mod text;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use intent::Goal;
pub use options::BaselineOptions;

use super::types::{PlanContext, PlanError, PlanOutput, PlanSummary, Planner};
use crate::registry::{ModelVersion, Provider};
use crate::tracker::{Message, Role, TokenCounts};
use pick::Page;

/// The planner's own progress, carried from step to step in `PlanSummary::memory`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Memory {
    /// Index of the goal being worked on.
    goal: usize,
    /// Phase within the goal (goal-specific).
    phase: u32,
    /// Actions of the current goal phase already issued (when they did not fit in one step).
    issued: usize,
    /// Scrolls done while looking for the current goal's target.
    scrolls: u32,
    /// `url#index` of the element clicked last, so it is not clicked twice in a row on the same page.
    last_click: Option<String>,
}

/// What a goal wants to do this step.
struct Move {
    actions: Vec<Value>,
    /// The memory after all of `actions` ran.
    next: Memory,
    goal: String,
}

/// The offline baseline agent.
#[derive(Debug, Clone)]
pub struct BaselinePlanner {
    options: BaselineOptions,
    name: String,
}

impl BaselinePlanner {
    pub fn new(options: BaselineOptions) -> BaselinePlanner {
        BaselinePlanner { options, name: "baseline".into() }
    }

    /// A planner configured by a registry version of provider `baseline` (settings from its `extra_params`).
    pub fn from_version(version: &ModelVersion) -> Result<BaselinePlanner, String> {
        if version.config.provider != Provider::Baseline {
            return Err(format!(
                "model version {} uses provider {}, not baseline",
                version.reference, version.config.provider
            ));
        }
        let options = BaselineOptions::from_params(&version.config.extra_params)
            .map_err(|e| format!("model version {}: {e}", version.reference))?;
        Ok(BaselinePlanner { options, name: format!("baseline/{}", version.config.model_id) })
    }

    pub fn options(&self) -> &BaselineOptions {
        &self.options
    }

    /// The plan for one step: pure function of the context.
    pub fn decide(&self, ctx: &PlanContext) -> (PlanSummary, Vec<Value>) {
        let goals = intent::goals(&ctx.task);
        let last = ctx.history.last();
        let mut mem: Memory = last.and_then(|r| serde_json::from_str(&r.plan.memory).ok()).unwrap_or_default();
        let evaluation = match last {
            None => "first step".to_string(),
            Some(r) if r.outcomes.iter().any(|o| o.action == "stagnation") => {
                return self.finish(&mem, false, "stuck: the same action kept repeating on an unchanged page");
            }
            Some(r) if r.outcomes.iter().any(|o| o.success) => "previous actions ran".to_string(),
            Some(_) => "previous actions failed".to_string(),
        };
        let page = Page::new(&ctx.state, &self.options, mem.last_click.as_deref());
        let limit =
            usize::try_from(self.options.max_actions_per_step.min(ctx.max_actions_per_step.max(1))).unwrap_or(1).max(1);
        let Some(goal) = goals.get(mem.goal) else {
            let text = format!("completed: {}", ctx.task);
            return self.finish(&mem, true, &text);
        };
        let mv = match self.goal_move(goal, &mem, &page, ctx) {
            Ok(mv) => mv,
            Err(reason) => return self.finish(&mem, false, &reason),
        };
        let remaining: Vec<Value> = mv.actions.iter().skip(mem.issued).cloned().collect();
        let (actions, next) = if remaining.len() > limit {
            mem.issued += limit;
            (remaining[..limit].to_vec(), mem.clone())
        } else {
            (remaining, mv.next)
        };
        let summary = PlanSummary {
            evaluation_previous_goal: evaluation,
            memory: serde_json::to_string(&next).unwrap_or_default(),
            next_goal: mv.goal,
        };
        (summary, actions)
    }

    fn finish(&self, mem: &Memory, success: bool, text: &str) -> (PlanSummary, Vec<Value>) {
        let summary = PlanSummary {
            evaluation_previous_goal: if success { "all goals handled".into() } else { "cannot go on".into() },
            memory: serde_json::to_string(mem).unwrap_or_default(),
            next_goal: "finish".into(),
        };
        (summary, vec![json!({"done": {"success": success, "text": text}})])
    }

    /// The actions for the current goal. `Err` means give up (the text says why).
    fn goal_move(&self, goal: &Goal, mem: &Memory, page: &Page, ctx: &PlanContext) -> Result<Move, String> {
        let advance = |last_click: Option<String>| Memory {
            goal: mem.goal + 1,
            phase: 0,
            issued: 0,
            scrolls: 0,
            last_click: last_click.or_else(|| mem.last_click.clone()),
        };
        let phase = |phase: u32, last_click: Option<String>| Memory {
            phase,
            issued: 0,
            last_click: last_click.or_else(|| mem.last_click.clone()),
            ..mem.clone()
        };
        match goal {
            Goal::Login { user, pass } => {
                let (user_input, pass_input) = (page.user_input(), page.password_input());
                let (Some(ui), Some(pi)) = (user_input, pass_input) else {
                    return match page.best_clickable(&["sign in", "log in"]) {
                        Some(i) => Ok(self.click(i, page, phase(mem.phase, None), "open the sign-in form")),
                        None => self.stuck(mem, page, "a sign-in form"),
                    };
                };
                let user = user.clone().or_else(|| secret_like(ctx, "user")).or_else(|| page.credential("user"));
                let pass = pass.clone().or_else(|| secret_like(ctx, "pass")).or_else(|| page.credential("password"));
                let (Some(user), Some(pass)) = (user, pass) else {
                    return Err("no username and password in the task or on the page".into());
                };
                let mut actions = vec![input(ui, &user), input(pi, &pass)];
                let mut click = None;
                match page.best_clickable(&["sign in", "log in", "login"]) {
                    Some(b) => {
                        actions.push(json!({"click": {"index": b}}));
                        click = Some(page.click_key(b));
                    }
                    None => actions.push(json!({"send_keys": {"keys": "Enter"}})),
                }
                Ok(Move { actions, next: advance(click), goal: "sign in".into() })
            }
            Goal::Search { query } => {
                let Some(field) = page.search_input() else {
                    return match page.best_clickable(&["search"]) {
                        Some(i) if mem.phase == 0 => Ok(self.click(i, page, phase(1, None), "open the search")),
                        _ => self.stuck(mem, page, "a search box"),
                    };
                };
                let mut actions = vec![input(field, query)];
                let mut click = None;
                match page.best_clickable(&["search", "submit", "go"]) {
                    Some(b) if !self.options.press_enter_after_typing => {
                        actions.push(json!({"click": {"index": b}}));
                        click = Some(page.click_key(b));
                    }
                    _ => actions.push(json!({"send_keys": {"keys": "Enter"}})),
                }
                Ok(Move { actions, next: advance(click), goal: format!("search for {query:?}") })
            }
            Goal::AddToCart { item } => {
                if let Some(b) = page.add_to_cart_button(item) {
                    return Ok(self.click(b, page, advance(None), &format!("add {item:?} to the cart")));
                }
                match page.best_match(item, false) {
                    Some(i) => Ok(self.click(i, page, phase(mem.phase + 1, None), &format!("open {item:?}"))),
                    None => self.stuck(mem, page, item),
                }
            }
            Goal::Fill { fields } => {
                let mut actions = Vec::new();
                for (field, value) in fields {
                    match page.input_for(field) {
                        Some((i, true)) => actions.push(json!({"select_option": {"index": i, "text": value}})),
                        Some((i, false)) => actions.push(input(i, value)),
                        None => return self.stuck(mem, page, field),
                    }
                }
                Ok(Move { actions, next: advance(None), goal: "fill in the form".into() })
            }
            Goal::Click { target } => match page.best_match(target, false) {
                Some(i) => Ok(self.click(i, page, advance(None), &format!("click {target:?}"))),
                None => self.stuck(mem, page, target),
            },
            Goal::Answer { question, want_number } => self.answer(question, *want_number, mem, page, ctx),
        }
    }

    fn answer(
        &self,
        question: &str,
        want_number: bool,
        mem: &Memory,
        page: &Page,
        ctx: &PlanContext,
    ) -> Result<Move, String> {
        let q_tokens = text::tokens(question);
        let to_phase = |phase: u32, last_click: Option<String>| Memory {
            phase,
            issued: 0,
            last_click: last_click.or_else(|| mem.last_click.clone()),
            ..mem.clone()
        };
        if mem.phase == 0 {
            let target = text::quoted_phrases(question).into_iter().next().unwrap_or_else(|| question.to_string());
            if let Some(i) = page.best_match(&target, true) {
                return Ok(self.click(i, page, to_phase(1, None), "open the page that should hold the answer"));
            }
        }
        if mem.phase <= 1 && self.options.answer_with_extract {
            let actions = vec![json!({"extract": {"goal": question}})];
            return Ok(Move { actions, next: to_phase(2, None), goal: "extract the answer".into() });
        }
        let extracted = ctx
            .history
            .last()
            .and_then(|r| r.outcomes.iter().rev().find(|o| o.action == "extract" && o.success))
            .and_then(|o| o.output.clone());
        let source = extracted.unwrap_or_else(|| pick::visible_text(&ctx.state.serialized));
        let sentence = text::best_sentence(&source, &q_tokens, want_number)
            .or_else(|| if want_number { None } else { text::best_sentence(&source, &q_tokens, false) });
        let Some(sentence) = sentence else {
            return Err(format!("no text on the page answers {question:?}"));
        };
        let answer = if want_number { text::first_number(&sentence).unwrap_or(sentence) } else { sentence };
        let next = Memory { goal: mem.goal + 1, ..Memory::default() };
        let done = json!({"done": {"success": true, "text": answer}});
        Ok(Move { actions: vec![done], next, goal: "answer".into() })
    }

    fn click(&self, index: u32, page: &Page, mut next: Memory, goal: &str) -> Move {
        next.last_click = Some(page.click_key(index));
        Move { actions: vec![json!({"click": {"index": index}})], next, goal: goal.to_string() }
    }

    /// Nothing matches: scroll down while there is more page and scrolls are left, else give up.
    fn stuck(&self, mem: &Memory, page: &Page, what: &str) -> Result<Move, String> {
        if mem.scrolls < self.options.max_scrolls && page.more_below() {
            let next = Memory { scrolls: mem.scrolls + 1, issued: 0, ..mem.clone() };
            let actions = vec![json!({"scroll": {"direction": "down", "amount": null}})];
            return Ok(Move { actions, next, goal: format!("scroll to look for {what:?}") });
        }
        Err(format!("could not find {what:?} on the page"))
    }
}

fn input(index: u32, text: &str) -> Value {
    json!({"input_text": {"index": index, "text": text}})
}

/// `<secret>name</secret>` for the first secret whose name contains `part` (e.g. `user`, `pass`).
fn secret_like(ctx: &PlanContext, part: &str) -> Option<String> {
    ctx.secret_names.iter().find(|n| n.to_lowercase().contains(part)).map(|n| super::secrets::placeholder(n))
}

impl Planner for BaselinePlanner {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn plan<'a>(&'a self, ctx: &'a PlanContext) -> BoxFuture<'a, Result<PlanOutput, PlanError>> {
        Box::pin(async move {
            let (summary, actions) = self.decide(ctx);
            let content = json!({
                "evaluation_previous_goal": summary.evaluation_previous_goal,
                "memory": summary.memory,
                "next_goal": summary.next_goal,
                "actions": actions,
            })
            .to_string();
            let messages = vec![
                Message {
                    role: Role::User,
                    content: format!("step {}/{} at {}\ntask: {}", ctx.step, ctx.max_steps, ctx.state.url, ctx.task),
                    tool_calls: Value::Null,
                    tokens: TokenCounts::default(),
                    ts_ms: 0,
                },
                Message {
                    role: Role::Assistant,
                    content,
                    tool_calls: Value::Null,
                    tokens: TokenCounts::default(),
                    ts_ms: 0,
                },
            ];
            Ok(PlanOutput {
                summary,
                actions,
                messages,
                usage: TokenCounts::default(),
                cost_usd: Some(0.0),
                latency_ms: 0,
            })
        })
    }
}

#[cfg(test)]
mod tests;

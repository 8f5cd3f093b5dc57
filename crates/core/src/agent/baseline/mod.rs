//! The offline baseline planner: a deterministic, weak-but-honest agent that reads only the task prompt, the current
//! page state and its own history, turns the instruction into goals (`intent`) and matches their words to element
//! labels and text (`text`), form fields (`form`), dropdown options (`choose`) and answers in page text (`answer`).
//! Its progress lives in its own `memory` (JSON in the plan summary), so the same context always gives the same plan.
//!
//! User view: `docs/guide/evaluation.md` (the offline baseline agent).
//!
//! Deterministic (no randomness, no clock). The instruction is split into clauses ("then", "and <verb>", sentences) and
//! each clause into a goal (`intent`):
//!
//! - **form** ("form", "fill in", "fill out"; one goal for the whole instruction, questions stay separate): for every
//!   text input, text area and dropdown, look for a value in the instruction by the field's label (`form`): "the name
//!   Tom Baker", "email: a@b.c", "'dana@' as the email address", "date of birth 1991-07-14". A quoted value wins; an
//!   unquoted one runs to the next comma, bracket, " and ", " with " or sentence end; an email needs an `@`, a phone or
//!   date digits. Types what a field does not hold yet (never twice into one field on a page), then clicks the button
//!   most like a submit (Send, Submit, Next, Continue… or `type=submit`, plus words shared with the instruction). If no
//!   field on the page is named, it first opens the form the instruction names ("the contact form" → a "Contact" link).
//! - **sign in** ("sign in", "log in"): credentials from "user U … password P", else a secret whose name contains
//!   `user`/`pass`, else `Username: …` / `Password: …` shown on the page; types them and clicks Sign in / Log in (or
//!   presses Enter).
//! - **search** ("search … for X", a quoted X wins): types X into the search box (type=search, name `q`, a "search"
//!   label, or the only text input), then Enter or the Search button.
//! - **add to cart** ("add / put X (and Y) to the cart"): clicks an "add to cart" button whose label names X (at least
//!   half of X's words and at least `match_threshold`), else opens the link matching X and clicks the item page's
//!   button.
//! - **page N** ("go to / open / show page N"): the pagination link whose text is N or labelled "page N".
//! - **fill** ("type F with V", "enter V as F", outside a form instruction): types V into the input labelled F
//!   (`select_option` for selects).
//! - **click** (any other clause): the target is the quoted phrase, else what follows "go to" / "jump to", without "of
//!   this article" / "on this page". When no element matches fully and the page has dropdowns, it reads their options
//!   (`get_dropdown_options`, one step) and picks the (dropdown, option) whose words match best, word order counting
//!   ("low to high" beats "high to low"), if that beats every clickable element (`choose`).
//! - **answer** (a question: "what", "which", "how many", "tell me", "?"): clicks a link matching the question's quoted
//!   phrase or words (scrolling for a quoted one), then answers with `done(true, …)` (`answer`): for "which X is
//!   <predicate>?" the link or heading just before the first line showing the predicate; else, after `extract`, the
//!   lowest / highest money amount for "cheapest" / "most expensive", the number followed by the asked unit, a
//!   `Label: value` line or `| Label | value |` row whose label the question names, for an "error" question the
//!   error-like sentence sharing most words, else the sentence sharing most words (or its first number when a number,
//!   amount, price or year is asked). URLs never count.
//!
//! Element matching (`pick`, `text`): the fraction of the target's content words (stop words dropped, plurals stemmed)
//! found in the element's text, label, aria-label, placeholder, name, id, title, alt, value and href, plus 0.5 when the
//! text contains the whole phrase; ties go to fewer words, then page order. Page-title words and generic part names
//! (section, link, button, tab, result, item, entry) are left out of the target when other words remain. It never
//! clicks the same element twice in a row on one page; when nothing matches it scrolls (while there is more page), then
//! waits 1.5 s, then ends with `done(success=false, "could not find …")`; it also gives up on a stagnation warning.
//!
//! Because the loop drops the rest of a step after a page change (typing changes the serialisation), the memory keeps
//! the step's starting point and how many actions were sent, so the next step continues the same goal after the actions
//! that ran.
//!
//! `BaselinePlanner::from_version` reads the settings (`options`) from the version's `extra_params`. Tests: `tests.rs`
//! and `tests_pages.rs` on hand-written page states; `tests/it/agent/baseline_on_builtin_sites.rs` on real Chromium
//! (four tasks that must pass, one that must fail, and one task under two different checks with identical actions).

pub mod answer;
pub mod choose;
pub mod form;
mod history;
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
#[serde(default)]
struct Memory {
    /// Index of the goal being worked on.
    goal: usize,
    /// Phase within the goal (goal-specific).
    phase: u32,
    /// Actions of the current goal phase already issued (when they did not fit in one step).
    issued: usize,
    /// Scrolls done while looking for the current goal's target.
    scrolls: u32,
    /// Waits done while looking for the current goal's target.
    waits: u32,
    /// `url#index` of the element clicked last, so it is not clicked twice in a row on the same page.
    last_click: Option<String>,
    /// Number of actions sent in the last step.
    sent: usize,
    /// The memory to go back to when the loop ran only some of the last step's actions (it stops after an action
    /// that changed the page): the same goal, continuing after the actions that ran.
    resume: Option<Box<Memory>>,
    /// `url#index` of banner / overlay buttons clicked to dismiss them (each is clicked at most once).
    dismissed: Vec<String>,
    /// The current goal's target was already looked up with the page's search box.
    searched: bool,
}

/// What a goal wants to do this step.
struct Move {
    actions: Vec<Value>,
    /// The memory after all of `actions` ran.
    next: Memory,
    goal: String,
    /// The move is recomputed from the page each step (form filling): never resumed by action count.
    stateful: bool,
}

impl Move {
    fn new(actions: Vec<Value>, next: Memory, goal: impl Into<String>) -> Move {
        Move { actions, next, goal: goal.into(), stateful: false }
    }
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
        if let (Some(r), Some(resume)) = (last, mem.resume.take()) {
            let run: Vec<_> = r.outcomes.iter().filter(|o| !crate::agent::run::was_skipped(o)).collect();
            let ran = run.len();
            if ran > 0 && ran < mem.sent && run.iter().all(|o| o.success) {
                // The loop stopped after an action that changed the page: carry on with the rest of that move.
                mem = Memory { issued: resume.issued + ran, ..*resume };
            }
        }
        mem.sent = 0;
        let page = Page::new(&ctx.state, &self.options, mem.last_click.as_deref());
        let limit =
            usize::try_from(self.options.max_actions_per_step.min(ctx.max_actions_per_step.max(1))).unwrap_or(1).max(1);
        let Some(goal) = goals.get(mem.goal) else {
            let text = format!("completed: {}", ctx.task);
            return self.finish(&mem, true, &text);
        };
        // A cookie or consent banner first (unless the task is about it): it hides or blocks what the task needs.
        let about_consent = ["cookie", "consent", "privacy"].iter().any(|w| ctx.task.to_lowercase().contains(w));
        if !about_consent
            && let Some(i) = page.dismiss_button(false)
            && !mem.dismissed.contains(&page.click_key(i))
        {
            let mut next = Memory { issued: mem.issued, ..mem.clone() };
            next.dismissed.push(page.click_key(i));
            let summary = PlanSummary {
                evaluation_previous_goal: evaluation,
                memory: serde_json::to_string(&next).unwrap_or_default(),
                next_goal: "dismiss the cookie banner".into(),
            };
            return (summary, vec![json!({"click": {"index": i}})]);
        }
        let mv = match self.goal_move(goal, &mem, &page, ctx, limit) {
            Ok(mv) => mv,
            Err(reason) => return self.finish(&mem, false, &reason),
        };
        let start = mem.clone();
        let (actions, mut next) = if mv.stateful {
            (mv.actions.into_iter().take(limit).collect::<Vec<_>>(), mv.next)
        } else {
            let remaining: Vec<Value> = mv.actions.iter().skip(mem.issued).cloned().collect();
            if remaining.len() > limit {
                mem.issued += limit;
                (remaining[..limit].to_vec(), mem.clone())
            } else {
                (remaining, mv.next)
            }
        };
        if !mv.stateful && actions.len() > 1 {
            next.sent = actions.len();
            next.resume = Some(Box::new(start));
        }
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
    fn goal_move(
        &self,
        goal: &Goal,
        mem: &Memory,
        page: &Page,
        ctx: &PlanContext,
        limit: usize,
    ) -> Result<Move, String> {
        let advance = |last_click: Option<String>| Memory {
            goal: mem.goal + 1,
            last_click: last_click.or_else(|| mem.last_click.clone()),
            ..Memory::default()
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
                Ok(Move::new(actions, advance(click), "sign in"))
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
                Ok(Move::new(actions, advance(click), format!("search for {query:?}")))
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
                Ok(Move::new(actions, advance(None), "fill in the form"))
            }
            Goal::Form { instruction } => self.form(instruction, mem, page, ctx, limit),
            Goal::Page { number } => match page.page_link(*number) {
                Some(i) => Ok(self.click(i, page, advance(None), &format!("go to page {number}"))),
                None => self.stuck(mem, page, &format!("a link to page {number}")),
            },
            Goal::Click { target } => {
                let click = page.best_match_scored(target, false);
                let dropdowns = page.selects();
                if click.is_none_or(|(_, s)| s < 1.0) && !dropdowns.is_empty() {
                    let known = history::dropdown_options(ctx);
                    let unknown: Vec<u32> =
                        dropdowns.iter().map(|(i, _)| *i).filter(|i| !known.iter().any(|(k, _)| k == i)).collect();
                    if !unknown.is_empty() && mem.phase < 10 {
                        // Read the dropdowns' options first (one step; the move is repeated once they are known).
                        let actions = unknown.iter().map(|i| json!({"get_dropdown_options": {"index": i}})).collect();
                        return Ok(Move::new(actions, phase(10, None), "read the dropdown options"));
                    }
                    let listed: Vec<choose::Dropdown> = dropdowns
                        .iter()
                        .filter_map(|(i, label)| {
                            known.iter().find(|(k, _)| k == i).map(|(_, o)| (*i, label.clone(), o.clone()))
                        })
                        .collect();
                    let target_tokens = page.target_tokens(target);
                    if let Some((i, option, s)) = choose::best_option(&target_tokens, target, &listed)
                        && s >= self.options.match_threshold
                        && click.is_none_or(|(_, c)| s > c)
                    {
                        let actions = vec![json!({"select_option": {"index": i, "text": option}})];
                        return Ok(Move::new(actions, advance(None), format!("choose {option:?}")));
                    }
                }
                match click {
                    Some((i, _)) => Ok(self.click(i, page, advance(None), &format!("click {target:?}"))),
                    None => match self.search_for(target, mem, page) {
                        Some(mv) => Ok(mv),
                        None => self.stuck(mem, page, target),
                    },
                }
            }
            Goal::Nth { kind, n } => match page.nth(kind, *n) {
                Some(i) => Ok(self.click(i, page, advance(None), &format!("focus {kind} {n}"))),
                None => self.stuck(mem, page, &format!("{kind} number {n}")),
            },
            Goal::Answer { question, want_number } => self.answer(question, *want_number, mem, page, ctx),
        }
    }

    /// Fill the fields the instruction gives values for (those not holding the value yet and not typed into
    /// before on this page), then submit. With no field of the page named by the instruction, open the form it
    /// names ("the contact form").
    fn form(
        &self,
        instruction: &str,
        mem: &Memory,
        page: &Page,
        ctx: &PlanContext,
        limit: usize,
    ) -> Result<Move, String> {
        let typed = history::typed_fields(ctx);
        let mut actions = Vec::new();
        let mut named = 0;
        for f in page.fields() {
            let Some(value) = form::value_for(instruction, &f.label).filter(|v| form::fits(&f.kind, v)) else {
                continue;
            };
            named += 1;
            let done = f.current.trim().eq_ignore_ascii_case(value.trim());
            if done || typed.contains(&format!("{}#{}", ctx.state.url, f.index)) || actions.len() >= limit {
                continue;
            }
            actions.push(if f.kind == "select" {
                json!({"select_option": {"index": f.index, "text": value}})
            } else {
                input(f.index, &value)
            });
        }
        let stay = Memory { issued: 0, ..mem.clone() };
        if !actions.is_empty() {
            return Ok(Move { actions, next: stay, goal: "fill in the form".into(), stateful: true });
        }
        if named == 0 {
            let which = form::form_name(instruction).unwrap_or_else(|| instruction.to_string());
            return match page.best_match(&which, false) {
                Some(i) if mem.phase == 0 => {
                    let next = Memory { phase: 1, ..stay };
                    Ok(self.click(i, page, next, &format!("open {which:?}")))
                }
                _ => self.stuck(mem, page, "a form field the task gives a value for"),
            };
        }
        let next = Memory { goal: mem.goal + 1, last_click: mem.last_click.clone(), ..Memory::default() };
        match page.submit_button(&text::tokens(instruction)) {
            Some(b) => Ok(self.click(b, page, next, "submit the form")),
            None => Ok(Move::new(vec![json!({"send_keys": {"keys": "Enter"}})], next, "submit the form")),
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
        let to_phase = |phase: u32, last_click: Option<String>| Memory {
            phase,
            issued: 0,
            last_click: last_click.or_else(|| mem.last_click.clone()),
            ..mem.clone()
        };
        let finish = |text: String| {
            let next = Memory { goal: mem.goal + 1, ..Memory::default() };
            Move::new(vec![json!({"done": {"success": true, "text": text}})], next, "answer")
        };
        if mem.phase == 0 {
            let quoted = text::quoted_phrases(question).into_iter().next();
            let target = quoted.clone().unwrap_or_else(|| question.to_string());
            if let Some(i) = page.best_match(&target, true).or_else(|| page.link_for_question(&target)) {
                return Ok(self.click(i, page, to_phase(1, None), "open the page that should hold the answer"));
            }
            if let Some(q) = quoted
                && mem.scrolls < self.options.max_scrolls
                && page.more_below()
            {
                // A named page ("according to the article 'X'") may be further down.
                let next = Memory { scrolls: mem.scrolls + 1, issued: 0, ..mem.clone() };
                let actions = vec![json!({"scroll": {"direction": "down", "amount": null}})];
                return Ok(Move::new(actions, next, format!("scroll to look for {q:?}")));
            }
        }
        if mem.phase <= 1
            && let Some(predicate) = answer::which_predicate(question)
        {
            if let Some(name) = answer::name_before(&ctx.state.serialized, &predicate) {
                return Ok(finish(name));
            }
            if mem.scrolls < self.options.max_scrolls && page.more_below() {
                let next = Memory { phase: 1, scrolls: mem.scrolls + 1, issued: 0, ..mem.clone() };
                let actions = vec![json!({"scroll": {"direction": "down", "amount": null}})];
                return Ok(Move::new(actions, next, format!("scroll to look for {predicate:?}")));
            }
        }
        if mem.phase <= 1 && self.options.answer_with_extract {
            let actions = vec![json!({"extract": {"goal": question}})];
            return Ok(Move::new(actions, to_phase(2, None), "extract the answer"));
        }
        let extracted = ctx
            .history
            .last()
            .and_then(|r| r.outcomes.iter().rev().find(|o| o.action == "extract" && o.success))
            .and_then(|o| o.output.clone());
        let source = extracted.unwrap_or_else(|| pick::visible_text(&ctx.state.serialized));
        match answer::from_text(question, want_number, &source) {
            Some(text) => Ok(finish(text)),
            None => Err(format!("no text on the page answers {question:?}")),
        }
    }

    fn click(&self, index: u32, page: &Page, mut next: Memory, goal: &str) -> Move {
        next.last_click = Some(page.click_key(index));
        Move::new(vec![json!({"click": {"index": index}})], next, goal)
    }

    /// The target is not on the page, but a search box is: search for the target's words once (the same goal then
    /// looks for its target among the results).
    fn search_for(&self, target: &str, mem: &Memory, page: &Page) -> Option<Move> {
        if mem.searched {
            return None;
        }
        let field = page.search_input()?;
        let words = page.target_tokens(target);
        if words.is_empty() {
            return None;
        }
        let query = text::words(target).into_iter().filter(|w| words.contains(&text::stem(w))).collect::<Vec<_>>();
        let query = query.join(" ");
        let next = Memory { searched: true, issued: 0, ..mem.clone() };
        let actions = vec![input(field, &query), json!({"send_keys": {"keys": "Enter"}})];
        Some(Move::new(actions, next, format!("search the site for {query:?}")))
    }

    /// Nothing matches: dismiss an overlay that may hide it, scroll down while there is more page and scrolls are
    /// left, then wait for late content while waits are left, else give up.
    fn stuck(&self, mem: &Memory, page: &Page, what: &str) -> Result<Move, String> {
        if let Some(i) = page.dismiss_button(true)
            && !mem.dismissed.contains(&page.click_key(i))
        {
            let mut next = Memory { issued: 0, ..mem.clone() };
            next.dismissed.push(page.click_key(i));
            return Ok(Move::new(vec![json!({"click": {"index": i}})], next, "close the overlay"));
        }
        if mem.scrolls < self.options.max_scrolls && page.more_below() {
            let next = Memory { scrolls: mem.scrolls + 1, issued: 0, ..mem.clone() };
            let actions = vec![json!({"scroll": {"direction": "down", "amount": null}})];
            return Ok(Move::new(actions, next, format!("scroll to look for {what:?}")));
        }
        if mem.waits < self.options.max_waits {
            let next = Memory { waits: mem.waits + 1, issued: 0, ..mem.clone() };
            let actions = vec![json!({"wait": {"ms": 1500}})];
            return Ok(Move::new(actions, next, format!("wait for {what:?} to appear")));
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
#[cfg(test)]
mod tests_generic;
#[cfg(test)]
mod tests_pages;

//! A scripted, deterministic fake browser and a scripted planner for the agent-loop tests (real Chromium comes at
//! integration). The fake browser is a small graph of page states: clicks on some indexes lead to other pages.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use browser_ai_mlops_core::agent::driver::{BrowserDriver, DriverError};
use browser_ai_mlops_core::agent::types::{PlanContext, PlanError, PlanOutput, PlanSummary, Planner};
use browser_ai_mlops_core::browser::types::{ActionOutcome, BrowserAction, ElementInfo, PageState};
use browser_ai_mlops_core::tracker::{Message, Role, TokenCounts};
use futures::future::BoxFuture;
use serde_json::Value;

pub fn element(index: u32, tag: &str, text: &str) -> ElementInfo {
    ElementInfo {
        index,
        tag: tag.into(),
        role: None,
        text: text.into(),
        attributes: BTreeMap::new(),
        in_shadow_root: false,
        frame_path: Vec::new(),
    }
}

pub fn page(url: &str, serialized: &str, elements: Vec<ElementInfo>) -> PageState {
    PageState {
        url: url.into(),
        title: url.into(),
        tabs: Vec::new(),
        elements,
        serialized: serialized.into(),
        pixels_above: 0,
        pixels_below: 0,
        dom_hash: browser_ai_mlops_core::agent::artifacts::sha256_hex(format!("{url}\n{serialized}").as_bytes()),
        screenshot_png: None,
    }
}

/// The fake browser.
pub struct FakeBrowser {
    pages: Vec<PageState>,
    /// (page, element index) → page a click there leads to.
    links: HashMap<(usize, u32), usize>,
    current: Mutex<usize>,
    /// Every action the browser was asked to execute, as received (secrets already substituted).
    pub executed: Mutex<Vec<BrowserAction>>,
    /// `screenshot` flags of every `state` call.
    pub state_calls: Mutex<Vec<bool>>,
    /// PNG bytes returned when a screenshot is asked for.
    pub screenshot: Option<Vec<u8>>,
    /// Crash (browser gone) when asked to execute this many actions.
    pub crash_at_action: Option<usize>,
}

impl FakeBrowser {
    pub fn new(pages: Vec<PageState>, links: &[(usize, u32, usize)]) -> FakeBrowser {
        FakeBrowser {
            pages,
            links: links.iter().map(|(p, i, to)| ((*p, *i), *to)).collect(),
            current: Mutex::new(0),
            executed: Mutex::new(Vec::new()),
            state_calls: Mutex::new(Vec::new()),
            screenshot: None,
            crash_at_action: None,
        }
    }

    pub fn executed(&self) -> Vec<BrowserAction> {
        self.executed.lock().unwrap().clone()
    }

    pub fn current_url(&self) -> String {
        self.pages[*self.current.lock().unwrap()].url.clone()
    }
}

fn outcome(action: &BrowserAction, target: String, error: Option<String>, page_changed: bool) -> ActionOutcome {
    ActionOutcome {
        action: action.name().into(),
        target,
        success: error.is_none(),
        error,
        output: None,
        duration_ms: 2,
        page_changed,
    }
}

impl BrowserDriver for FakeBrowser {
    fn state<'a>(&'a self, screenshot: bool) -> BoxFuture<'a, Result<PageState, DriverError>> {
        Box::pin(async move {
            self.state_calls.lock().unwrap().push(screenshot);
            let mut state = self.pages[*self.current.lock().unwrap()].clone();
            if screenshot {
                state.screenshot_png = self.screenshot.clone();
            }
            Ok(state)
        })
    }

    fn execute<'a>(&'a self, action: &'a BrowserAction) -> BoxFuture<'a, Result<ActionOutcome, DriverError>> {
        Box::pin(async move {
            let n = {
                let mut executed = self.executed.lock().unwrap();
                executed.push(action.clone());
                executed.len()
            };
            if self.crash_at_action == Some(n) {
                return Err(DriverError::crashed("browser process exited"));
            }
            let mut current = self.current.lock().unwrap();
            let page = &self.pages[*current];
            let find = |index: u32| page.elements.iter().find(|e| e.index == index);
            Ok(match action {
                BrowserAction::Click { index } | BrowserAction::InputText { index, .. } => match find(*index) {
                    None => {
                        let error = format!("no element with index {index}");
                        outcome(action, format!("[{index}]"), Some(error), false)
                    }
                    Some(el) => {
                        let target = format!("[{index}] {} {:?}", el.tag, el.text);
                        let to = matches!(action, BrowserAction::Click { .. })
                            .then(|| self.links.get(&(*current, *index)).copied())
                            .flatten();
                        if let Some(to) = to {
                            *current = to;
                        }
                        outcome(action, target, None, to.is_some())
                    }
                },
                _ => outcome(action, String::new(), None, false),
            })
        })
    }
}

/// A planner that returns scripted outputs in order, then `fallback` forever; it keeps every context it saw.
pub struct ScriptedPlanner {
    script: Mutex<VecDeque<Result<PlanOutput, PlanError>>>,
    fallback: Vec<Value>,
    pub seen: Mutex<Vec<PlanContext>>,
}

impl ScriptedPlanner {
    pub fn new(script: Vec<Result<PlanOutput, PlanError>>, fallback: Vec<Value>) -> ScriptedPlanner {
        ScriptedPlanner { script: Mutex::new(script.into()), fallback, seen: Mutex::new(Vec::new()) }
    }

    pub fn seen(&self) -> Vec<PlanContext> {
        self.seen.lock().unwrap().clone()
    }
}

/// A plan with these actions, one assistant message echoing them, and the given token usage and cost.
pub fn plan(actions: Vec<Value>, usage: TokenCounts, cost: Option<f64>) -> PlanOutput {
    PlanOutput {
        summary: PlanSummary { next_goal: format!("run {} actions", actions.len()), ..PlanSummary::default() },
        messages: vec![Message {
            role: Role::Assistant,
            content: Value::from(actions.clone()).to_string(),
            tool_calls: Value::Null,
            tokens: usage,
            ts_ms: 0,
        }],
        actions,
        usage,
        cost_usd: cost,
        latency_ms: 7,
    }
}

impl Planner for ScriptedPlanner {
    fn describe(&self) -> String {
        "scripted".into()
    }

    fn plan<'a>(&'a self, ctx: &'a PlanContext) -> BoxFuture<'a, Result<PlanOutput, PlanError>> {
        Box::pin(async move {
            self.seen.lock().unwrap().push(ctx.clone());
            let next = self.script.lock().unwrap().pop_front();
            next.unwrap_or_else(|| Ok(plan(self.fallback.clone(), TokenCounts::default(), Some(0.0))))
        })
    }
}

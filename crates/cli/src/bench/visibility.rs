//! `bench llm --visibility`: what an LLM version would be shown on the path to an answer. For every built-in task whose
//! check asks for an answer, the offline baseline walks the task on real Chromium (its path stands in for a scripted
//! solution) while each step's user message — exactly what `prompt::user_message` would send a model — is kept.
//! Per task: whether the expected answer appears in a message, at which step, and the message size per step.

use std::sync::Mutex;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use browser_ai_mlops_core::agent::baseline::{BaselineOptions, BaselinePlanner};
use browser_ai_mlops_core::agent::prompt::user_message;
use browser_ai_mlops_core::agent::recorder::{CaptureSettings, Recorder};
use browser_ai_mlops_core::agent::run::{AgentSettings, AgentTask, run_agent};
use browser_ai_mlops_core::agent::types::{PlanContext, PlanError, PlanOutput, Planner};
use browser_ai_mlops_core::browser::{BrowserOptions, BrowserPool};
use browser_ai_mlops_core::core::{Core, Settings};
use browser_ai_mlops_core::error::Result;
use browser_ai_mlops_core::evaluator::driver::SessionDriver;
use browser_ai_mlops_core::evaluator::{Check, suite};
use browser_ai_mlops_core::sites::SiteServer;
use browser_ai_mlops_core::tracker::RunStart;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisibilityRow {
    pub task: String,
    pub expected: String,
    /// 1-based step whose message first shows the answer; `None` when none does.
    pub visible_at: Option<u32>,
    pub steps: u32,
    pub mean_chars_per_step: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisibilityReport {
    pub tasks: Vec<VisibilityRow>,
    pub visible: usize,
    pub mean_chars_per_step: f64,
}

/// The baseline, keeping the user message an LLM would be sent at each step.
struct Watching {
    inner: BaselinePlanner,
    seen: Mutex<Vec<String>>,
}

impl Planner for Watching {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn plan<'a>(&'a self, ctx: &'a PlanContext) -> BoxFuture<'a, std::result::Result<PlanOutput, PlanError>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).push(user_message(ctx));
        self.inner.plan(ctx)
    }
}

/// The answer a check expects, as text to look for (`None` for checks that ask no answer, or only a regex).
fn expected(check: &Check) -> Option<Vec<String>> {
    match check {
        Check::Answer(a) => {
            if let Some(t) = a.equals.as_ref().or(a.contains.as_ref()) {
                return Some(vec![t.clone()]);
            }
            let n = a.number?;
            let plain = if n.fract() == 0.0 { format!("{}", n as i64) } else { n.to_string() };
            // Also the thousands-separated form a page may show (2,400).
            let digits: Vec<char> = plain.chars().collect();
            let mut grouped = String::new();
            let int_len = plain.find('.').unwrap_or(plain.len());
            for (i, c) in digits.iter().enumerate() {
                if i > 0 && i < int_len && (int_len - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(*c);
            }
            Some(vec![plain, grouped])
        }
        Check::All(list) | Check::Any(list) => list.iter().find_map(expected),
        _ => None,
    }
}

fn normalise(s: &str) -> String {
    s.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `needle` occurs in `hay` as a whole: not inside a longer word or number ("3" is not found in "13" or "3.5").
fn occurs(hay: &str, needle: &str) -> bool {
    let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let mut after = hay[i + needle.len()..].chars();
        let (a1, a2) = (after.next(), after.next());
        let inside_word = part(before) || part(a1);
        let inside_number =
            (a1 == Some('.') && part(a2)) || (before == Some('.') && needle.starts_with(|c: char| c.is_ascii_digit()));
        !inside_word && !inside_number
    })
}

pub async fn run(work: &std::path::Path, progress: &impl Fn(&str)) -> Result<VisibilityReport> {
    let loaded = suite::load("builtin")?;
    let tasks: Vec<_> = loaded.suite.tasks.iter().filter_map(|t| expected(&t.check).map(|e| (t, e))).collect();
    progress(&format!("visibility: {} built-in tasks with an answer check, on real Chromium…", tasks.len()));
    let core = Core::open(Settings::in_dir(work)).await?;
    let tracker = core.tracker().await?;
    tracker.create_experiment("visibility", "", &Default::default()).await?;
    let server = SiteServer::start().await?;
    let pool = BrowserPool::new(BrowserOptions::default(), 1);
    let mut rows = Vec::new();
    for (task, wanted) in tasks {
        let run = tracker.start_run(&RunStart { experiment: "visibility".into(), ..RunStart::default() }).await?;
        let none = CaptureSettings { conversations: false, screenshots: false, dom_snapshots: false };
        let recorder = Recorder::new(tracker, run.id.clone(), none);
        let start = server.resolve_for(&server.new_attempt(), &task.start_url)?;
        let driver = SessionDriver::new(pool.session().await?);
        driver.goto(&start).await?;
        let planner =
            Watching { inner: BaselinePlanner::new(BaselineOptions::default()), seen: Mutex::new(Vec::new()) };
        let settings = AgentSettings {
            max_steps: task.max_steps,
            max_failures: 3,
            step_delay_ms: 0,
            use_vision: false,
            max_actions_per_step: 3,
            capture: none,
        };
        let agent_task = AgentTask { prompt: task.prompt.clone(), secrets: Default::default() };
        run_agent(&driver, &planner, &agent_task, &settings, &recorder, None).await;
        let _ = driver.into_session().close().await;
        let seen = planner.seen.into_inner().unwrap_or_else(|e| e.into_inner());
        let wanted_norm: Vec<String> = wanted.iter().map(|w| normalise(w)).collect();
        let visible_at = seen
            .iter()
            .position(|m| {
                let m = normalise(m);
                wanted_norm.iter().any(|w| occurs(&m, w))
            })
            .map(|i| i as u32 + 1);
        let chars: usize = seen.iter().map(|m| m.chars().count()).sum();
        rows.push(VisibilityRow {
            task: task.id.clone(),
            expected: wanted[0].clone(),
            visible_at,
            steps: seen.len() as u32,
            mean_chars_per_step: if seen.is_empty() { 0.0 } else { chars as f64 / seen.len() as f64 },
        });
    }
    pool.shutdown().await;
    server.shutdown().await;
    core.shutdown().await?;
    let total_steps: u32 = rows.iter().map(|r| r.steps).sum();
    let total_chars: f64 = rows.iter().map(|r| r.mean_chars_per_step * f64::from(r.steps)).sum();
    Ok(VisibilityReport {
        visible: rows.iter().filter(|r| r.visible_at.is_some()).count(),
        mean_chars_per_step: if total_steps == 0 { 0.0 } else { total_chars / f64::from(total_steps) },
        tasks: rows,
    })
}

pub fn render(r: &VisibilityReport) -> String {
    let rows = r.tasks.iter().map(|t| {
        vec![
            t.task.clone(),
            t.expected.clone(),
            t.visible_at.map(|s| format!("step {s}")).unwrap_or_else(|| "never".into()),
            t.steps.to_string(),
            format!("{:.0}", t.mean_chars_per_step),
        ]
    });
    let mut text =
        crate::output::table(&["task", "expected answer", "shown to the model", "steps", "chars/step"], rows);
    text.push_str(&format!(
        "\n\nthe expected answer appears in the model's message in {} of {} tasks; {:.0} characters per step on \
         average (about {:.0} tokens at 4 characters per token, an estimate)",
        r.visible,
        r.tasks.len(),
        r.mean_chars_per_step,
        r.mean_chars_per_step / 4.0
    ));
    text
}

//! `run steps RUN`: what the agent did, step by step — the messages it was sent and answered, each action with its
//! target and outcome, and for an evaluation attempt the check's evidence, the answer and the seed. Built from the
//! `runs/timeline` operation (`--json` prints it as is).

use browser_ai_mlops_core::api::runs::RunTimeline;
use browser_ai_mlops_core::tracker::steps::{Step, group};
use browser_ai_mlops_core::tracker::types::Role;

use crate::output::num;

/// Characters of a message shown without `--full`.
const MESSAGE_PREVIEW: usize = 400;

pub fn render(t: &RunTimeline, full: bool) -> String {
    let mut out = vec![format!("run {}", t.run_id)];
    if let Some(r) = &t.result {
        let r2 = &r.result;
        let seed = r2.seed.map(|s| format!(" · seed {s}")).unwrap_or_default();
        out.push(format!("evaluation {} · task {} · attempt {}{seed}", r.evaluation_id, r2.task_id, r2.attempt));
        let verdict = if r2.success { "passed" } else { "failed" };
        out.push(format!(
            "result: {verdict} (score {}) in {} step(s), final URL {}",
            num(r2.score),
            r2.steps,
            r2.final_url
        ));
        if let Some(e) = &r2.error {
            out.push(format!("error: {e}"));
        }
    }
    let steps = group(&t.messages, &t.actions);
    if steps.is_empty() {
        out.push("\nno messages or actions were recorded".into());
    }
    for step in &steps {
        out.push(String::new());
        out.push(render_step(step, full));
    }
    if let Some(r) = &t.result {
        out.push(String::new());
        if let Some(answer) = &r.result.answer {
            out.push(format!("answer: {answer}"));
        }
        out.push("check".into());
        if r.result.evidence.is_empty() {
            out.push("  (no evidence recorded)".into());
        }
        for e in &r.result.evidence {
            let mark = if e.passed { "ok    " } else { "FAILED" };
            out.push(format!("  {mark} {}: {}", e.check, e.observed));
        }
    }
    if !t.artifacts.is_empty() {
        out.push(String::new());
        out.push(format!(
            "{} artifact(s): browser-ai-mlops run artifact HASH, or the run's page in the app",
            t.artifacts.len()
        ));
    }
    out.join("\n")
}

fn render_step(step: &Step, full: bool) -> String {
    let mut lines = vec![format!("step {}", step.number)];
    for m in &step.messages {
        let role = match m.role {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        };
        let mut text = m.content.trim().to_string();
        if text.is_empty() && !m.tool_calls.is_null() && m.tool_calls != serde_json::json!([]) {
            text = format!("tool calls: {}", m.tool_calls);
        }
        let total = text.chars().count();
        if !full && total > MESSAGE_PREVIEW {
            text = text.chars().take(MESSAGE_PREVIEW).collect::<String>()
                + &format!(" … ({} more characters; --full shows all)", total - MESSAGE_PREVIEW);
        }
        let body = text.lines().collect::<Vec<_>>().join("\n             ");
        lines.push(format!("  {role:<10} {body}"));
    }
    for a in &step.actions {
        let outcome =
            if a.success { "ok".to_string() } else { format!("FAILED: {}", a.error.as_deref().unwrap_or("")) };
        let target = if a.target.is_empty() { String::new() } else { format!(" {}", a.target) };
        lines.push(format!("  action     {}{target} → {outcome} ({} ms)", a.action_type, a.duration_ms));
    }
    lines.join("\n")
}

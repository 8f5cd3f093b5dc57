//! Rendering the monitoring summaries for people: the performance summary of a window (tasks, LLM calls, tokens,
//! cost, actions, page loads, top errors) and the error list with counts by type.

use crate::output::{fields, num, table};
use browser_ai_mlops_core::metrics::summary::{Distribution, ErrorList, ErrorTypeStats, PerformanceSummary};
use browser_ai_mlops_core::util::fmt_ms;

fn pct(v: Option<f64>) -> String {
    v.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "-".into())
}

fn dist(d: &Option<Distribution>, unit: &str) -> String {
    match d {
        Some(d) => format!(
            "p50 {}{unit}  p95 {}{unit}  p99 {}{unit}  (n={})",
            num(d.p50.round()),
            num(d.p95.round()),
            num(d.p99.round()),
            d.count
        ),
        None => "-".into(),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| num((x * 1000.0).round() / 1000.0)).unwrap_or_else(|| "-".into())
}

pub fn render_performance(s: &PerformanceSummary) -> String {
    let t = &s.tasks;
    let l = &s.llm;
    let tok = &l.tokens;
    let mut text = format!("Window {} .. {} (UTC)\n\n", fmt_ms(Some(s.since_ms)), fmt_ms(Some(s.until_ms)));
    text += &fields(&[
        (
            "tasks",
            format!(
                "{} ({} succeeded, {} failed, {} error, {} running)",
                t.total, t.succeeded, t.failed, t.error, t.running
            ),
        ),
        ("success rate", pct(t.success_rate)),
        ("error rate", pct(t.error_rate)),
        ("task duration", dist(&t.duration_ms, "ms")),
        ("LLM calls", format!("{} ({} failed, {} unpriced)", l.calls, l.failed_calls, l.unpriced_calls)),
        ("LLM latency", dist(&l.latency_ms, "ms")),
        (
            "tokens",
            format!(
                "{} (input {}, output {}, cache read {}, cache write {}, reasoning {})",
                tok.total, tok.input, tok.output, tok.cache_read, tok.cache_write, tok.reasoning
            ),
        ),
        ("tokens per task", opt(l.tokens_per_task)),
        ("cost", format!("${}", num((l.cost_usd * 1e6).round() / 1e6))),
        ("cost per task", l.cost_per_task.map(|c| format!("${}", num((c * 1e6).round() / 1e6))).unwrap_or("-".into())),
        (
            "actions",
            format!("{} ({} succeeded, {})", s.actions.total, s.actions.succeeded, pct(s.actions.success_rate)),
        ),
        ("actions per task", opt(s.actions.per_task)),
        ("page loads", format!("{}  {}", s.page_loads.count, dist(&s.page_loads.load_ms, "ms"))),
        ("DOM elements", format!("mean {}", opt(s.page_loads.mean_dom_elements))),
        (
            "errors",
            format!(
                "{} ({} unresolved; {} unresolved of all time)",
                s.errors.total, s.errors.unresolved, s.errors.unresolved_all_time
            ),
        ),
    ]);
    if !s.tasks_by_model.is_empty() {
        let rows = s.tasks_by_model.iter().map(|m| {
            vec![m.model.clone(), m.provider.clone(), m.tasks.to_string(), m.ended.to_string(), pct(m.success_rate)]
        });
        text += "\n\nTasks by model\n";
        text += &table(&["model", "provider", "tasks", "ended", "success"], rows);
    }
    if !l.by_model.is_empty() {
        let rows = l.by_model.iter().map(|m| {
            let p = |f: fn(&Distribution) -> f64| m.latency_ms.as_ref().map(|d| num(f(d).round())).unwrap_or_default();
            vec![
                format!("{}/{}", m.provider, m.model),
                m.calls.to_string(),
                m.tokens.total.to_string(),
                format!("${}", num((m.cost_usd * 1e6).round() / 1e6)),
                p(|d| d.p50),
                p(|d| d.p95),
            ]
        });
        text += "\n\nLLM calls by model\n";
        text += &table(&["model", "calls", "tokens", "cost", "p50 ms", "p95 ms"], rows);
    }
    if !s.actions.by_type.is_empty() {
        let rows = s.actions.by_type.iter().map(|a| {
            vec![
                a.action_type.clone(),
                a.count.to_string(),
                pct(Some(a.success_rate)),
                num((a.mean_duration_ms * 10.0).round() / 10.0),
            ]
        });
        text += "\n\nActions by type\n";
        text += &table(&["action", "count", "success", "mean ms"], rows);
    }
    if !s.errors.top_types.is_empty() {
        text += "\n\nTop errors\n";
        text += &error_types(&s.errors.top_types);
    }
    text
}

fn error_types(types: &[ErrorTypeStats]) -> String {
    let rows = types.iter().map(|e| {
        vec![
            e.error_type.clone(),
            e.count.to_string(),
            e.unresolved.to_string(),
            fmt_ms(Some(e.last_at_ms)),
            one_line(&e.last_message, 70),
        ]
    });
    table(&["type", "count", "unresolved", "last seen", "most recent message"], rows)
}

fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max { flat.chars().take(max).collect::<String>() + "…" } else { flat }
}

pub fn render_errors(l: &ErrorList) -> String {
    let what = if l.unresolved_only { "unresolved errors" } else { "errors" };
    let mut text = format!(
        "{} {what} from {} to {} (UTC); {} unresolved of all time",
        l.matching,
        fmt_ms(Some(l.since_ms)),
        fmt_ms(Some(l.until_ms)),
        l.unresolved_all_time
    );
    if l.errors.is_empty() {
        return text;
    }
    text += "\n\nBy type\n";
    text += &error_types(&l.by_type);
    let rows = l.errors.iter().map(|e| {
        vec![
            e.id.clone(),
            fmt_ms(Some(e.at_ms)),
            e.severity.as_str().to_string(),
            e.error_type.clone(),
            if e.resolved { "yes".into() } else { "no".into() },
            one_line(&e.message, 60),
        ]
    });
    text += &format!("\n\nNewest {}\n", l.errors.len());
    text += &table(&["id", "time", "severity", "type", "resolved", "message"], rows);
    text
}

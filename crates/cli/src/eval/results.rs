//! Rendering stored evaluations for people: an evaluation's summary (success rate with its 95 % interval, groups,
//! pass^k, cost, durations) and per-task results, and the task-by-task comparison of two evaluations.

use crate::output::{fields, num, table};
use browser_ai_mlops_core::api::evals as api;
use browser_ai_mlops_core::stats::Interval;
use browser_ai_mlops_core::util::fmt_ms;

fn rate(i: &Option<Interval>) -> String {
    match i {
        Some(i) => format!("{:.1}% [{:.1}%, {:.1}%]", i.estimate * 100.0, i.low * 100.0, i.high * 100.0),
        None => "-".to_string(),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_else(|| "-".to_string())
}

pub(crate) fn render_results(r: &api::EvaluationResults) -> String {
    let s = &r.summary;
    let e = &s.evaluation;
    let mut text = fields(&[
        ("evaluation", e.id.clone()),
        ("model version", e.model_version_id.clone().unwrap_or_else(|| "-".into())),
        ("suite", format!("{} (sha256 {})", e.suite, e.suite_hash.get(..12).unwrap_or(&e.suite_hash))),
        ("base seed", e.config.seed.map(|s| s.to_string()).unwrap_or_else(|| "- (not recorded)".into())),
        ("status", e.status.as_str().to_string()),
        ("started", fmt_ms(Some(e.started_at_ms))),
        ("tasks / attempts", format!("{} / {}", s.tasks, s.attempts)),
        ("success rate (95% CI)", format!("{} ({}/{})", rate(&s.success_rate), s.successes, s.attempts)),
        ("mean score", opt(s.mean_score)),
        ("mean steps", opt(s.mean_steps)),
        ("tokens in / out", format!("{} / {}", s.input_tokens, s.output_tokens)),
        ("cost usd (per task)", format!("{} ({})", opt(s.cost_usd), opt(s.cost_per_task_usd))),
        ("duration p50 / p95 ms", format!("{} / {}", opt(s.p50_duration_ms), opt(s.p95_duration_ms))),
        ("errors", s.errors.to_string()),
    ]);
    for pk in &s.pass_k {
        text.push_str(&format!(
            "\npass^{}                 all-first-k {} · unbiased {}",
            pk.k,
            opt(pk.all_of_first_k),
            opt(pk.unbiased)
        ));
    }
    let groups = s.by_category.iter().map(|g| ("category", g)).chain(s.by_difficulty.iter().map(|g| ("difficulty", g)));
    let rows = groups.map(|(kind, g)| {
        vec![kind.to_string(), g.name.clone(), format!("{}/{}", g.successes, g.attempts), rate(&g.success_rate)]
    });
    text.push_str("\n\n");
    text.push_str(&table(&["by", "group", "passed", "success rate (95% CI)"], rows));
    for ec in &s.error_counts {
        text.push_str(&format!("\nerror ×{}: {}", ec.count, ec.error));
    }
    let rows = r.results.iter().map(|t| {
        let x = &t.result;
        vec![
            x.task_id.clone(),
            x.attempt.to_string(),
            x.seed.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            if x.success { "pass".into() } else { "FAIL".into() },
            num(x.score),
            x.steps.to_string(),
            x.duration_ms.to_string(),
            x.error.clone().unwrap_or_default(),
        ]
    });
    text.push_str("\n\n");
    text.push_str(&table(&["task", "attempt", "seed", "result", "score", "steps", "ms", "error"], rows));
    text.push_str("\nwhat an attempt did, step by step: browser-ai-mlops run steps RUN_ID (run ids: --json)");
    text
}

/// `names` maps model version ids to their references (`NAME:N`).
pub(crate) fn render_list(
    l: &api::ListEvaluationsOutput,
    names: &std::collections::BTreeMap<String, String>,
) -> String {
    if l.evaluations.is_empty() {
        return "no evaluations yet: run one with `browser-ai-mlops eval benchmark MODEL`".into();
    }
    let rows = l.evaluations.iter().map(|s| {
        let e = &s.evaluation;
        vec![
            e.id.clone(),
            fmt_ms(Some(e.started_at_ms)),
            e.model_version_id.as_ref().map(|id| names.get(id).unwrap_or(id).clone()).unwrap_or_else(|| "-".into()),
            e.suite.clone(),
            e.status.as_str().to_string(),
            format!("{} / {}", s.tasks, s.attempts),
            format!("{} ({}/{})", rate(&s.success_rate), s.successes, s.attempts),
            opt(s.cost_usd),
        ]
    });
    table(
        &[
            "evaluation",
            "started",
            "model version",
            "suite",
            "status",
            "tasks / attempts",
            "success (95% CI)",
            "cost usd",
        ],
        rows,
    )
}

pub(crate) fn render_comparison(c: &browser_ai_mlops_core::evaluator::EvaluationComparison) -> String {
    let pct = |v: Option<f64>| v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "-".into());
    let mut text = fields(&[
        ("suite", c.a.suite.clone() + if c.suite_changed { " (suite file changed between the two)" } else { "" }),
        ("A", format!("{} pass rate {}", c.a.id, pct(c.pass_rate_a))),
        ("B", format!("{} pass rate {}", c.b.id, pct(c.pass_rate_b))),
        ("paired tasks", c.tasks.len().to_string()),
        (
            "difference B - A (95% CI)",
            c.paired_difference
                .map(|d| {
                    format!(
                        "{:+.1} points [{:+.1}, {:+.1}] (per task, paired bootstrap)",
                        d.estimate * 100.0,
                        d.low * 100.0,
                        d.high * 100.0
                    )
                })
                .unwrap_or("-".into()),
        ),
        ("both / only A / only B / neither", format!("{} / {} / {} / {}", c.both_pass, c.only_a, c.only_b, c.neither)),
        ("McNemar exact p", format!("{:.4} (majority outcome per task)", c.p_value)),
    ]);
    if !c.unpaired.is_empty() {
        text.push_str(&format!("\nunpaired (only in one): {}", c.unpaired.join(", ")));
    }
    let mark = |p: bool| if p { "pass" } else { "fail" };
    let rows = c.tasks.iter().map(|t| {
        vec![
            t.task_id.clone(),
            format!("{} ({}/{})", mark(t.a), t.a_passes, t.a_attempts),
            format!("{} ({}/{})", mark(t.b), t.b_passes, t.b_attempts),
            if t.a != t.b { "*".into() } else { String::new() },
        ]
    });
    text.push_str("\n\n");
    text.push_str(&table(&["task", "a", "b", "differs"], rows));
    text
}

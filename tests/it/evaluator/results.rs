//! The results store on a real SQLite file: summaries against hand-computed numbers, idempotent recording, resume,
//! paired comparison with a McNemar p-value computed here from the binomial formula, the registry's compare reading
//! task results, and the `eval results` / `eval compare` CLI.

use browser_ai_mlops_core::api::models::{RegisterInput, register};
use browser_ai_mlops_core::evaluator::results::NewEvaluation;
use browser_ai_mlops_core::evaluator::{EvalConfig, EvalError, EvalStatus, NewTaskResult, Results};
use browser_ai_mlops_core::registry::Provider;
use browser_ai_mlops_core::{Core, ErrorKind};

use crate::util::Home;

fn result(task: &str, attempt: u32, category: &str, success: bool, duration_ms: i64) -> NewTaskResult {
    NewTaskResult {
        task_id: task.into(),
        attempt,
        run_id: None,
        category: category.into(),
        difficulty: if task.ends_with('1') { "hard".into() } else { "easy".into() },
        seed: Some(attempt),
        success,
        score: if success { 1.0 } else { 0.0 },
        steps: 4,
        input_tokens: 100,
        output_tokens: 10,
        cost_usd: Some(0.25),
        duration_ms,
        final_url: "http://127.0.0.1/x".into(),
        answer: None,
        evidence: Vec::new(),
        error: None,
        screenshot_hash: None,
    }
}

async fn version(core: &Core, name: &str, temperature: f64) -> String {
    let input = RegisterInput {
        name: name.into(),
        provider: Provider::Baseline,
        model_id: "baseline".into(),
        base_url: None,
        temperature: Some(temperature),
        max_tokens: None,
        top_p: None,
        system_prompt: None,
        extra_params: Default::default(),
        description: None,
        changelog: None,
    };
    register(core, input).await.unwrap().id
}

fn new_eval(version: Option<String>, suite: &str, repeats: u32) -> NewEvaluation {
    NewEvaluation {
        model_version_id: version,
        suite: suite.into(),
        suite_hash: "0".repeat(64),
        config: EvalConfig { repeats, ..EvalConfig::default() },
    }
}

#[tokio::test]
async fn summary_numbers_match_hand_computation_and_recording_is_idempotent() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let results = Results::new(core.store().await.unwrap().clone());
    let v = version(&core, "agent", 0.0).await;
    let eval = results.create(&new_eval(Some(v), "builtin", 2)).await.unwrap();
    assert_eq!(eval.status, EvalStatus::Running);

    // 5 tasks × 2 attempts, 8 passes; durations 100, 200, …, 1000 ms.
    let plan = [
        ("t1", "shopping", [true, true]),
        ("t2", "shopping", [true, true]),
        ("t3", "search", [true, false]),
        ("t4", "search", [false, true]),
        ("t5", "search", [true, true]),
    ];
    let mut d = 0;
    // Record a wrong first outcome for t1/1, then the real one: recording is idempotent per attempt.
    results.record(&eval.id, &result("t1", 1, "shopping", false, 5)).await.unwrap();
    for (task, cat, outcomes) in plan {
        for (i, ok) in outcomes.into_iter().enumerate() {
            d += 100;
            let mut r = result(task, i as u32 + 1, cat, ok, d);
            if task == "t4" {
                r.error = Some("timeout after 60 s".into());
                r.cost_usd = None;
            }
            results.record(&eval.id, &r).await.unwrap();
        }
    }
    let rows = results.results(&eval.id).await.unwrap();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().find(|r| r.result.task_id == "t1" && r.result.attempt == 1).unwrap().result.success);

    let s = results.summary(&eval.id).await.unwrap();
    assert_eq!((s.tasks, s.attempts, s.successes), (5, 10, 8));
    let ci = s.success_rate.unwrap();
    // Wilson 95 % for 8/10 (textbook): 0.4902 .. 0.9433.
    assert!((ci.estimate - 0.8).abs() < 1e-12);
    assert!((ci.low - 0.4902).abs() < 1e-4 && (ci.high - 0.9433).abs() < 1e-4, "{ci:?}");
    // pass^2: t1, t2, t5 passed both attempts → 3/5, and C(c,2)/C(2,2) is 1 for those, 0 otherwise → 3/5.
    let p2 = s.pass_k.iter().find(|p| p.k == 2).unwrap();
    assert_eq!(p2.all_of_first_k, Some(0.6));
    assert!((p2.unbiased.unwrap() - 0.6).abs() < 1e-12);
    let p1 = s.pass_k.iter().find(|p| p.k == 1).unwrap();
    // first attempts: t1 t2 t3 t5 pass, t4 fails → 4/5; unbiased pass^1 = mean(c/n) = (2+2+1+1+2)/10.
    assert_eq!(p1.all_of_first_k, Some(0.8));
    assert!((p1.unbiased.unwrap() - 0.8).abs() < 1e-12);
    // Percentiles by linear interpolation: rank 0.5·9 = 4.5 → 550; rank 0.95·9 = 8.55 → 955.
    assert!((s.p50_duration_ms.unwrap() - 550.0).abs() < 1e-9);
    assert!((s.p95_duration_ms.unwrap() - 955.0).abs() < 1e-9);
    assert_eq!(s.mean_steps, Some(4.0));
    assert_eq!((s.input_tokens, s.output_tokens), (1000, 100));
    assert_eq!(s.cost_usd, None, "t4's cost is unknown, so the sum is unknown");
    assert_eq!(s.errors, 2);
    assert_eq!(s.error_counts[0].error, "timeout after 60 s");
    let shopping = s.by_category.iter().find(|g| g.name == "shopping").unwrap();
    let search = s.by_category.iter().find(|g| g.name == "search").unwrap();
    assert_eq!((shopping.successes, shopping.attempts, search.successes, search.attempts), (4, 4, 4, 6));
    let hard = s.by_difficulty.iter().find(|g| g.name == "hard").unwrap();
    assert_eq!((hard.successes, hard.attempts), (2, 2), "only t1 ends in 1");

    // A failed attempt cannot score 1; a score outside [0, 1] is refused.
    let mut bad = result("t9", 1, "search", false, 1);
    bad.score = 1.0;
    assert!(matches!(results.record(&eval.id, &bad).await, Err(EvalError::Invalid(_))));
    bad.score = 1.5;
    bad.success = true;
    assert!(results.record(&eval.id, &bad).await.is_err());

    let done = results.finish(&eval.id, EvalStatus::Finished, None).await.unwrap();
    assert_eq!(done.status, EvalStatus::Finished);
    assert!(done.ended_at_ms.is_some());
    let late = results.record(&eval.id, &result("t6", 1, "search", true, 1)).await.unwrap_err();
    assert_eq!(late.kind(), ErrorKind::Conflict);
    core.shutdown().await.unwrap();
}

#[tokio::test]
async fn resume_lists_finished_attempts_and_costs_sum_when_known() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let results = Results::new(core.store().await.unwrap().clone());
    let eval = results.create(&new_eval(None, "builtin", 3)).await.unwrap();
    results.record(&eval.id, &result("b", 2, "search", true, 10)).await.unwrap();
    results.record(&eval.id, &result("a", 1, "search", false, 10)).await.unwrap();
    results.record(&eval.id, &result("a", 1, "search", true, 10)).await.unwrap();
    results.finish(&eval.id, EvalStatus::Failed, Some("interrupted")).await.unwrap();
    let reopened = results.reopen(&eval.id[..8]).await.unwrap();
    assert_eq!(reopened.status, EvalStatus::Running);
    let done = results.finished_attempts(&eval.id).await.unwrap();
    assert_eq!(done, vec![("a".to_string(), 1), ("b".to_string(), 2)]);
    let s = results.summary(&eval.id).await.unwrap();
    assert!((s.cost_usd.unwrap() - 0.5).abs() < 1e-12);
    assert!((s.cost_per_task_usd.unwrap() - 0.25).abs() < 1e-12);
    assert!(matches!(results.get("ffffffff-nope").await, Err(EvalError::EvaluationNotFound(_))));
    core.shutdown().await.unwrap();
}

/// Two-sided exact binomial p-value, written out from the formula for this test.
fn binomial_two_sided(b: u64, c: u64) -> f64 {
    let n = b + c;
    let k = b.min(c);
    let choose = |n: u64, r: u64| (1..=r).fold(1.0, |acc, i| acc * (n - r + i) as f64 / i as f64);
    let tail: f64 = (0..=k).map(|i| choose(n, i)).sum::<f64>() / 2f64.powi(n as i32);
    (2.0 * tail).min(1.0)
}

/// With repeats, the paired difference is the mean of per-task pass-rate differences, not a difference of
/// majorities: A passes 2 of 3 attempts of every task (majority: pass), B passes 3 of 3 (pass). McNemar on
/// majorities sees no discordant task; the pass rates differ by a third on every task.
#[tokio::test]
async fn the_paired_difference_uses_every_attempt_of_every_task() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let results = Results::new(core.store().await.unwrap().clone());
    let a = results.create(&new_eval(None, "builtin", 3)).await.unwrap();
    let b = results.create(&new_eval(None, "builtin", 3)).await.unwrap();
    for i in 0..10u32 {
        let task = format!("task-{i:02}");
        for attempt in 1..=3 {
            results.record(&a.id, &result(&task, attempt, "search", attempt != 2, 100)).await.unwrap();
            results.record(&b.id, &result(&task, attempt, "search", true, 100)).await.unwrap();
        }
    }
    let c = results.compare(&a.id, &b.id).await.unwrap();
    assert_eq!((c.only_a, c.only_b, c.p_value), (0, 0, 1.0));
    assert_eq!(c.difference, Some(0.0), "majorities agree on every task");
    let d = c.paired_difference.unwrap();
    // Every task differs by exactly 1/3, so every resample does too: no spread.
    for v in [d.estimate, d.low, d.high] {
        assert!((v - 1.0 / 3.0).abs() < 1e-12, "{d:?}");
    }
    assert!((c.pass_rate_a.unwrap() - 2.0 / 3.0).abs() < 1e-12 && c.pass_rate_b == Some(1.0));
    core.shutdown().await.unwrap();
}

#[tokio::test]
async fn compare_pairs_tasks_and_tests_with_mcnemar() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let results = Results::new(core.store().await.unwrap().clone());
    let (va, vb) = (version(&core, "agent", 0.0).await, version(&core, "agent", 0.5).await);
    let a = results.create(&new_eval(Some(va), "builtin", 1)).await.unwrap();
    let b = results.create(&new_eval(Some(vb), "builtin", 1)).await.unwrap();
    // 12 tasks: A passes {0,1,2}; B passes {1..=10} → only A: {0} (b=1), only B: {3..=10} (c=8), both 2, neither 1.
    for i in 0..12u32 {
        let task = format!("task-{i:02}");
        results.record(&a.id, &result(&task, 1, "search", i <= 2, 100)).await.unwrap();
        results.record(&b.id, &result(&task, 1, "search", (1..=10).contains(&i), 300)).await.unwrap();
    }
    let c = results.compare(&a.id, &b.id).await.unwrap();
    assert_eq!((c.both_pass, c.only_a, c.only_b, c.neither), (2, 1, 8, 1));
    let expected = binomial_two_sided(1, 8);
    assert!((expected - 0.0390625).abs() < 1e-12, "the formula itself: 2·(1+9)/512");
    assert!((c.p_value - expected).abs() < 1e-12, "{}", c.p_value);
    assert!((c.difference.unwrap() - 7.0 / 12.0).abs() < 1e-12);
    assert_eq!(c.tasks.len(), 12);

    let other = results.create(&new_eval(None, "other-suite", 1)).await.unwrap();
    let err = results.compare(&a.id, &other.id).await.unwrap_err();
    assert!(matches!(err, EvalError::SuiteMismatch { .. }), "{err}");
    core.shutdown().await.unwrap();

    // The CLI shows the same, and the registry's compare now reads task results for these versions.
    let json = home.json(&["eval", "compare", &a.id, &b.id]);
    assert_eq!(json["only_a"], 1);
    assert_eq!(json["only_b"], 8);
    let text = home.ok(&["eval", "compare", &a.id, &b.id]);
    assert!(text.contains("McNemar exact p") && text.contains("0.0391"), "{text}");
    // With one attempt per task the paired difference is McNemar's (c − b) / n = 7/12, shown with its interval.
    let d = &json["paired_difference"];
    assert!((d["estimate"].as_f64().unwrap() - 7.0 / 12.0).abs() < 1e-12, "{d}");
    assert!(d["low"].as_f64().unwrap() > 0.0 && d["high"].as_f64().unwrap() <= 1.0, "B is clearly better: {d}");
    assert!(text.contains("difference B - A (95% CI)") && text.contains("+58.3 points ["), "{text}");
    let shown = home.json(&["eval", "results", &b.id]);
    assert_eq!(shown["summary"]["successes"], 10);
    assert_eq!(shown["results"].as_array().unwrap().len(), 12);
    // The shortest prefix of b that no other evaluation shares (ids made in one millisecond share most characters).
    let ids = [&a.id, &b.id, &other.id];
    let unique = (4..=b.id.len()).find(|&k| ids.iter().filter(|id| id.starts_with(&b.id[..k])).count() == 1).unwrap();
    let text = home.ok(&["eval", "results", &b.id[..unique]]);
    assert!(text.contains("83.3% [") && text.contains("task-11"), "{text}");
    // A prefix shared by several evaluations lists them instead of claiming none exists.
    let shared = (4..b.id.len()).rev().find(|&k| a.id.starts_with(&b.id[..k])).unwrap();
    let err = home.fails(&["eval", "results", &b.id[..shared]], 2);
    assert!(err.contains("matches") && err.contains(&a.id) && err.contains(&b.id), "{err}");
    let models = home.json(&["model", "compare", "agent:1", "agent:2"]);
    let perf_a = &models["columns"][0]["performance"];
    let perf_b = &models["columns"][1]["performance"];
    assert_eq!(perf_a["runs"], 12);
    assert!((perf_a["success_rate"].as_f64().unwrap() - 3.0 / 12.0).abs() < 1e-12, "{perf_a}");
    assert!((perf_b["success_rate"].as_f64().unwrap() - 10.0 / 12.0).abs() < 1e-12, "{perf_b}");
    assert_eq!(perf_b["p50_duration_ms"], 300.0);
    assert_eq!(perf_b["total_tokens"], 12 * 110);
    home.fails(&["eval", "results", "0000dead"], 2);
}

//! Seeding for the report tests: a real database filled through the public API (registry, results store) and SQL
//! inserts mirroring the monitoring schema, with the plan of what was inserted kept for computing expectations.

use browser_ai_mlops_core::Core;
use browser_ai_mlops_core::api::models::{DeployInput, RegisterInput, deploy, register};
use browser_ai_mlops_core::evaluator::results::NewEvaluation;
use browser_ai_mlops_core::evaluator::{EvalConfig, EvalStatus, NewTaskResult, Results};
use browser_ai_mlops_core::registry::Provider;

use crate::util::Home;

pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 24 * HOUR;

/// One seeded evaluation: which version, when it started (ms before now), and its attempts.
pub struct SeededEval {
    pub version: &'static str,
    pub started_at_ms: i64,
    /// (success, steps, cost, duration_ms) per attempt.
    pub attempts: Vec<(bool, u32, Option<f64>, i64)>,
}

pub struct Seed {
    pub evals: Vec<SeededEval>,
    /// (at_ms, cost) of the LLM calls inserted.
    pub llm_calls: Vec<(i64, f64)>,
    /// (at_ms, type, severity, resolved) of the errors inserted.
    pub errors: Vec<(i64, &'static str, &'static str, bool)>,
}

pub fn day_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap().format("%Y-%m-%d").to_string()
}

fn attempt(task: usize, a: &(bool, u32, Option<f64>, i64)) -> NewTaskResult {
    NewTaskResult {
        task_id: format!("task-{task}"),
        attempt: 1,
        run_id: None,
        category: "search".into(),
        difficulty: "easy".into(),
        seed: None,
        success: a.0,
        score: if a.0 { 1.0 } else { 0.0 },
        steps: a.1,
        input_tokens: 10,
        output_tokens: 5,
        cost_usd: a.2,
        duration_ms: a.3,
        final_url: String::new(),
        answer: None,
        evidence: Vec::new(),
        error: None,
        screenshot_hash: None,
    }
}

async fn register_version(core: &Core, temperature: f64) {
    let input = RegisterInput {
        name: "web-agent".into(),
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
    register(core, input).await.unwrap();
}

/// Two versions of one model, four evaluations (one 10 days old), LLM calls, errors, health samples and an alert.
pub async fn seed(home: &Home) -> Seed {
    let core = Core::open(home.settings()).await.unwrap();
    register_version(&core, 0.0).await;
    register_version(&core, 0.5).await;
    let d = DeployInput { reference: "web-agent:2".into(), target: "production".into(), reason: "better".into() };
    deploy(&core, d).await.unwrap();
    let now = browser_ai_mlops_core::util::now_ms();
    let evals = vec![
        SeededEval {
            version: "web-agent:1",
            started_at_ms: now - 2 * DAY,
            attempts: (0..10).map(|i| (i < 6, 3, Some(0.01), 100 * (i as i64 + 1))).collect(),
        },
        SeededEval {
            version: "web-agent:2",
            started_at_ms: now - HOUR,
            attempts: (0..8).map(|i| (i != 3, 5, None, 200 * (8 - i as i64))).collect(),
        },
        SeededEval {
            version: "web-agent:1",
            started_at_ms: now - 3 * DAY - HOUR,
            attempts: (0..4).map(|i| (i == 0, 7, None, 5000 + i as i64)).collect(),
        },
        SeededEval {
            version: "web-agent:2",
            started_at_ms: now - 10 * DAY,
            attempts: (0..5).map(|_| (true, 1, Some(9.0), 42)).collect(),
        },
    ];
    let store = core.store().await.unwrap().clone();
    let results = Results::new(store.clone());
    let registry = core.registry().await.unwrap();
    for e in &evals {
        let version = registry.version(e.version).await.unwrap().id;
        let new = NewEvaluation {
            model_version_id: Some(version),
            suite: "builtin".into(),
            suite_hash: "0".repeat(64),
            config: EvalConfig::default(),
        };
        let eval = results.create(&new).await.unwrap();
        for (i, a) in e.attempts.iter().enumerate() {
            results.record(&eval.id, &attempt(i, a)).await.unwrap();
        }
        results.finish(&eval.id, EvalStatus::Finished, None).await.unwrap();
        sqlx::query("UPDATE evaluations SET started_at_ms = ? WHERE id = ?")
            .bind(e.started_at_ms)
            .bind(&eval.id)
            .execute(store.pool())
            .await
            .unwrap();
    }
    let pool = store.pool();
    let llm_calls = vec![(now - 2 * HOUR, 0.002), (now - 2 * HOUR + 5, 0.003), (now - 2 * DAY, 0.5)];
    for (at, cost) in &llm_calls {
        sqlx::query(
            "INSERT INTO mon_llm_calls (provider, model, input_tokens, output_tokens, cost_usd, latency_ms, success, \
             at_ms) VALUES ('openai', 'gpt-test', 100, 20, ?, 350.0, 1, ?)",
        )
        .bind(cost)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    }
    let errors = vec![
        (now - 3 * HOUR, "timeout", "high", false),
        (now - 3 * HOUR + 1, "timeout", "high", true),
        (now - 30 * HOUR, "timeout", "medium", false),
        (now - 30 * HOUR, "selector_not_found", "low", false),
        (now - 10 * DAY, "crash", "critical", false),
    ];
    for (i, (at, kind, severity, resolved)) in errors.iter().enumerate() {
        sqlx::query(
            "INSERT INTO mon_errors (id, error_type, message, severity, resolved, at_ms) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(format!("err-{i}"))
        .bind(kind)
        .bind(format!("{kind} number {i}"))
        .bind(severity)
        .bind(resolved)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    }
    for i in 0..24i64 {
        let cpu = (i > 0).then(|| 10.0 + (i * 7 % 60) as f64);
        sqlx::query(
            "INSERT INTO health_samples (at_ms, cpu_percent, cpu_count, memory_used_bytes, memory_total_bytes, \
             disk_path, disk_used_bytes, disk_total_bytes, process_rss_bytes, status) \
             VALUES (?, ?, 2, ?, 8000, '/', 10, 100, 5, 'healthy')",
        )
        .bind(now - i * 2 * HOUR - HOUR)
        .bind(cpu)
        .bind(2000 + i * 100)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO alerts (id, rule, severity, message, observed, threshold, fired_at_ms) \
         VALUES ('alert-1', 'error_rate', 'warning', 'error rate 0.3 above 0.2', 0.3, 0.2, ?)",
    )
    .bind(now - 4 * HOUR)
    .execute(pool)
    .await
    .unwrap();
    core.shutdown().await.unwrap();
    Seed { evals, llm_calls, errors }
}

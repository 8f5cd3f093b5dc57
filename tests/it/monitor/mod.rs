//! Integration tests of the metrics collector and its summaries: rows written by the collector read back through a
//! second connection, summaries equal to figures derived here from what the test inserted (window boundaries,
//! percentiles, most recent message per error type), real agent runs on Chromium (baseline and an LLM planner against
//! a local fake provider) reporting into the `mon_*` tables, and the `monitor …` CLI. System health and alerts are in
//! `health.rs`.

mod health;

use serde_json::{Value, json};
use sqlx::sqlite::SqlitePoolOptions;

use browser_ai_mlops_core::metrics::collector::{
    ActionSample, Collector, ErrorSample, ErrorSeverity, LlmCallSample, PageLoadSample, TaskStart, TaskStatus,
};
use browser_ai_mlops_core::metrics::summary;
use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::tracker::TokenCounts;

use crate::llm::fake::{CANARY, FakeServer, Reply, error_reply, fixture};
use crate::util::Home;

async fn second_connection(home: &Home) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", home.db_path().display());
    SqlitePoolOptions::new().max_connections(1).connect(&url).await.unwrap()
}

async fn count(pool: &sqlx::SqlitePool, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql).bind(bind).fetch_one(pool).await.unwrap()
}

fn task(model: &str, at: i64) -> TaskStart {
    TaskStart {
        run_id: None,
        evaluation_id: None,
        task_id: Some(format!("task-{at}")),
        model: model.into(),
        provider: "baseline".into(),
        started_at_ms: at,
    }
}

fn call(provider: &str, model: &str, input: i64, cost: Option<f64>, latency: f64, ok: bool, at: i64) -> LlmCallSample {
    LlmCallSample {
        provider: provider.into(),
        model: model.into(),
        tokens: TokenCounts { input, output: input / 2, cache_read: 3, cache_write: 0, reasoning: 1 },
        cost_usd: cost,
        latency_ms: latency,
        success: ok,
        at_ms: at,
    }
}

fn error(kind: &str, message: &str, severity: ErrorSeverity, at: i64) -> ErrorSample {
    ErrorSample { error_type: kind.into(), message: message.into(), context: json!({"at": at}), severity, at_ms: at }
}

const SINCE: i64 = 1_000_000;
const UNTIL: i64 = 2_000_000;

#[tokio::test]
async fn summaries_equal_figures_derived_from_what_was_inserted() {
    let home = Home::new();
    let store = Store::open(&home.db_path()).await.unwrap();
    let c = Collector::new(store.clone());

    // 20 ended tasks in the window (the first exactly at `since`), durations 100, 200, …, 2000 ms; every 4th ends in
    // error, the next one failed, the other two succeeded. One running task exactly at `until`. Two tasks just
    // outside the window.
    let mut durations = Vec::new();
    let (mut succeeded, mut failed, mut errored) = (0, 0, 0);
    for i in 0..20i64 {
        let start = SINCE + i * 1_000;
        let id = c.start_task(&task(if i % 2 == 0 { "a:1" } else { "b:2" }, start)).await.unwrap();
        let status = match i % 4 {
            0 => TaskStatus::Error,
            1 => TaskStatus::Failed,
            _ => TaskStatus::Succeeded,
        };
        match status {
            TaskStatus::Error => errored += 1,
            TaskStatus::Failed => failed += 1,
            _ => succeeded += 1,
        }
        let duration = (i + 1) * 100;
        durations.push(duration as f64);
        c.end_task(&id, status, 3, start + duration).await.unwrap();
    }
    c.start_task(&task("a:1", UNTIL)).await.unwrap();
    for at in [SINCE - 1, UNTIL + 1] {
        let id = c.start_task(&task("outside:1", at)).await.unwrap();
        c.end_task(&id, TaskStatus::Succeeded, 1, at + 99_999).await.unwrap();
    }

    // LLM calls: five priced gpt calls, one unpriced local call, one failed call; one call after the window.
    let mut calls = vec![
        call("openai", "gpt-4o", 10, Some(0.01), 100.0, true, SINCE),
        call("openai", "gpt-4o", 20, Some(0.02), 200.0, true, SINCE + 10),
        call("openai", "gpt-4o", 30, Some(0.03), 300.0, true, SINCE + 20),
        call("openai", "gpt-4o", 40, Some(0.04), 400.0, true, SINCE + 30),
        call("openai", "gpt-4o", 50, Some(0.05), 500.0, true, SINCE + 40),
        call("ollama", "llama3.1:8b", 60, None, 600.0, true, SINCE + 50),
        call("openai", "gpt-4o", 0, None, 50.0, false, UNTIL),
    ];
    for k in &calls {
        c.llm_call(None, k).await.unwrap();
    }
    c.llm_call(None, &call("openai", "gpt-4o", 100_000, Some(99.0), 9_999.0, true, UNTIL + 1)).await.unwrap();
    calls.retain(|k| k.at_ms <= UNTIL);

    // Actions: three clicks (two succeed; 10, 20, 30 ms), one navigate; one action before the window.
    let actions = [("click", true, 10.0), ("click", false, 20.0), ("click", true, 30.0), ("navigate", true, 100.0)];
    for (i, (t, ok, ms)) in actions.iter().enumerate() {
        let a = ActionSample { action_type: t.to_string(), success: *ok, duration_ms: *ms, at_ms: SINCE + i as i64 };
        c.action(None, &a).await.unwrap();
    }
    let before = ActionSample { action_type: "scroll".into(), success: false, duration_ms: 1.0, at_ms: SINCE - 1 };
    c.action(None, &before).await.unwrap();

    // Page loads: 100, 300, 200, 400 ms with 10, 20, (unknown), 30 elements.
    for (i, (ms, dom)) in [(100.0, Some(10)), (300.0, Some(20)), (200.0, None), (400.0, Some(30))].iter().enumerate() {
        let p = PageLoadSample { url: format!("http://127.0.0.1/{i}"), load_ms: *ms, dom_elements: *dom, at_ms: SINCE };
        c.page_load(None, &p).await.unwrap();
    }

    // Errors: three timeouts inserted out of time order (the most recent is "third"), one crash, one old timeout
    // before the window; one in-window timeout gets resolved.
    c.error(None, &error("timeout", "third", ErrorSeverity::Medium, SINCE + 300)).await.unwrap();
    let first = c.error(None, &error("timeout", "first", ErrorSeverity::Low, SINCE + 100)).await.unwrap();
    c.error(None, &error("timeout", "second", ErrorSeverity::High, SINCE + 200)).await.unwrap();
    c.error(None, &error("crash", "gone", ErrorSeverity::Critical, UNTIL)).await.unwrap();
    c.error(None, &error("timeout", "ancient", ErrorSeverity::Low, SINCE - 5)).await.unwrap();
    c.resolve_error(&first, UNTIL).await.unwrap();

    // Everything written is visible to a second, independent connection.
    let other = second_connection(&home).await;
    for (table, n) in
        [("mon_tasks", 23), ("mon_llm_calls", 8), ("mon_actions", 5), ("mon_page_loads", 4), ("mon_errors", 5)]
    {
        let got: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&other).await.unwrap();
        assert_eq!(got, n, "{table}");
    }
    let resolved: (i64, Option<i64>) = sqlx::query_as("SELECT resolved, resolved_at_ms FROM mon_errors WHERE id = ?")
        .bind(&first)
        .fetch_one(&other)
        .await
        .unwrap();
    assert_eq!(resolved, (1, Some(UNTIL)));

    let s = summary::performance(&store, SINCE, UNTIL).await.unwrap();
    let t = &s.tasks;
    assert_eq!((t.total, t.running, t.succeeded, t.failed, t.error), (21, 1, succeeded, failed, errored));
    assert_eq!((succeeded, failed, errored), (10, 5, 5));
    assert_eq!(t.success_rate, Some(10.0 / 20.0));
    assert_eq!(t.error_rate, Some(5.0 / 20.0));
    // Nearest rank over 100..2000: p50 = 10th value, p95 = 19th (⌈19⌉), p99 = 20th (⌈19.8⌉).
    let d = t.duration_ms.as_ref().unwrap();
    assert_eq!((d.count, d.p50, d.p95, d.p99, d.max), (20, 1000.0, 1900.0, 2000.0, 2000.0));
    assert_eq!(d.mean, durations.iter().sum::<f64>() / 20.0);
    let models: Vec<(&str, u64, u64)> = s.tasks_by_model.iter().map(|m| (m.model.as_str(), m.tasks, m.ended)).collect();
    assert_eq!(models, vec![("a:1", 11, 10), ("b:2", 10, 10)]);

    let l = &s.llm;
    assert_eq!((l.calls, l.failed_calls, l.unpriced_calls), (7, 1, 1));
    let cost: f64 = calls.iter().filter_map(|k| k.cost_usd).sum();
    assert!((l.cost_usd - cost).abs() < 1e-12, "{} vs {cost}", l.cost_usd);
    assert!((l.cost_per_task.unwrap() - cost / 21.0).abs() < 1e-12);
    let input: i64 = calls.iter().map(|k| k.tokens.input).sum();
    let output: i64 = calls.iter().map(|k| k.tokens.output).sum();
    assert_eq!((l.tokens.input, l.tokens.output, l.tokens.cache_read, l.tokens.reasoning), (input, output, 21, 7));
    assert_eq!(l.tokens.total, input + output + 21 + 7);
    // Latencies sorted: 50 100 200 300 400 500 600 → p50 rank ⌈3.5⌉ = 4 → 300; p95 rank ⌈6.65⌉ = 7 → 600.
    let lat = l.latency_ms.as_ref().unwrap();
    assert_eq!((lat.p50, lat.p95, lat.p99), (300.0, 600.0, 600.0));
    let gpt = l.by_model.iter().find(|m| m.model == "gpt-4o").unwrap();
    assert_eq!((gpt.calls, gpt.failed_calls), (6, 1));
    assert!((gpt.cost_usd - cost).abs() < 1e-12);
    assert_eq!(gpt.latency_ms.as_ref().unwrap().p50, 200.0, "50 100 200 300 400 500: rank 3");

    let a = &s.actions;
    assert_eq!((a.total, a.succeeded), (4, 3));
    assert_eq!(a.per_task, Some(4.0 / 21.0));
    let click = &a.by_type[0];
    assert_eq!((click.action_type.as_str(), click.count, click.succeeded), ("click", 3, 2));
    assert_eq!((click.success_rate, click.mean_duration_ms), (2.0 / 3.0, 20.0));

    let p = &s.page_loads;
    let load = p.load_ms.as_ref().unwrap();
    assert_eq!((p.count, load.p50, load.p95), (4, 200.0, 400.0), "100 200 300 400: ranks 2 and 4");
    assert_eq!(p.mean_dom_elements, Some(20.0));

    let e = &s.errors;
    assert_eq!((e.total, e.unresolved, e.unresolved_all_time), (4, 3, 4));
    assert_eq!((e.by_severity.low, e.by_severity.medium, e.by_severity.high, e.by_severity.critical), (1, 1, 1, 1));
    let timeout = &e.top_types[0];
    assert_eq!((timeout.error_type.as_str(), timeout.count, timeout.unresolved), ("timeout", 3, 2));
    assert_eq!((timeout.last_message.as_str(), timeout.last_at_ms), ("third", SINCE + 300));
    assert_eq!((e.top_types[1].error_type.as_str(), e.top_types[1].last_message.as_str()), ("crash", "gone"));

    let list = summary::errors(&store, SINCE, UNTIL, true, 2).await.unwrap();
    assert_eq!(list.matching, 3, "unresolved in the window");
    let listed: Vec<&str> = list.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(listed, vec!["gone", "third"], "newest first, cut to the limit");
    assert!(summary::performance(&store, UNTIL, SINCE).await.is_err(), "an inverted window is refused");
}

/// The `mon_*` rows of the task recorded for a tracker run: (status, steps, model, task ref).
async fn task_row(pool: &sqlx::SqlitePool, run_id: &str) -> (String, i64, String, String) {
    sqlx::query_as("SELECT status, steps, model, id FROM mon_tasks WHERE run_id = ?")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_baseline_agent_run_reports_its_task_actions_and_page_loads() {
    let home = Home::new();
    let args = ["agent", "run", "Open the article 'Rivers of the North'", "--start-url", "site://news/"];
    let r = tokio::task::spawn_blocking({
        let cmd = home.cmd(&[]);
        move || {
            let mut cmd = cmd;
            cmd.arg("--json").args(args).output().unwrap()
        }
    })
    .await
    .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r: Value = serde_json::from_slice(&r.stdout).unwrap();
    let run_id = r["run_id"].as_str().unwrap();
    let pool = second_connection(&home).await;
    let (status, steps, model, task_ref) = task_row(&pool, run_id).await;
    let claimed = r["outcome"]["success"].as_bool().unwrap();
    assert_eq!(status, if claimed { "succeeded" } else { "failed" });
    assert_eq!(steps, r["outcome"]["steps"].as_i64().unwrap());
    assert_eq!(model, "baseline");
    let tracked = count(&pool, "SELECT COUNT(*) FROM run_actions WHERE run_id = ?", run_id).await;
    let monitored = count(&pool, "SELECT COUNT(*) FROM mon_actions WHERE task_ref = ?", &task_ref).await;
    assert!(tracked >= 1);
    assert_eq!(monitored, tracked, "every action the tracker recorded is monitored");
    let per_type: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action_type, COUNT(*) FROM run_actions WHERE run_id = ? GROUP BY action_type ORDER BY action_type",
    )
    .bind(run_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    let monitored_types: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action_type, COUNT(*) FROM mon_actions WHERE task_ref = ? GROUP BY action_type ORDER BY action_type",
    )
    .bind(&task_ref)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(monitored_types, per_type);
    // The start page is a page load with the elements the state extraction indexed; the baseline clicked through
    // to the article, a second load at another URL.
    let loads: Vec<(String, f64, Option<i64>)> =
        sqlx::query_as("SELECT url, load_ms, dom_elements FROM mon_page_loads WHERE task_ref = ? ORDER BY id")
            .bind(&task_ref)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(!loads.is_empty());
    assert!(loads[0].0.contains("/news/") && loads[0].2.is_some_and(|n| n > 0), "{loads:?}");
    let final_url = r["outcome"]["final_url"].as_str().unwrap();
    if final_url.contains("article.html") {
        assert!(loads.iter().any(|l| l.0 == final_url), "the article load is recorded: {loads:?}");
    }
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM mon_llm_calls WHERE task_ref = ?", &task_ref).await, 0);
    let p = tokio::task::spawn_blocking(move || home.json(&["monitor", "performance"])).await.unwrap();
    assert_eq!(p["llm"]["cost_usd"].to_string(), "0.0", "no calls cost +0, not -0: {p}");
    assert_eq!(p["actions"]["total"].as_i64(), Some(tracked));
}

#[tokio::test]
async fn an_evaluation_reports_one_task_per_attempt_with_its_outcome() {
    let home = Home::new();
    home.ok(&["model", "register", "smoke", "baseline", "label-matcher"]);
    let suite = format!("{}/tests/fixtures/suites/runner-smoke.yaml", concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let out = tokio::task::spawn_blocking({
        let mut cmd = home.cmd(&["--json", "eval", "benchmark", "smoke:1", "--suite", &suite]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pool = second_connection(&home).await;
    let evaluation = results["summary"]["evaluation"]["id"].as_str().unwrap();
    let rows = results["results"].as_array().unwrap();
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM mon_tasks WHERE evaluation_id = ?", evaluation).await, 2);
    for r in rows {
        let (status, steps, model, task_ref) = task_row(&pool, r["run_id"].as_str().unwrap()).await;
        let expected = match (r["success"].as_bool().unwrap(), r["error"].is_null()) {
            (true, _) => "succeeded",
            (false, true) => "failed",
            (false, false) => "error",
        };
        assert_eq!((status.as_str(), steps, model.as_str()), (expected, r["steps"].as_i64().unwrap(), "smoke:1"));
        let run_id = r["run_id"].as_str().unwrap();
        let tracked = count(&pool, "SELECT COUNT(*) FROM run_actions WHERE run_id = ?", run_id).await;
        assert_eq!(count(&pool, "SELECT COUNT(*) FROM mon_actions WHERE task_ref = ?", &task_ref).await, tracked);
    }
}

/// provider, model, input, output, cache read and reasoning tokens, cost, success.
type CallRow = (String, String, i64, i64, i64, i64, Option<f64>, i64);

/// An OpenAI-format completion answering `content`, with the usage of the fixture `openai/usage.json`.
fn completion(content: &Value) -> Value {
    let mut body = fixture("openai", "usage.json")["response"].clone();
    body["choices"][0]["message"]["content"] = json!(content.to_string());
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_llm_planner_run_records_each_call_with_the_fixtures_token_counts() {
    let scroll = json!({"next_goal": "look around", "actions": [{"scroll": {"direction": "down"}}]});
    let done = json!({"next_goal": "finish", "actions": [{"done": {"success": true, "text": "seen"}}]});
    let server =
        FakeServer::start(vec![Reply::json(200, &completion(&scroll)), Reply::json(200, &completion(&done))]).await;
    let home = Home::new();
    home.ok(&["model", "register", "local", "ollama", "llama3.1:8b", "--base-url", &server.base]);
    let out = tokio::task::spawn_blocking({
        let mut cmd = home.cmd(&[
            "--json",
            "agent",
            "run",
            "Look at the news",
            "--model",
            "local:1",
            "--start-url",
            "site://news/",
        ]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["outcome"]["steps"], 2, "{r}");
    let requests = server.seen().len() as i64;
    assert_eq!(requests, 2);

    // OpenAI usage semantics: prompt_tokens include the cached ones, completion_tokens include reasoning.
    let usage = &fixture("openai", "usage.json")["response"]["usage"];
    let n = |v: &Value| v.as_i64().unwrap();
    let cached = n(&usage["prompt_tokens_details"]["cached_tokens"]);
    let reasoning = n(&usage["completion_tokens_details"]["reasoning_tokens"]);
    let want = (n(&usage["prompt_tokens"]) - cached, n(&usage["completion_tokens"]) - reasoning, cached, reasoning);

    let pool = second_connection(&home).await;
    let (status, _, model, task_ref) = task_row(&pool, r["run_id"].as_str().unwrap()).await;
    assert_eq!((status.as_str(), model.as_str()), ("succeeded", "local:1"));
    let calls: Vec<CallRow> = sqlx::query_as(
        "SELECT provider, model, input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, cost_usd, success \
         FROM mon_llm_calls WHERE task_ref = ? ORDER BY id",
    )
    .bind(&task_ref)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(calls.len() as i64, requests, "one row per request the provider received");
    for c in &calls {
        assert_eq!((c.0.as_str(), c.1.as_str()), ("ollama", "llama3.1:8b"));
        assert_eq!((c.2, c.3, c.4, c.5), want);
        assert_eq!((c.6, c.7), (Some(0.0), 1), "local models are priced at 0");
    }
    let tracked =
        count(&pool, "SELECT COUNT(*) FROM run_actions WHERE run_id = ?", r["run_id"].as_str().unwrap()).await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM mon_actions WHERE task_ref = ?", &task_ref).await, tracked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_llm_request_is_a_failed_call_two_errors_and_a_task_in_error() {
    let server = FakeServer::start(vec![error_reply("openai", "auth")]).await;
    let home = Home::new();
    home.ok(&["model", "register", "local", "ollama", "llama3.1:8b", "--base-url", &server.base]);
    let out = tokio::task::spawn_blocking({
        let mut cmd =
            home.cmd(&["--json", "agent", "run", "Look", "--model", "local:1", "--start-url", "site://news/"]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["outcome"]["stop_reason"], "planner_error", "{r}");
    assert_eq!(server.seen().len(), 1, "authentication failures are not retried");

    let pool = second_connection(&home).await;
    let (status, _, _, task_ref) = task_row(&pool, r["run_id"].as_str().unwrap()).await;
    assert_eq!(status, "error");
    let calls: Vec<(i64, i64, i64)> =
        sqlx::query_as("SELECT success, input_tokens, output_tokens FROM mon_llm_calls WHERE task_ref = ?")
            .bind(&task_ref)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(calls, vec![(0, 0, 0)]);
    let errors: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT error_type, severity, message, resolved FROM mon_errors WHERE task_ref = ? ORDER BY error_type",
    )
    .bind(&task_ref)
    .fetch_all(&pool)
    .await
    .unwrap();
    let kinds: Vec<(&str, &str, i64)> = errors.iter().map(|e| (e.0.as_str(), e.1.as_str(), e.3)).collect();
    assert_eq!(kinds, vec![("llm_call", "high", 0), ("planner_error", "high", 0)]);
    for e in &errors {
        assert!(e.2.contains("authentication failed"), "{e:?}");
        assert!(!e.2.contains(CANARY), "the key in the provider's error body must not be stored: {e:?}");
    }
}

#[tokio::test]
async fn the_cli_shows_what_the_database_holds_and_resolves_errors() {
    let home = Home::new();
    let store = Store::open(&home.db_path()).await.unwrap();
    let c = Collector::new(store.clone());
    let now = browser_ai_mlops_core::util::now_ms();
    let minute = 60_000;
    // In the last hour: three ended tasks of 1, 2 and 4 s (one in error) and two LLM calls; three hours ago: one
    // more task and an error, inside `--hours 24` but not `--hours 1`.
    for (i, (secs, status)) in
        [(1, TaskStatus::Succeeded), (2, TaskStatus::Failed), (4, TaskStatus::Error)].iter().enumerate()
    {
        let start = now - (10 + i as i64) * minute;
        let id = c.start_task(&task("m:1", start)).await.unwrap();
        c.end_task(&id, *status, 2, start + secs * 1000).await.unwrap();
    }
    let old = c.start_task(&task("m:1", now - 180 * minute)).await.unwrap();
    c.end_task(&old, TaskStatus::Succeeded, 1, now - 179 * minute).await.unwrap();
    c.llm_call(None, &call("openai", "gpt-4o", 100, Some(0.5), 800.0, true, now - 5 * minute)).await.unwrap();
    c.llm_call(None, &call("openai", "gpt-4o", 200, Some(0.25), 1200.0, true, now - 4 * minute)).await.unwrap();
    let recent =
        c.error(None, &error("browser_crashed", "Chromium exited", ErrorSeverity::High, now - minute)).await.unwrap();
    c.error(None, &error("task_timeout", "timed out after 60 s", ErrorSeverity::Medium, now - 180 * minute))
        .await
        .unwrap();
    store.close().await;

    let p = home.json(&["monitor", "performance", "--hours", "1"]);
    assert_eq!(p["tasks"]["total"], 3);
    assert_eq!((p["tasks"]["succeeded"].as_u64(), p["tasks"]["error"].as_u64()), (Some(1), Some(1)));
    assert_eq!(p["tasks"]["error_rate"].as_f64(), Some(1.0 / 3.0));
    // Durations 1000 2000 4000 ms: p50 rank ⌈1.5⌉ = 2 → 2000, p95 rank 3 → 4000.
    assert_eq!(p["tasks"]["duration_ms"]["p50"].as_f64(), Some(2000.0));
    assert_eq!(p["tasks"]["duration_ms"]["p95"].as_f64(), Some(4000.0));
    assert_eq!(p["llm"]["calls"], 2);
    assert_eq!(p["llm"]["tokens"]["input"], 300);
    assert_eq!(p["llm"]["cost_usd"].as_f64(), Some(0.75));
    assert_eq!(p["llm"]["cost_per_task"].as_f64(), Some(0.25));
    assert_eq!(p["errors"]["total"], 1);
    assert_eq!(p["errors"]["unresolved_all_time"], 2);
    assert_eq!(p["errors"]["top_types"][0]["last_message"], "Chromium exited");

    let day = home.json(&["monitor", "performance"]);
    assert_eq!(day["tasks"]["total"], 4, "the default window is 24 hours");
    let text = home.ok(&["monitor", "performance", "--hours", "1"]);
    assert!(text.contains("error rate") && text.contains("33.3%") && text.contains("browser_crashed"), "{text}");

    let listed = home.json(&["monitor", "errors", "--unresolved"]);
    assert_eq!(listed["matching"], 2);
    assert_eq!(listed["errors"][0]["id"].as_str(), Some(recent.as_str()), "newest first");
    let resolved = home.json(&["monitor", "resolve-error", &recent]);
    assert_eq!(resolved["was_already_resolved"], false);
    let again = home.ok(&["monitor", "resolve-error", &recent]);
    assert!(again.contains("already resolved"), "{again}");
    let listed = home.json(&["monitor", "errors", "--unresolved"]);
    assert_eq!((listed["matching"].as_u64(), listed["unresolved_all_time"].as_u64()), (Some(1), Some(1)));
    assert_eq!(listed["errors"][0]["error_type"], "task_timeout");
    let table = home.ok(&["monitor", "errors"]);
    assert!(table.contains("task_timeout") && table.contains("browser_crashed"), "{table}");

    let stderr = home.fails(&["monitor", "performance", "--hours", "0"], 2);
    assert!(stderr.contains("--hours 0"), "{stderr}");
    let stderr = home.fails(&["monitor", "resolve-error", "no-such-error"], 2);
    assert!(stderr.contains("no-such-error"), "{stderr}");
}

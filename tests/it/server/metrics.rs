//! `/metrics` against known rows: the test inserts monitoring rows into a real database, scrapes a real server and
//! checks every counter, gauge and histogram against values it computes from its own rows; `promtool check
//! metrics` accepts the exposition; the Grafana dashboard queries only metric names the server exports; and
//! deploy/prometheus.yml passes `promtool check config`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::process::{Command, Stdio};

use super::{Server, TOKEN, get};
use crate::util::Home;

pub type Series = HashMap<(String, BTreeMap<String, String>), f64>;

/// Parse the text exposition into (name, labels) → value.
pub fn parse(text: &str) -> Series {
    let mut out = Series::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (key, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = if value == "+Inf" { f64::INFINITY } else { value.parse().unwrap() };
        let (name, labels) = match key.split_once('{') {
            None => (key.to_string(), BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap();
                let mut labels = BTreeMap::new();
                for pair in body.split("\",").filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once("=\"").unwrap();
                    labels.insert(k.to_string(), v.trim_end_matches('"').to_string());
                }
                (name.to_string(), labels)
            }
        };
        assert!(out.insert((name, labels), value).is_none(), "duplicate series: {line}");
    }
    out
}

fn val(series: &Series, name: &str, labels: &[(&str, &str)]) -> f64 {
    let labels: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    *series.get(&(name.to_string(), labels.clone())).unwrap_or_else(|| panic!("no series {name}{labels:?}"))
}

struct TaskRow(&'static str, &'static str, i64);

const TASKS: [TaskRow; 6] = [
    TaskRow("smoke:1", "succeeded", 1_500),
    TaskRow("smoke:1", "succeeded", 4_000),
    TaskRow("smoke:1", "failed", 25_000),
    TaskRow("gpt:2", "error", 700),
    TaskRow("gpt:2", "succeeded", 90_000),
    TaskRow("smoke:1", "running", 0),
];
const ACTIONS: [(&str, bool, f64); 4] =
    [("click", true, 40.0), ("click", false, 300.0), ("type", true, 12.5), ("click", true, 800.0)];
/// provider, model, tokens (input, output, cache read, cache write, reasoning), cost, latency ms, success
type LlmRow = (&'static str, &'static str, [i64; 5], Option<f64>, f64, bool);
const LLM: [LlmRow; 3] = [
    ("openai", "gpt-4o", [1200, 300, 100, 50, 20], Some(0.0125), 900.0, true),
    ("openai", "gpt-4o", [800, 0, 0, 0, 0], None, 2_500.0, false),
    ("anthropic", "claude", [400, 90, 0, 10, 0], Some(0.02), 400.0, true),
];
const PAGE_LOADS_MS: [f64; 3] = [120.0, 480.0, 2_200.0];
const ERRORS: [(&str, bool); 3] = [("low", false), ("high", true), ("high", false)];

async fn insert_rows(home: &Home) {
    let store = browser_ai_mlops_core::store::Store::open(&home.db_path()).await.unwrap();
    let pool = store.pool();
    for (i, t) in TASKS.iter().enumerate() {
        let end = if t.1 == "running" { None } else { Some(1_000_000 + t.2) };
        sqlx::query("INSERT INTO mon_tasks (id, model, provider, status, started_at_ms, ended_at_ms) VALUES (?, ?, 'baseline', ?, 1000000, ?)")
            .bind(format!("task-{i}"))
            .bind(t.0)
            .bind(t.1)
            .bind(end)
            .execute(pool)
            .await
            .unwrap();
    }
    for (kind, ok, ms) in ACTIONS {
        sqlx::query("INSERT INTO mon_actions (task_ref, action_type, success, duration_ms, at_ms) VALUES ('task-0', ?, ?, ?, 1)")
            .bind(kind)
            .bind(ok)
            .bind(ms)
            .execute(pool)
            .await
            .unwrap();
    }
    for (provider, model, t, cost, ms, ok) in LLM {
        sqlx::query(
            "INSERT INTO mon_llm_calls (provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, \
             reasoning_tokens, cost_usd, latency_ms, success, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        )
        .bind(provider)
        .bind(model)
        .bind(t[0])
        .bind(t[1])
        .bind(t[2])
        .bind(t[3])
        .bind(t[4])
        .bind(cost)
        .bind(ms)
        .bind(ok)
        .execute(pool)
        .await
        .unwrap();
    }
    for ms in PAGE_LOADS_MS {
        sqlx::query("INSERT INTO mon_page_loads (url, load_ms, at_ms) VALUES ('http://127.0.0.1/', ?, 1)")
            .bind(ms)
            .execute(pool)
            .await
            .unwrap();
    }
    for (i, (severity, resolved)) in ERRORS.iter().enumerate() {
        sqlx::query("INSERT INTO mon_errors (id, error_type, message, severity, resolved, at_ms) VALUES (?, 'timeout', 'm', ?, ?, 1)")
            .bind(format!("err-{i}"))
            .bind(severity)
            .bind(resolved)
            .execute(pool)
            .await
            .unwrap();
    }
    // Two health samples: only the newest is exported.
    for (at, cpu, mem) in [(10, 90.0, 7_000_000_000_i64), (20, 37.5, 2_000_000_000)] {
        sqlx::query(
            "INSERT INTO health_samples (at_ms, cpu_percent, cpu_count, memory_used_bytes, memory_total_bytes, disk_path, \
             disk_used_bytes, disk_total_bytes, net_rx_bytes_per_sec, net_tx_bytes_per_sec, process_rss_bytes, status) \
             VALUES (?, ?, 2, ?, 8000000000, '/', 50000000000, 100000000000, 1234.5, 99.0, 123456789, 'healthy')",
        )
        .bind(at)
        .bind(cpu)
        .bind(mem)
        .execute(pool)
        .await
        .unwrap();
    }
    for (id, rule, resolved) in [("a1", "cpu_percent", None), ("a2", "disk_percent", Some(30_i64))] {
        sqlx::query("INSERT INTO alerts (id, rule, severity, message, observed, threshold, fired_at_ms, resolved_at_ms) VALUES (?, ?, 'warning', 'm', 1, 1, 10, ?)")
            .bind(id)
            .bind(rule)
            .bind(resolved)
            .execute(pool)
            .await
            .unwrap();
    }
    for (id, status, attempts) in [("eval-running", "running", 2), ("eval-done", "finished", 1)] {
        sqlx::query("INSERT INTO evaluations (id, suite, suite_hash, status, started_at_ms, updated_at_ms) VALUES (?, 's', 'h', ?, 1, 1)")
            .bind(id)
            .bind(status)
            .execute(pool)
            .await
            .unwrap();
        for attempt in 1..=attempts {
            sqlx::query(
                "INSERT INTO task_results (id, evaluation_id, task_id, attempt, category, difficulty, success, score, steps, \
                 duration_ms, created_at_ms, updated_at_ms) VALUES (?, ?, 't', ?, 'navigation', 'easy', 1, 1, 1, 5, 1, 1)",
            )
            .bind(format!("{id}-{attempt}"))
            .bind(id)
            .bind(attempt)
            .execute(pool)
            .await
            .unwrap();
        }
    }
    store.close().await;
}

fn count<T>(rows: &[T], f: impl Fn(&T) -> bool) -> f64 {
    rows.iter().filter(|r| f(r)).count() as f64
}

#[tokio::test]
async fn metrics_equal_the_rows_in_the_store_pass_promtool_and_cover_the_dashboard() {
    let home = Home::new();
    insert_rows(&home).await;
    let server = Server::start(&home, &["--token", TOKEN, "--health-interval", "0"]);
    let (status, text) = get(&server, "/metrics", Some(TOKEN)).await;
    assert_eq!(status, 200, "{text}");
    let s = parse(&text);

    for model in ["smoke:1", "gpt:2"] {
        for status in ["succeeded", "failed", "error"] {
            let expected = count(&TASKS, |t| t.0 == model && t.1 == status);
            let got = s.get(&(
                "browser_ai_tasks_total".into(),
                [("model", model), ("status", status)].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ));
            assert_eq!(got.copied().unwrap_or(0.0), expected, "tasks_total {model} {status}");
        }
        let ended: Vec<&TaskRow> = TASKS.iter().filter(|t| t.0 == model && t.1 != "running").collect();
        let name = "browser_ai_task_duration_seconds";
        assert_eq!(val(&s, &format!("{name}_count"), &[("model", model)]), ended.len() as f64);
        let sum: f64 = ended.iter().map(|t| t.2 as f64 / 1000.0).sum();
        assert!((val(&s, &format!("{name}_sum"), &[("model", model)]) - sum).abs() < 1e-9);
        let le5 = ended.iter().filter(|t| t.2 <= 5_000).count() as f64;
        assert_eq!(val(&s, &format!("{name}_bucket"), &[("model", model), ("le", "5")]), le5);
        assert_eq!(val(&s, &format!("{name}_bucket"), &[("model", model), ("le", "+Inf")]), ended.len() as f64);
    }
    assert_eq!(val(&s, "browser_ai_tasks_running", &[]), count(&TASKS, |t| t.1 == "running"));

    for (kind, ok) in [("click", true), ("click", false), ("type", true)] {
        let expected = count(&ACTIONS, |a| a.0 == kind && a.1 == ok);
        assert_eq!(val(&s, "browser_ai_actions_total", &[("type", kind), ("success", &ok.to_string())]), expected);
    }
    let clicks_le_half = count(&ACTIONS, |a| a.0 == "click" && a.2 <= 500.0);
    assert_eq!(
        val(&s, "browser_ai_action_duration_seconds_bucket", &[("type", "click"), ("le", "0.5")]),
        clicks_le_half
    );

    for (provider, model) in [("openai", "gpt-4o"), ("anthropic", "claude")] {
        let rows: Vec<&LlmRow> = LLM.iter().filter(|r| r.0 == provider && r.1 == model).collect();
        for ok in [true, false] {
            let n = rows.iter().filter(|r| r.5 == ok).count() as f64;
            let key = (
                "browser_ai_llm_requests_total".to_string(),
                [("provider", provider), ("model", model), ("success", if ok { "true" } else { "false" })]
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            );
            assert_eq!(s.get(&key).copied().unwrap_or(0.0), n, "{provider} {model} success={ok}");
        }
        for (i, kind) in ["input", "output", "cache_read", "cache_write", "reasoning"].iter().enumerate() {
            let tokens: i64 = rows.iter().map(|r| r.2[i]).sum();
            assert_eq!(
                val(&s, "browser_ai_llm_tokens_total", &[("type", kind), ("provider", provider), ("model", model)]),
                tokens as f64
            );
        }
        let cost: f64 = rows.iter().filter_map(|r| r.3).sum();
        assert!(
            (val(&s, "browser_ai_llm_cost_usd_total", &[("provider", provider), ("model", model)]) - cost).abs()
                < 1e-12
        );
        let le1 = rows.iter().filter(|r| r.4 <= 1000.0).count() as f64;
        assert_eq!(
            val(
                &s,
                "browser_ai_llm_request_duration_seconds_bucket",
                &[("provider", provider), ("model", model), ("le", "1")]
            ),
            le1
        );
    }

    assert_eq!(val(&s, "browser_ai_page_loads_total", &[]), PAGE_LOADS_MS.len() as f64);
    let le_half = PAGE_LOADS_MS.iter().filter(|ms| **ms <= 500.0).count() as f64;
    assert_eq!(val(&s, "browser_ai_page_load_duration_seconds_bucket", &[("le", "0.5")]), le_half);
    let load_sum: f64 = PAGE_LOADS_MS.iter().sum::<f64>() / 1000.0;
    assert!((val(&s, "browser_ai_page_load_duration_seconds_sum", &[]) - load_sum).abs() < 1e-9);

    for severity in ["low", "medium", "high", "critical"] {
        assert_eq!(val(&s, "browser_ai_errors_total", &[("severity", severity)]), count(&ERRORS, |e| e.0 == severity));
    }
    assert_eq!(val(&s, "browser_ai_errors_unresolved", &[]), count(&ERRORS, |e| !e.1));
    assert_eq!(val(&s, "browser_ai_alerts_firing", &[("rule", "cpu_percent")]), 1.0);
    assert_eq!(val(&s, "browser_ai_alerts_firing", &[("rule", "disk_percent")]), 0.0);

    // The newest health sample (at_ms 20) is the one exported.
    assert_eq!(val(&s, "browser_ai_system_cpu_usage_ratio", &[]), 0.375);
    assert_eq!(val(&s, "browser_ai_system_memory_used_bytes", &[]), 2e9);
    assert_eq!(val(&s, "browser_ai_system_memory_total_bytes", &[]), 8e9);
    assert_eq!(val(&s, "browser_ai_system_disk_used_bytes", &[]), 5e10);
    assert_eq!(val(&s, "browser_ai_system_disk_total_bytes", &[]), 1e11);
    assert_eq!(val(&s, "browser_ai_system_network_receive_bytes_per_second", &[]), 1234.5);
    assert_eq!(val(&s, "browser_ai_system_network_transmit_bytes_per_second", &[]), 99.0);
    assert_eq!(val(&s, "browser_ai_process_resident_memory_bytes", &[]), 123456789.0);

    assert_eq!(val(&s, "browser_ai_evaluations_running", &[]), 1.0);
    assert_eq!(val(&s, "browser_ai_evaluation_attempts_done", &[("evaluation", "eval-running")]), 2.0);
    assert!(!text.contains("eval-done"), "only running evaluations get a progress series");

    // promtool accepts the exposition with no lint problems.
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package `prometheus`, installed by the README setup)");
    promtool.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = promtool.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "promtool check metrics: {said}\n{text}");

    // Every metric the Grafana dashboard queries is one this scrape exports.
    let exported: BTreeSet<String> = s.keys().map(|(name, _)| name.clone()).collect();
    let dashboard =
        format!("{}/deploy/grafana/dashboards/browser-ai-mlops.json", concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let dashboard: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dashboard).unwrap()).unwrap();
    let name_re = regex::Regex::new(r"browser_ai_[a-z0-9_]+").unwrap();
    let mut queried = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "panel {} has no query", panel["title"]);
        for target in targets {
            let expr = target["expr"].as_str().unwrap();
            for m in name_re.find_iter(expr) {
                assert!(
                    exported.contains(m.as_str()),
                    "panel {} queries {} which /metrics does not export",
                    panel["title"],
                    m.as_str()
                );
                queried.insert(m.as_str().to_string());
            }
        }
    }
    for wanted in [
        "browser_ai_tasks_total",
        "browser_ai_task_duration_seconds_bucket",
        "browser_ai_llm_cost_usd_total",
        "browser_ai_system_cpu_usage_ratio",
        "browser_ai_evaluations_running",
    ] {
        assert!(queried.contains(wanted), "the dashboard should chart {wanted}");
    }
}

#[test]
fn prometheus_config_passes_promtool_check_config() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = format!("{}/deploy", concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    std::fs::copy(format!("{deploy}/prometheus.yml"), dir.path().join("prometheus.yml")).unwrap();
    // deploy/alerts.yml is written by the alerting work; a stub stands in when it is not there.
    let alerts = std::path::Path::new(&deploy).join("alerts.yml");
    if alerts.is_file() {
        std::fs::copy(&alerts, dir.path().join("alerts.yml")).unwrap();
    } else {
        std::fs::write(dir.path().join("alerts.yml"), "groups: []\n").unwrap();
    }
    std::fs::write(dir.path().join("browser-ai-mlops.token"), format!("{TOKEN}\n")).unwrap();
    let out =
        Command::new("promtool").arg("check").arg("config").arg(dir.path().join("prometheus.yml")).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // The config scrapes /metrics with the bearer token file.
    let text = std::fs::read_to_string(format!("{deploy}/prometheus.yml")).unwrap();
    assert!(text.contains("credentials_file: browser-ai-mlops.token") && text.contains("metrics_path: /metrics"));
}

//! Integration tests: system health and alerts — real sysinfo readings through `monitor health`, alert rules driven
//! by rows the tests insert into mon_tasks and health_samples, retention, the `monitor alerts` / `monitor watch`
//! CLI, and deploy/alerts.yml checked against config/production.yaml and by promtool.

use browser_ai_mlops_core::config::{self, AlertThresholds};
use browser_ai_mlops_core::metrics::alerts::{self, MIN_TASKS_FOR_SUCCESS_RATE, RULES, Rule};
use browser_ai_mlops_core::metrics::health;
use browser_ai_mlops_core::store::Store;
use serde_json::Value;

use crate::util::Home;

const PROD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/production.yaml"));
const ALERT_RULES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/alerts.yml"));
const MINUTE: i64 = 60_000;

fn thresholds() -> AlertThresholds {
    AlertThresholds {
        error_rate: 0.2,
        p95_task_duration_secs: 10.0,
        min_success_rate: 0.5,
        cpu_percent: 90.0,
        memory_percent: 90.0,
        disk_percent: 90.0,
    }
}

/// A task that ended `ago_ms` before `now` after running `secs` seconds.
async fn task(store: &Store, status: &str, secs: i64, now: i64, ago_ms: i64) {
    let ended = now - ago_ms;
    sqlx::query(
        "INSERT INTO mon_tasks (id, model, provider, status, started_at_ms, ended_at_ms)
         VALUES (?, 'm:1', 'baseline', ?, ?, ?)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(status)
    .bind(ended - secs * 1000)
    .bind(ended)
    .execute(store.pool())
    .await
    .unwrap();
}

/// A health sample with memory and disk as percent of a 1000-byte total and the given CPU.
async fn sample(store: &Store, at_ms: i64, cpu: Option<f64>, memory_pct: i64, disk_pct: i64) {
    sqlx::query(
        "INSERT INTO health_samples (at_ms, cpu_percent, cpu_count, memory_used_bytes, memory_total_bytes, disk_path,
         disk_used_bytes, disk_total_bytes, process_rss_bytes, status) VALUES (?, ?, 2, ?, 1000, '/', ?, 1000, 1, 'healthy')",
    )
    .bind(at_ms)
    .bind(cpu)
    .bind(memory_pct * 10)
    .bind(disk_pct * 10)
    .execute(store.pool())
    .await
    .unwrap();
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap()
}

fn rules_of(alerts: &[alerts::Alert]) -> Vec<String> {
    let mut r: Vec<String> = alerts.iter().map(|a| a.rule.clone()).collect();
    r.sort();
    r
}

#[tokio::test]
async fn alerts_fire_once_stay_single_while_violated_and_resolve_when_cleared() {
    let home = Home::new();
    let store = Store::open(&home.db_path()).await.unwrap();
    let now = browser_ai_mlops_core::util::now_ms();
    let t = thresholds();
    // In the last hour: 4 succeeded (1 s), 3 failed (2 s), 3 error (30 s). Outside it: 5 errors that must not count.
    for _ in 0..4 {
        task(&store, "succeeded", 1, now, 5 * MINUTE).await;
    }
    for _ in 0..3 {
        task(&store, "failed", 2, now, 5 * MINUTE).await;
        task(&store, "error", 30, now, 5 * MINUTE).await;
    }
    for _ in 0..5 {
        task(&store, "error", 500, now, 120 * MINUTE).await;
    }
    // A running task counts nowhere.
    sqlx::query(
        "INSERT INTO mon_tasks (id, model, provider, status, started_at_ms) VALUES ('r', 'm', 'p', 'running', ?)",
    )
    .bind(now - MINUTE)
    .execute(store.pool())
    .await
    .unwrap();
    sample(&store, now - MINUTE, None, 50, 96).await;

    let first = alerts::evaluate(&store, &t, now).await.unwrap();
    assert_eq!(rules_of(&first.fired), ["disk_percent", "error_rate", "min_success_rate", "p95_task_duration"]);
    let observed = |rule: Rule| first.checks.iter().find(|c| c.rule == rule).unwrap().observed;
    assert_eq!(observed(Rule::ErrorRate), Some(3.0 / 10.0));
    assert_eq!(observed(Rule::MinSuccessRate), Some(4.0 / 10.0));
    // Ten durations: the nearest-rank p95 is the 10th smallest, one of the 30 s tasks.
    assert_eq!(observed(Rule::P95TaskDuration), Some(30.0));
    assert_eq!(observed(Rule::DiskPercent), Some(96.0));
    assert_eq!(observed(Rule::MemoryPercent), Some(50.0));
    assert_eq!(observed(Rule::CpuPercent), None, "a sample without CPU gives the CPU rule nothing to judge");
    assert!(first.resolved.is_empty());

    // Still violated: nothing new, still one row per rule.
    let second = alerts::evaluate(&store, &t, now + 1000).await.unwrap();
    assert!(second.fired.is_empty() && second.resolved.is_empty(), "{second:?}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM alerts").await, 4);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM alerts WHERE resolved_at_ms IS NULL").await, 4);

    // 20 more quick successes: error rate 3/30 and success rate 24/30 clear; the 29th of 30 durations is still 30 s.
    for _ in 0..20 {
        task(&store, "succeeded", 1, now, MINUTE).await;
    }
    sample(&store, now, Some(10.0), 50, 40).await;
    let third = alerts::evaluate(&store, &t, now + 2000).await.unwrap();
    assert!(third.fired.is_empty(), "{third:?}");
    assert_eq!(rules_of(&third.resolved), ["disk_percent", "error_rate", "min_success_rate"]);
    assert!(third.resolved.iter().all(|a| a.resolved_at_ms == Some(now + 2000)));
    let open = alerts::list(&store, true, None).await.unwrap();
    assert_eq!(rules_of(&open), ["p95_task_duration"]);

    // The disk fills again: a second episode is a new row; the first stays resolved.
    sample(&store, now + 3000, Some(10.0), 50, 99).await;
    let fourth = alerts::evaluate(&store, &t, now + 3000).await.unwrap();
    assert_eq!(rules_of(&fourth.fired), ["disk_percent"]);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM alerts WHERE rule = 'disk_percent'").await, 2);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM alerts").await, 5);
}

#[tokio::test]
async fn success_rate_needs_enough_tasks_and_stale_samples_are_ignored() {
    let home = Home::new();
    let store = Store::open(&home.db_path()).await.unwrap();
    let now = browser_ai_mlops_core::util::now_ms();
    for _ in 0..MIN_TASKS_FOR_SUCCESS_RATE - 1 {
        task(&store, "failed", 1, now, MINUTE).await;
    }
    // A full disk, but sampled an hour ago: too old to judge the machine now.
    sample(&store, now - 60 * MINUTE, Some(99.0), 99, 99).await;
    let e = alerts::evaluate(&store, &thresholds(), now).await.unwrap();
    assert_eq!(e.fired.len(), 0, "{e:?}");
    let check = |rule: Rule| e.checks.iter().find(|c| c.rule == rule).unwrap().clone();
    assert_eq!(check(Rule::MinSuccessRate).observed, None);
    assert_eq!(check(Rule::ErrorRate).observed, Some(0.0), "failed is not error");
    assert_eq!(check(Rule::DiskPercent).observed, None);

    task(&store, "failed", 1, now, MINUTE).await;
    let e = alerts::evaluate(&store, &thresholds(), now).await.unwrap();
    assert_eq!(rules_of(&e.fired), ["min_success_rate"]);
    assert_eq!(e.fired[0].observed, 0.0);
}

#[tokio::test]
async fn retention_prunes_only_old_samples_and_old_resolved_alerts() {
    let home = Home::new();
    let store = Store::open(&home.db_path()).await.unwrap();
    let now = browser_ai_mlops_core::util::now_ms();
    let day = 24 * 60 * MINUTE;
    sample(&store, now - 10 * day, Some(1.0), 1, 1).await;
    sample(&store, now - 6 * day, Some(2.0), 1, 1).await;
    sample(&store, now, Some(3.0), 1, 1).await;
    for (id, rule, fired, resolved) in [
        ("old-resolved", "cpu_percent", now - 12 * day, Some(now - 10 * day)),
        ("recently-resolved", "memory_percent", now - 12 * day, Some(now - day)),
        ("old-open", "disk_percent", now - 12 * day, None),
    ] {
        sqlx::query(
            "INSERT INTO alerts (id, rule, severity, message, observed, threshold, fired_at_ms, resolved_at_ms)
             VALUES (?, ?, 'critical', 'x', 1, 1, ?, ?)",
        )
        .bind(id)
        .bind(rule)
        .bind(fired)
        .bind(resolved)
        .execute(store.pool())
        .await
        .unwrap();
    }
    let pruned = health::prune(&store, 7, now).await.unwrap();
    assert_eq!((pruned.health_samples, pruned.resolved_alerts), (1, 1));
    let cpus: Vec<f64> = sqlx::query_scalar("SELECT cpu_percent FROM health_samples ORDER BY at_ms")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(cpus, [2.0, 3.0]);
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM alerts ORDER BY id").fetch_all(store.pool()).await.unwrap();
    assert_eq!(ids, ["old-open", "recently-resolved"]);
}

/// The band rule, applied by the test to the figures the command printed.
fn band(value: f64, threshold: f64) -> u8 {
    if value >= threshold {
        2
    } else if value >= threshold - 10.0 {
        1
    } else {
        0
    }
}

#[test]
fn monitor_health_json_reports_plausible_figures_and_a_consistent_status() {
    let home = Home::new();
    let v = home.json(&["monitor", "health"]);
    let c = &v["current"];
    let int = |k: &str| c[k].as_i64().unwrap_or_else(|| panic!("{k} in {c}"));
    assert!(int("memory_total_bytes") > 0);
    assert!(int("memory_used_bytes") >= 0 && int("memory_used_bytes") <= int("memory_total_bytes"));
    assert!(int("disk_total_bytes") > 0 && int("disk_used_bytes") <= int("disk_total_bytes"));
    assert!(int("cpu_count") >= 1);
    assert!(int("process_rss_bytes") > 0);
    let cpu = c["cpu_percent"].as_f64().expect("a reading over one second has CPU");
    assert!((0.0..=100.0).contains(&cpu), "{cpu}");
    assert!(c["net_rx_bytes_per_sec"].as_f64().is_some_and(|r| r >= 0.0));
    let t = &v["thresholds"];
    let pct = |used: &str, total: &str| int(used) as f64 * 100.0 / int(total) as f64;
    let bands = [
        band(cpu, t["cpu_percent"].as_f64().unwrap()),
        band(pct("memory_used_bytes", "memory_total_bytes"), t["memory_percent"].as_f64().unwrap()),
        band(pct("disk_used_bytes", "disk_total_bytes"), t["disk_percent"].as_f64().unwrap()),
    ];
    let worst = bands.iter().copied().max().unwrap();
    assert_eq!(c["status"], ["healthy", "warning", "critical"][worst as usize]);
    let unhealthy = bands.iter().filter(|b| **b > 0).count();
    assert_eq!(v["reasons"].as_array().unwrap().len(), unhealthy, "{v}");
    assert_eq!(v["latest_stored"], Value::Null, "monitor health stores nothing by itself");
}

#[tokio::test]
async fn monitor_alerts_lists_open_ones_and_all_with_flag() {
    let home = Home::new();
    let store = Store::open(&home.db_path()).await.unwrap();
    let now = browser_ai_mlops_core::util::now_ms();
    for (id, rule, resolved) in [("a-open", "disk_percent", None), ("b-done", "cpu_percent", Some(now))] {
        sqlx::query(
            "INSERT INTO alerts (id, rule, severity, message, observed, threshold, fired_at_ms, resolved_at_ms)
             VALUES (?, ?, 'critical', 'msg', 97.5, 90, ?, ?)",
        )
        .bind(id)
        .bind(rule)
        .bind(now - MINUTE)
        .bind(resolved)
        .execute(store.pool())
        .await
        .unwrap();
    }
    store.close().await;
    let open = home.json(&["monitor", "alerts"]);
    assert_eq!(open["open"], 1);
    let ids: Vec<&str> = open["alerts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a-open"]);
    assert_eq!(open["alerts"][0]["observed"], 97.5);
    let all = home.json(&["monitor", "alerts", "--all"]);
    assert_eq!(all["alerts"].as_array().unwrap().len(), 2);
    let text = home.ok(&["monitor", "alerts"]);
    assert!(text.contains("disk_percent") && !text.contains("cpu_percent"), "{text}");
    let err = home.fails(&["monitor", "alerts", "--all", "--hours", "0"], 2);
    assert!(err.contains("--hours"), "{err}");
}

/// Run the binary on a pseudo-terminal and return what it printed there.
fn in_a_terminal(home: &Home, args: &[&str]) -> String {
    let cmd = home.cmd(args);
    let quote = |a: &std::ffi::OsStr| format!("'{}'", a.to_str().unwrap().replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(cmd.get_program()).chain(cmd.get_args()).map(quote).collect();
    let mut script = std::process::Command::new("script");
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BROWSER_AI_MLOPS")) {
        script.env_remove(k);
    }
    let out = script.args(["-qec", &line.join(" "), "/dev/null"]).output().expect("util-linux script");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn monitor_watch_redraws_in_place_and_records_samples() {
    let home = Home::new();
    // Redrawing is for a terminal: run it on a pseudo-terminal (util-linux `script`).
    let text =
        in_a_terminal(&home, &["monitor", "watch", "--interval", "1", "--iterations", "2"]).replace("\r\n", "\n");
    assert_eq!(text.matches("monitor watch").count(), 2, "{text}");
    // Exactly one redraw: cursor up over the first frame, clear to the end of the screen.
    assert_eq!(text.matches("\x1b[J").count(), 1, "{text:?}");
    let first_frame_lines = text.split("\x1b[").next().unwrap().lines().count();
    assert!(text.contains(&format!("\x1b[{first_frame_lines}F\x1b[J")), "{text:?}");
    assert!(text.contains("tasks (last hour): 0 succeeded, 0 failed, 0 error; 0 running now"), "{text}");

    let lines = home.ok(&["--json", "monitor", "watch", "--interval", "1", "--iterations", "2"]);
    let frames: Vec<Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(frames.len(), 2);
    // The second run's sampler is new: its first sample has no CPU, its second has one.
    assert_eq!(frames[0]["latest"]["cpu_percent"], Value::Null);
    assert!(frames[1]["latest"]["cpu_percent"].as_f64().is_some_and(|c| (0.0..=100.0).contains(&c)));
}

/// Ctrl-C (SIGINT) after the first frame ends `monitor watch` with exit code 0.
#[test]
fn monitor_watch_exits_cleanly_on_ctrl_c() {
    use std::io::Read;
    let home = Home::new();
    let mut child = home
        .cmd(&["monitor", "watch", "--interval", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("open alerts") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "watch ended before its first frame: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let killed = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[tokio::test]
async fn watch_samples_are_stored_with_null_cpu_first() {
    let home = Home::new();
    home.ok(&["monitor", "watch", "--interval", "1", "--iterations", "2"]);
    let store = Store::open(&home.db_path()).await.unwrap();
    let cpus: Vec<Option<f64>> =
        sqlx::query_scalar("SELECT cpu_percent FROM health_samples ORDER BY id").fetch_all(store.pool()).await.unwrap();
    assert_eq!(cpus.len(), 2, "{cpus:?}");
    assert_eq!(cpus[0], None);
    assert!(cpus[1].is_some_and(|c| (0.0..=100.0).contains(&c)));
}

fn production_thresholds() -> AlertThresholds {
    let (config, problems) = config::validate_text(PROD, "production.yaml", "production");
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    config.unwrap().monitoring.alerts
}

/// The number compared against in a PromQL expression: the first one after a comparison operator.
fn comparisons(expr: &str) -> Vec<f64> {
    let re = regex::Regex::new(r"(?:>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)?)").unwrap();
    re.captures_iter(expr).map(|c| c[1].parse().unwrap()).collect()
}

#[test]
fn prometheus_rules_mirror_the_production_thresholds() {
    let t = production_thresholds();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(ALERT_RULES).unwrap();
    let rules: Vec<&serde_yaml_ng::Value> =
        doc["groups"].as_sequence().unwrap().iter().flat_map(|g| g["rules"].as_sequence().unwrap().iter()).collect();
    let mut seen = Vec::new();
    let exported = [
        "browser_ai_tasks_total",
        "browser_ai_task_duration_seconds_bucket",
        "browser_ai_system_cpu_usage_ratio",
        "browser_ai_system_memory_used_bytes",
        "browser_ai_system_memory_total_bytes",
        "browser_ai_system_disk_used_bytes",
        "browser_ai_system_disk_total_bytes",
    ];
    let metric = regex::Regex::new(r"browser_ai_[a-z_]+").unwrap();
    for r in rules {
        let name = r["labels"]["rule"].as_str().unwrap();
        let rule = RULES.iter().copied().find(|x| x.as_str() == name).unwrap_or_else(|| panic!("unknown rule {name}"));
        let expr = r["expr"].as_str().unwrap();
        let numbers = comparisons(expr);
        assert_eq!(numbers[0], rule.threshold(&t), "{name}: {expr}");
        if rule == Rule::MinSuccessRate {
            assert_eq!(numbers[1], f64::from(MIN_TASKS_FOR_SUCCESS_RATE), "{expr}");
        }
        assert_eq!(r["labels"]["severity"].as_str(), Some(rule.severity()), "{name}");
        for m in metric.find_iter(expr) {
            assert!(exported.contains(&m.as_str()), "{name} uses {} which is not exported", m.as_str());
        }
        seen.push(name.to_string());
    }
    seen.sort();
    let mut all: Vec<String> = RULES.iter().map(|r| r.as_str().to_string()).collect();
    all.sort();
    assert_eq!(seen, all, "one Prometheus rule per built-in rule");
}

#[test]
fn promtool_accepts_the_rules_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/alerts.yml");
    let out = std::process::Command::new("promtool").args(["check", "rules", path]).output().expect("run promtool");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("SUCCESS: 6 rules found"), "{text}");
}

#[test]
fn health_interval_is_validated_with_its_position() {
    let bad = PROD.replacen("health_interval_secs: 60", "health_interval_secs: 0", 1);
    assert_ne!(bad, PROD);
    let (config, problems) = config::validate_text(&bad, "production.yaml", "production");
    assert!(config.is_none() || problems.iter().any(|p| p.is_error()));
    let p = problems.iter().find(|p| p.path == "monitoring.health_interval_secs").expect("a problem for the field");
    let line = PROD.lines().position(|l| l.contains("health_interval_secs")).unwrap() as u32 + 1;
    assert_eq!(p.line, Some(line));
    assert!(p.message.contains("at least 1"), "{}", p.message);
}

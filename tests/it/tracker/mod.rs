//! Integration tests: the experiment tracker through the real binary (experiments, runs, params, tags, metrics,
//! batch files, summaries, comparisons). Library-level ingestion, concurrency and crash tests are in `ingest.rs`, many
//! concurrent agent tasks in `load.rs`, run search in `search.rs` and its query plans at scale in `search_plans.rs`, a
//! run's timeline in `timeline.rs`.

mod ingest;
mod load;
mod search;
mod search_pg;
mod search_plans;
mod timeline;

use serde_json::Value;

use crate::util::Home;

/// Create an experiment and start a run in it with the given extra arguments; returns the run id.
fn new_run(h: &Home, experiment: &str, extra: &[&str]) -> String {
    if h.run(&["experiment", "show", experiment]).status.code() != Some(0) {
        h.ok(&["experiment", "create", experiment]);
    }
    let mut args = vec!["run", "start", "--experiment", experiment];
    args.extend_from_slice(extra);
    h.ok(&args).trim().to_string()
}

fn summary(h: &Home, run: &str) -> Value {
    h.json(&["run", "show", run])
}

fn metric<'a>(summary: &'a Value, key: &str) -> Option<&'a Value> {
    summary["metrics"].as_array().unwrap().iter().find(|m| m["key"] == key)
}

#[test]
fn experiments_create_list_show_rename_tag_describe_archive_restore() {
    let h = Home::new();
    let created = h.json(&["experiment", "create", "checkout", "--description", "cart flows", "--tag", "team=web"]);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["tags"]["team"], "web");

    let err = h.fails(&["experiment", "create", "checkout"], 2);
    assert!(err.contains("\"checkout\" already exists"), "{err}");

    let by_name = h.json(&["experiment", "show", "checkout"]);
    let by_id = h.json(&["experiment", "show", &id]);
    assert_eq!(by_name, by_id);
    assert_eq!(by_name["experiment"]["description"], "cart flows");
    assert_eq!(by_name["runs"]["total"], 0);

    h.ok(&["experiment", "rename", "checkout", "checkout-v2"]);
    assert!(h.fails(&["experiment", "show", "checkout"], 2).contains("not found"));
    h.ok(&["experiment", "create", "search"]);
    let clash = h.fails(&["experiment", "rename", "search", "checkout-v2"], 2);
    assert!(clash.contains("checkout-v2"), "{clash}");

    h.ok(&["experiment", "set-tag", &id, "owner", "ana"]);
    h.ok(&["experiment", "describe", "checkout-v2", "new text"]);
    let shown = h.json(&["experiment", "show", &id]);
    assert_eq!(shown["experiment"]["name"], "checkout-v2");
    assert_eq!(shown["experiment"]["tags"], serde_json::json!({"owner": "ana", "team": "web"}));
    assert_eq!(shown["experiment"]["description"], "new text");

    h.ok(&["experiment", "archive", "checkout-v2"]);
    let names = |v: Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|e| e["experiment"]["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(h.json(&["experiment", "list"])), ["search"]);
    assert_eq!(names(h.json(&["experiment", "list", "--all"])), ["checkout-v2", "search"]);
    let refused = h.fails(&["run", "start", "--experiment", "checkout-v2"], 2);
    assert!(refused.contains("archived"), "{refused}");
    h.ok(&["experiment", "restore", &id]);
    assert_eq!(names(h.json(&["experiment", "list"])), ["checkout-v2", "search"]);
    assert!(h.ok(&["experiment", "list"]).contains("checkout-v2"));
}

#[test]
fn non_finite_or_unnamed_metrics_are_refused_and_nothing_is_stored() {
    let h = Home::new();
    let run = new_run(&h, "e", &[]);
    for (key, value, expect) in [
        ("loss", "NaN", "got NaN"),
        ("loss", "inf", "got Infinity"),
        ("loss", "-inf", "got -Infinity"),
        ("loss", "abc", "expected a finite number"),
        ("", "1.0", "non-empty"),
    ] {
        let err = h.fails(&["run", "log-metric", &run, key, value], 2);
        assert!(err.contains(expect), "{key} {value}: {err}");
    }
    let s = summary(&h, &run);
    assert_eq!(s["totals"]["metric_points"], 0);
    assert!(h.json(&["run", "metric", &run, "loss"])["points"].as_array().unwrap().is_empty());
    let count = sqlite_count(&h, "SELECT COUNT(*) FROM metric_points");
    assert_eq!(count, 0);
}

#[test]
fn params_are_immutable_and_same_value_is_a_no_op() {
    let h = Home::new();
    let run = new_run(&h, "e", &["--param", "lr=0.1"]);
    let err = h.fails(&["run", "log-param", &run, "lr", "0.2"], 2);
    for part in [run.as_str(), "\"lr\"", "\"0.1\"", "\"0.2\""] {
        assert!(err.contains(part), "missing {part} in: {err}");
    }
    assert_eq!(summary(&h, &run)["params"]["lr"], "0.1");
    let same = h.json(&["run", "log-param", &run, "lr", "0.1"]);
    assert_eq!(same["stored"], false);
    let new = h.json(&["run", "log-param", &run, "batch", "32"]);
    assert_eq!(new["stored"], true);
    assert_eq!(summary(&h, &run)["params"], serde_json::json!({"batch": "32", "lr": "0.1"}));
    let long = "k".repeat(251);
    assert!(h.fails(&["run", "log-param", &run, &long, "x"], 2).contains("at most 250"));
}

#[test]
fn tags_can_be_set_replaced_and_deleted() {
    let h = Home::new();
    let run = new_run(&h, "e", &["--tag", "stage=dev"]);
    h.ok(&["run", "set-tag", &run, "stage", "prod"]);
    h.ok(&["run", "set-tag", &run, "note", "ok"]);
    assert_eq!(summary(&h, &run)["tags"], serde_json::json!({"note": "ok", "stage": "prod"}));
    h.ok(&["run", "delete-tag", &run, "note"]);
    assert_eq!(summary(&h, &run)["tags"], serde_json::json!({"stage": "prod"}));
    assert!(h.fails(&["run", "delete-tag", &run, "note"], 2).contains("no tag \"note\""));
}

#[test]
fn ending_a_run_twice_is_a_conflict_and_status_sticks() {
    let h = Home::new();
    let run = new_run(&h, "e", &[]);
    let ended = h.json(&["run", "end", &run, "--status", "killed", "--error", "oom"]);
    assert_eq!(ended["status"], "killed");
    assert_eq!(ended["error"], "oom");
    let err = h.fails(&["run", "end", &run], 2);
    assert!(err.contains("not running") && err.contains("killed"), "{err}");
    assert_eq!(summary(&h, &run)["run"]["status"], "killed");
    assert!(h.fails(&["run", "log-metric", &run, "loss", "1"], 2).contains("not running"));
    assert!(h.fails(&["run", "end", "no-such-run"], 2).contains("not found"));
}

#[test]
fn a_run_is_stored_at_start_and_an_orphan_is_flagged() {
    let h = Home::new();
    // Started by a process that has exited: still `running`, flagged as process gone.
    let orphan = new_run(&h, "e", &["--name", "orphan"]);
    let s = summary(&h, &orphan);
    assert_eq!(s["run"]["status"], "running");
    assert_eq!(s["run"]["name"], "orphan");
    if cfg!(target_os = "linux") {
        assert_eq!(s["process_gone"], true);
        assert!(h.ok(&["run", "show", &orphan]).contains("running (process gone)"));
    }
    h.ok(&["run", "end", &orphan, "--status", "killed"]);

    // Started by this (live) test process through the library: visible to another process while still running.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let live = rt.block_on(async {
        let core = browser_ai_mlops_core::Core::open(h.settings()).await.unwrap();
        let tracker = core.tracker().await.unwrap();
        let spec = browser_ai_mlops_core::tracker::RunStart { experiment: "e".into(), ..Default::default() };
        let run = tracker.start_run(&spec).await.unwrap();
        core.shutdown().await.unwrap();
        run
    });
    let s = summary(&h, &live.id);
    assert_eq!(s["run"]["status"], "running");
    assert_eq!(s["run"]["pid"], i64::from(std::process::id()));
    assert_eq!(s["process_gone"], false);
    let human = h.ok(&["run", "show", &live.id]);
    assert!(human.contains("running") && !human.contains("process gone"), "{human}");
}

#[test]
fn model_version_link_must_exist() {
    let h = Home::new();
    h.ok(&["experiment", "create", "e"]);
    let err = h.fails(&["run", "start", "--experiment", "e", "--model-version", "mv-404"], 2);
    assert!(err.contains("mv-404") && err.contains("not found"), "{err}");
    assert_eq!(sqlite_count(&h, "SELECT COUNT(*) FROM runs"), 0);
    sqlite_exec(
        &h,
        &[
            "INSERT INTO models (id, name, created_at_ms, updated_at_ms) VALUES ('m', 'm', 0, 0)",
            "INSERT INTO model_versions (id, model_id, version, provider, model, temperature, created_at_ms, updated_at_ms) \
         VALUES ('mv-1', 'm', 1, 'baseline', 'b', 0.0, 0, 0)",
        ],
    );
    let run = h.json(&["run", "start", "--experiment", "e", "--model-version", "mv-1"]);
    assert_eq!(run["model_version_id"], "mv-1");
}

#[test]
fn summary_numbers_match_what_was_logged() {
    let h = Home::new();
    let run = new_run(&h, "e", &["--param", "lr=0.01", "--tag", "a=b"]);
    let losses = [(0, 2.5), (1, 1.75), (2, -0.5), (3, 0.875)];
    for (step, v) in losses {
        h.ok(&["run", "log-metric", &run, "loss", &v.to_string(), "--step", &step.to_string()]);
    }
    // An older step logged last must not become "last".
    h.ok(&["run", "log-metric", &run, "loss", "9", "--step", "1", "--timestamp-ms", "1767225600000"]);
    let all: Vec<f64> = losses.iter().map(|(_, v)| *v).chain([9.0]).collect();
    let s = summary(&h, &run);
    let m = metric(&s, "loss").unwrap();
    assert_eq!(m["count"], all.len());
    assert_eq!(m["last"], 0.875);
    assert_eq!(m["last_step"], 3);
    assert_eq!(m["min"].as_f64().unwrap(), all.iter().cloned().fold(f64::INFINITY, f64::min));
    assert_eq!(m["max"].as_f64().unwrap(), all.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    assert!((m["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert_eq!(s["totals"]["params"], 1);
    assert_eq!(s["totals"]["tags"], 1);
    assert_eq!(s["totals"]["metric_keys"], 1);
    assert_eq!(s["totals"]["metric_points"], all.len());
    let history = h.json(&["run", "metric", &run, "loss"]);
    let steps: Vec<i64> = history["points"].as_array().unwrap().iter().map(|p| p["step"].as_i64().unwrap()).collect();
    assert_eq!(steps, [0, 1, 1, 2, 3]);
    h.ok(&["run", "end", &run]);
    let ended = summary(&h, &run);
    assert_eq!(
        ended["duration_ms"],
        ended["run"]["end_ms"].as_i64().unwrap() - ended["run"]["start_ms"].as_i64().unwrap()
    );
}

#[test]
fn log_batch_writes_every_kind_and_reports_counts() {
    let h = Home::new();
    let run = new_run(&h, "e", &[]);
    let other = new_run(&h, "e", &[]);
    let mut lines = Vec::new();
    let values: Vec<f64> = (0..40).map(|i| (i as f64) * 0.25 - 3.0).collect();
    for (step, v) in values.iter().enumerate() {
        lines.push(format!(r#"{{"type":"metric","key":"reward","value":{v},"step":{step}}}"#));
    }
    lines.push(format!(r#"{{"type":"metric","key":"reward","value":7,"run":"{other}"}}"#));
    lines.push(r#"{"type":"param","key":"lr","value":"0.1"}"#.into());
    lines.push(r#"{"type":"param","key":"lr","value":"0.1"}"#.into());
    lines.push(r#"{"type":"tag","key":"site","value":"shop"}"#.into());
    let tokens = [(10, 3, 1), (20, 7, 0)];
    for (input, output, reasoning) in tokens {
        lines.push(format!(
            r#"{{"type":"message","role":"assistant","content":"ok","tool_calls":[{{"name":"click"}}],"tokens":{{"input":{input},"output":{output},"reasoning":{reasoning}}}}}"#
        ));
    }
    lines.push(r#"{"type":"action","action_type":"click","target":"text=Buy","success":true,"duration_ms":12}"#.into());
    lines.push(r#"{"type":"action","action_type":"type","success":false,"duration_ms":30,"error":"timeout"}"#.into());
    let file = h.path().join("points.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let report = h.json(&["run", "log-batch", &run, "--file", file.to_str().unwrap()]);
    assert_eq!(report["metrics"], values.len() + 1);
    assert_eq!(report["params"], 1);
    assert_eq!(report["params_unchanged"], 1);
    assert_eq!(
        (report["tags"].clone(), report["messages"].clone(), report["actions"].clone()),
        (1.into(), 2.into(), 2.into())
    );

    let s = summary(&h, &run);
    let m = metric(&s, "reward").unwrap();
    assert_eq!(m["count"], values.len());
    assert_eq!(m["last"].as_f64().unwrap(), values[values.len() - 1]);
    assert_eq!(m["min"].as_f64().unwrap(), values[0]);
    assert_eq!(s["totals"]["messages"], 2);
    assert_eq!(s["totals"]["actions"], 2);
    assert_eq!(s["totals"]["tokens"]["input"], tokens.iter().map(|t| t.0).sum::<i64>());
    assert_eq!(s["totals"]["tokens"]["output"], tokens.iter().map(|t| t.1).sum::<i64>());
    assert_eq!(s["totals"]["tokens"]["reasoning"], tokens.iter().map(|t| t.2).sum::<i64>());
    assert_eq!(s["tags"]["site"], "shop");
    assert_eq!(metric(&summary(&h, &other), "reward").unwrap()["count"], 1);
    // Sending the file again writes nothing (it is the same batch) and says so.
    let human = h.ok(&["run", "log-batch", &run, "--file", file.to_str().unwrap()]);
    assert!(human.contains("already stored on "), "{human}");
    assert!(human.contains(&format!("That batch had {} metric points", values.len() + 1)), "{human}");
    assert_eq!(metric(&summary(&h, &run), "reward").unwrap()["count"], values.len());
}

#[test]
fn a_bad_line_rejects_the_whole_file() {
    let h = Home::new();
    let run = new_run(&h, "e", &["--param", "lr=0.1"]);
    let dir = h.path();
    let bad_value = dir.join("bad.jsonl");
    std::fs::write(
        &bad_value,
        "{\"type\":\"metric\",\"key\":\"loss\",\"value\":0.5,\"step\":1}\n\
         {\"type\":\"param\",\"key\":\"batch\",\"value\":\"32\"}\n\
         {\"type\":\"metric\",\"key\":\"loss\",\"value\":\"NaN\",\"step\":2}\n",
    )
    .unwrap();
    let err = h.fails(&["run", "log-batch", &run, "--file", bad_value.to_str().unwrap()], 2);
    assert!(err.contains("bad.jsonl:3: field \"value\": expected a finite number, got NaN"), "{err}");

    let conflict = dir.join("conflict.jsonl");
    std::fs::write(
        &conflict,
        "{\"type\":\"metric\",\"key\":\"loss\",\"value\":0.5}\n\
         {\"type\":\"tag\",\"key\":\"t\",\"value\":\"x\"}\n\
         {\"type\":\"message\",\"role\":\"user\",\"content\":\"hi\"}\n\
         {\"type\":\"param\",\"key\":\"lr\",\"value\":\"0.5\"}\n",
    )
    .unwrap();
    let err = h.fails(&["run", "log-batch", &run, "--file", conflict.to_str().unwrap()], 2);
    assert!(err.contains("conflict.jsonl:4:") && err.contains("\"lr\"") && err.contains("\"0.1\""), "{err}");

    let unknown_run = dir.join("unknown.jsonl");
    std::fs::write(&unknown_run, "{\"type\":\"tag\",\"key\":\"t\",\"value\":\"x\",\"run\":\"nope\"}\n").unwrap();
    let err = h.fails(&["run", "log-batch", &run, "--file", unknown_run.to_str().unwrap()], 2);
    assert!(err.contains("unknown.jsonl:1:") && err.contains("\"nope\" not found"), "{err}");

    let s = summary(&h, &run);
    assert_eq!(s["params"], serde_json::json!({"lr": "0.1"}));
    assert_eq!(s["totals"]["metric_points"], 0);
    assert_eq!(s["totals"]["tags"], 0);
    assert_eq!(s["totals"]["messages"], 0);
    assert_eq!(sqlite_count(&h, "SELECT COUNT(*) FROM metric_points"), 0);
}

#[test]
fn runs_compare_params_and_metrics_side_by_side() {
    let h = Home::new();
    let a = new_run(&h, "e", &["--param", "lr=0.1", "--param", "model=gpt", "--name", "a"]);
    let b = new_run(&h, "e", &["--param", "lr=0.2", "--param", "model=gpt", "--param", "seed=7"]);
    h.ok(&["run", "log-metric", &a, "loss", "0.5"]);
    h.ok(&["run", "log-metric", &a, "acc", "0.9"]);
    h.ok(&["run", "log-metric", &b, "loss", "0.25"]);
    let cmp = h.json(&["run", "compare", &a, &b]);
    assert_eq!(cmp["runs"][0]["id"], a.as_str());
    let differ: Vec<(String, Value)> = cmp["params_differ"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["key"].as_str().unwrap().to_string(), p["values"].clone()))
        .collect();
    assert_eq!(
        differ,
        [("lr".to_string(), serde_json::json!(["0.1", "0.2"])), ("seed".to_string(), serde_json::json!([null, "7"]))]
    );
    assert_eq!(cmp["params_equal"][0]["key"], "model");
    let acc = cmp["metrics"].as_array().unwrap().iter().find(|m| m["key"] == "acc").unwrap();
    assert_eq!(acc["values"][0]["last"], 0.9);
    assert!(acc["values"][1].is_null());
    let human = h.ok(&["run", "compare", &a, &b]);
    assert!(human.contains("param lr (differs)") && human.contains("(absent)"), "{human}");
    h.fails(&["run", "compare", &a], 2);
    assert!(h.fails(&["run", "compare", &a, "missing"], 2).contains("not found"));
}

#[test]
fn experiments_compare_by_runs_last_values() {
    let h = Home::new();
    let last_a = [0.5, 0.75];
    for (i, v) in last_a.iter().enumerate() {
        let run = new_run(&h, "A", &[]);
        h.ok(&["run", "log-metric", &run, "score", "100", "--step", "0"]);
        h.ok(&["run", "log-metric", &run, "score", &v.to_string(), "--step", "1"]);
        if i == 0 {
            h.ok(&["run", "end", &run, "--status", "failed"]);
        }
    }
    let b = new_run(&h, "B", &[]);
    h.ok(&["run", "log-metric", &b, "latency", "3"]);
    let cmp = h.json(&["experiment", "compare", "A", "B"]);
    let a = &cmp["experiments"][0];
    assert_eq!(a["experiment"]["name"], "A");
    assert_eq!(
        (a["runs"]["total"].clone(), a["runs"]["failed"].clone(), a["runs"]["running"].clone()),
        (2.into(), 1.into(), 1.into())
    );
    let score = &a["metrics"]["score"];
    assert_eq!(score["runs"], 2);
    assert_eq!(score["mean"].as_f64().unwrap(), last_a.iter().sum::<f64>() / 2.0);
    assert_eq!((score["min"].as_f64().unwrap(), score["max"].as_f64().unwrap()), (0.5, 0.75));
    assert!(cmp["experiments"][1]["metrics"].get("score").is_none());
    assert_eq!(cmp["keys"], serde_json::json!(["latency", "score"]));
    assert!(h.fails(&["experiment", "compare", "A", "Z"], 2).contains("\"Z\" not found"));
}

#[test]
fn deleting_a_run_removes_its_data() {
    let h = Home::new();
    let run = new_run(&h, "e", &["--param", "p=1"]);
    h.ok(&["run", "log-metric", &run, "loss", "1"]);
    assert_eq!(h.json(&["run", "delete", &run])["id"], run.as_str());
    assert!(h.fails(&["run", "show", &run], 2).contains("not found"));
    assert_eq!(sqlite_count(&h, "SELECT COUNT(*) FROM metric_points"), 0);
    assert_eq!(sqlite_count(&h, "SELECT COUNT(*) FROM run_params"), 0);
    assert_eq!(h.json(&["experiment", "show", "e"])["runs"]["total"], 0);
}

/// Run one `SELECT COUNT(*)`-style query against the home's database directly.
pub(crate) fn sqlite_count(h: &Home, sql: &str) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = browser_ai_mlops_core::store::Store::open(&h.db_path()).await.unwrap();
        let n: i64 = sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap();
        store.close().await;
        n
    })
}

fn sqlite_exec(h: &Home, statements: &[&str]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = browser_ai_mlops_core::store::Store::open(&h.db_path()).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(store.pool()).await.unwrap();
        }
        store.close().await;
    });
}

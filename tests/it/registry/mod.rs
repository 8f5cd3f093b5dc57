//! Integration tests: the model registry through the real binary (register, versions, references, deploy and
//! rollback, archive, compare with performance from runs, export/import) plus direct SQL where the test needs to
//! plant data or poke at the database behind the program's back. Export and import are in `export_import.rs`.

use std::process::Stdio;

use serde_json::Value;

use crate::util::Home;

mod export_import;

/// Run SQL statements against the home's database (opened through the library so it is migrated).
fn sql(h: &Home, statements: &[String]) -> Result<(), String> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let store = browser_ai_mlops_core::store::Store::open(&h.db_path()).await.map_err(|e| e.to_string())?;
        for s in statements {
            sqlx::query(s).execute(store.pool()).await.map_err(|e| e.to_string())?;
        }
        store.close().await;
        Ok(())
    })
}

fn count(h: &Home, table: &str) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = browser_ai_mlops_core::store::Store::open(&h.db_path()).await.unwrap();
        let n = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(store.pool()).await.unwrap();
        store.close().await;
        n
    })
}

fn register(h: &Home, args: &[&str]) -> Value {
    let mut all = vec!["model", "register"];
    all.extend_from_slice(args);
    h.json(&all)
}

/// The version id an alias points at, via the `NAME@ALIAS` reference.
fn alias_target(h: &Home, reference: &str) -> String {
    h.json(&["model", "version", "show", reference])["id"].as_str().unwrap().to_string()
}

#[test]
fn register_list_show_and_resolve_every_reference_form() {
    let h = Home::new();
    let out = h.ok(&["model", "register", "agent", "openai", "gpt-4o-mini", "--temperature", "0.2"]);
    assert!(out.starts_with("registered agent:1 (id "), "{out}");
    let v2 = register(
        &h,
        &["agent", "anthropic", "claude-sonnet-4-5", "--max-tokens", "800", "--top-p", "0.9", "--param", "seed=7"],
    );
    assert_eq!(v2["reference"], "agent:2");
    assert_eq!(v2["config"]["temperature"], 0.0, "default temperature");
    assert_eq!(v2["config"]["extra_params"]["seed"], 7, "numeric params are parsed as JSON");
    let ollama = register(&h, &["local", "ollama", "llama3.1:8b"]);
    assert_eq!(ollama["config"]["base_url"], "http://127.0.0.1:11434/v1");

    let list = h.json(&["model", "list"]);
    let names: Vec<&str> =
        list["models"].as_array().unwrap().iter().map(|m| m["model"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["agent", "local"]);
    assert_eq!(list["models"][0]["latest_version"], 2);
    assert_eq!(list["models"][0]["versions"], 2);
    assert!(h.ok(&["model", "list"]).lines().any(|l| l.contains("agent") && l.contains('2')));

    let show = h.json(&["model", "show", "agent"]);
    assert_eq!(show["versions"].as_array().unwrap().len(), 2);
    let versions = h.json(&["model", "versions", "agent"]);
    assert_eq!(versions["versions"][0]["config"]["model_id"], "gpt-4o-mini");
    assert_eq!(versions["versions"][1]["config"]["max_tokens"], 800);

    let id = v2["id"].as_str().unwrap();
    for reference in [id, "agent", "agent:2"] {
        assert_eq!(h.json(&["model", "version", "show", reference])["id"], id, "{reference}");
    }
    h.ok(&["model", "deploy", "agent:1", "staging"]);
    assert_eq!(h.json(&["model", "version", "show", "agent@staging"])["version"], 1);
    let human = h.ok(&["model", "version", "show", "agent:2"]);
    assert!(human.contains("claude-sonnet-4-5") && human.contains("agent:2"), "{human}");
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let h = Home::new();
    let err = h.fails(&["model", "register", "agent", "openia", "gpt-4o"], 2);
    for p in ["openai", "anthropic", "gemini", "ollama", "openai-compatible", "baseline"] {
        assert!(err.contains(p), "valid provider {p} not listed: {err}");
    }
    let err = h.fails(&["model", "register", "agent", "openai", "gpt-4o", "--temperature", "3.5"], 2);
    assert!(err.contains("temperature") && err.contains("3.5"), "{err}");
    let err = h.fails(&["model", "register", "agent", "openai-compatible", "m"], 2);
    assert!(err.contains("base_url"), "{err}");
    h.fails(&["model", "register", "agent", "openai", "m", "--top-p", "1.5"], 2);
    h.fails(&["model", "register", "agent", "openai", "m", "--max-tokens", "0"], 2);
    h.fails(&["model", "register", "bad:name", "openai", "m"], 2);
    assert_eq!(h.json(&["model", "list"])["models"], serde_json::json!([]));
}

#[test]
fn version_create_inherits_records_the_diff_and_refuses_no_changes() {
    let h = Home::new();
    register(
        &h,
        &[
            "agent",
            "openai",
            "gpt-4o-mini",
            "--temperature",
            "0.2",
            "--system-prompt",
            "Be careful.",
            "--param",
            "seed=1",
        ],
    );
    let v2 = h.json(&[
        "model",
        "version",
        "create",
        "agent",
        "--from",
        "agent:1",
        "--temperature",
        "0.7",
        "--param",
        "retries=3",
        "--changelog",
        "warmer",
    ]);
    assert_eq!(v2["reference"], "agent:2");
    assert_eq!(v2["parent_reference"], "agent:1");
    assert_eq!(v2["config"]["system_prompt"], "Be careful.", "inherited");
    assert_eq!(v2["config"]["extra_params"], serde_json::json!({"retries": 3, "seed": 1}));
    assert_eq!(
        v2["config_diff"],
        serde_json::json!([
            {"field": "temperature", "from": 0.2, "to": 0.7},
            {"field": "extra_params", "from": {"seed": 1}, "to": {"retries": 3, "seed": 1}},
        ])
    );
    let err = h.fails(&["model", "version", "create", "agent", "--from", "agent:2", "--changelog", "same"], 2);
    assert!(err.contains("no changes") && err.contains("agent:2"), "{err}");
    let err = h.fails(&["model", "version", "create", "agent", "--from", "agent:2", "--temperature", "0.7"], 2);
    assert!(err.contains("no changes"), "{err}");
    let v3 = h.json(&[
        "model",
        "version",
        "create",
        "agent",
        "--from",
        "agent:1",
        "--unset",
        "system-prompt",
        "--remove-param",
        "seed",
    ]);
    assert_eq!(v3["config"]["system_prompt"], "");
    assert_eq!(v3["config"]["extra_params"], serde_json::json!({}));
    assert_eq!(h.json(&["model", "versions", "agent"])["versions"].as_array().unwrap().len(), 3);
}

#[test]
fn missing_references_fail_naming_the_reference() {
    let h = Home::new();
    register(&h, &["agent", "baseline", "scripted"]);
    for (reference, detail) in
        [("agent@nope", "no alias"), ("agent:99", "no version 99"), ("ghost", "no model"), ("ghost:1", "no model")]
    {
        let err = h.fails(&["model", "version", "show", reference], 2);
        assert!(err.contains(&format!("{reference:?}")) && err.contains(detail), "{reference}: {err}");
    }
    let err = h.fails(&["model", "deploy", "agent@nope", "production"], 2);
    assert!(err.contains("agent@nope"), "{err}");
    h.fails(&["model", "version", "show", "agent:x"], 2);
    assert_eq!(count(&h, "deployments"), 0);
}

/// Three versions of model `agent` (temperatures 0.0, 0.1, 0.2); their ids in order.
fn three_versions(h: &Home) -> Vec<String> {
    (0..3)
        .map(|i| {
            register(h, &["agent", "baseline", "scripted", "--temperature", &format!("0.{i}")])["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn deploys_stack_and_rollbacks_pop_them() {
    let h = Home::new();
    let ids = three_versions(&h);
    let history = |h: &Home| h.json(&["model", "history", "agent", "--target", "production"])["deployments"].clone();

    let d = h.json(&["model", "deploy", "agent:1", "production", "--reason", "first"]);
    assert_eq!(
        (d["action"].as_str(), d["from_version_id"].is_null(), d["reason"].as_str()),
        (Some("deploy"), true, Some("first"))
    );
    assert_eq!(alias_target(&h, "agent@production"), ids[0]);
    h.ok(&["model", "deploy", "agent:2", "production"]);
    assert_eq!(alias_target(&h, "agent@production"), ids[1]);
    let out = h.ok(&["model", "deploy", &ids[2], "production"]);
    assert!(out.contains("agent:3") && out.contains("agent:2"), "{out}");
    assert_eq!(alias_target(&h, "agent@production"), ids[2]);
    h.ok(&["model", "deploy", "agent:3", "staging"]);

    let err = h.fails(&["model", "deploy", "agent:3", "production"], 2);
    assert!(err.contains("already deployed"), "{err}");
    assert_eq!(history(&h).as_array().unwrap().len(), 3, "a refused deploy appends nothing");

    let r = h.json(&["model", "rollback", "agent", "production", "--reason", "regression"]);
    assert_eq!(
        (r["action"].as_str(), r["from_version_id"].as_str(), r["to_version_id"].as_str()),
        (Some("rollback"), Some(ids[2].as_str()), Some(ids[1].as_str()))
    );
    assert_eq!(alias_target(&h, "agent@production"), ids[1]);
    h.ok(&["model", "rollback", "agent", "production"]);
    assert_eq!(alias_target(&h, "agent@production"), ids[0]);
    let err = h.fails(&["model", "rollback", "agent", "production"], 2);
    assert!(err.contains("nothing to roll back"), "{err}");
    assert_eq!(alias_target(&h, "agent@production"), ids[0]);
    assert_eq!(alias_target(&h, "agent@staging"), ids[2], "other targets are untouched");

    let hist = history(&h);
    let moves: Vec<(String, String, String)> = hist
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or("-").to_string();
            (s("action"), s("from_reference"), s("to_reference"))
        })
        .collect();
    let expect = |a: &str, f: &str, t: &str| (a.to_string(), f.to_string(), t.to_string());
    assert_eq!(
        moves,
        [
            expect("rollback", "agent:2", "agent:1"),
            expect("rollback", "agent:3", "agent:2"),
            expect("deploy", "agent:2", "agent:3"),
            expect("deploy", "agent:1", "agent:2"),
            expect("deploy", "-", "agent:1"),
        ]
    );
    assert_eq!(h.json(&["model", "history", "agent"])["deployments"].as_array().unwrap().len(), 6);
    assert!(h.ok(&["model", "history", "agent"]).contains("regression"));

    // After a rollback, a new deploy is undone by the next rollback.
    h.ok(&["model", "deploy", "agent:3", "production"]);
    h.ok(&["model", "rollback", "agent", "production"]);
    assert_eq!(alias_target(&h, "agent@production"), ids[0]);
}

#[test]
fn archived_versions_cannot_be_deployed_or_rolled_back_to() {
    let h = Home::new();
    for _ in 0..3 {
        register(&h, &["agent", "baseline", "scripted"]);
    }
    h.ok(&["model", "deploy", "agent:1", "production"]);
    h.ok(&["model", "deploy", "agent:2", "production"]);
    let err = h.fails(&["model", "archive", "agent:2"], 2);
    assert!(err.contains("production") && err.contains("archive it with force"), "{err}");
    assert!(err.contains("hint: pass --force"), "{err}");
    assert!(h.json(&["model", "version", "show", "agent:2"])["archived_at_ms"].is_null());

    let archived = h.json(&["model", "archive", "agent:3"]);
    assert!(archived["archived_at_ms"].is_i64());
    let before = count(&h, "deployments");
    let err = h.fails(&["model", "deploy", "agent:3", "production"], 2);
    assert!(err.contains("agent:3") && err.contains("archived"), "{err}");
    assert_eq!(count(&h, "deployments"), before);
    h.fails(&["model", "archive", "agent:3"], 2);

    h.json(&["model", "archive", "agent:1"]);
    let err = h.fails(&["model", "rollback", "agent", "production"], 2);
    assert!(err.contains("agent:1") && err.contains("archived"), "{err}");
    assert_eq!(count(&h, "deployments"), before);
    let forced = h.json(&["model", "archive", "agent:2", "--force"]);
    assert_eq!(forced["aliases"], serde_json::json!(["production"]), "the alias stays where it was");
}

#[test]
fn concurrent_registrations_get_distinct_consecutive_numbers() {
    let h = Home::new();
    h.json(&["model", "list"]);
    let n = 8;
    let children: Vec<_> = (0..n)
        .map(|i| {
            let t = format!("0.{i}");
            h.cmd(&["model", "register", "agent", "baseline", "scripted", "--temperature", &t])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let versions = h.json(&["model", "versions", "agent"]);
    let mut numbers: Vec<i64> =
        versions["versions"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    numbers.sort();
    assert_eq!(numbers, (1..=n).collect::<Vec<i64>>());
    let mut temps: Vec<String> =
        versions["versions"].as_array().unwrap().iter().map(|v| v["config"]["temperature"].to_string()).collect();
    temps.sort();
    temps.dedup();
    assert_eq!(temps.len(), n as usize, "every process wrote its own version");
}

#[test]
fn compare_derives_performance_from_linked_runs() {
    let h = Home::new();
    let v = three_versions(&h);
    // (version index, success, steps, cost_usd, duration_ms, [(input, output) tokens per message])
    type Run = (usize, Option<f64>, Option<f64>, Option<f64>, Option<f64>, Vec<(i64, i64)>);
    let runs: Vec<Run> = vec![
        (0, Some(1.0), Some(12.0), Some(0.031), Some(4200.0), vec![(1000, 200), (1500, 120)]),
        (0, Some(0.0), Some(30.0), Some(0.090), Some(9100.0), vec![(3000, 400)]),
        (0, Some(1.0), Some(9.0), Some(0.020), Some(3100.0), vec![]),
        (0, Some(1.0), Some(15.0), None, Some(5000.0), vec![(10, 5)]),
        (1, None, Some(7.0), Some(0.5), Some(800.0), vec![(50, 50)]),
        (1, Some(1.0), None, None, None, vec![]),
    ];
    let mut statements =
        vec!["INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES ('e', 'eval', 0, 0)".to_string()];
    for (i, (ver, success, steps, cost, duration, msgs)) in runs.iter().enumerate() {
        statements.push(format!(
            "INSERT INTO runs (id, experiment_id, status, model_version_id, start_ms, updated_at_ms) VALUES ('r{i}', 'e', 'finished', '{}', 0, 0)",
            v[*ver]
        ));
        for (key, value) in [("success", success), ("steps", steps), ("cost_usd", cost), ("duration_ms", duration)] {
            if let Some(x) = value {
                statements.push(format!(
                    "INSERT INTO run_metric_summary VALUES ('r{i}', '{key}', {x}, 1, 0, {x}, {x}, {x}, 1)"
                ));
            }
        }
        // An earlier point of another key must not count.
        statements.push(format!("INSERT INTO run_metric_summary VALUES ('r{i}', 'reward', 99, 1, 0, 99, 99, 99, 1)"));
        for (input, output) in msgs {
            statements.push(format!(
                "INSERT INTO run_messages (run_id, role, content, input_tokens, output_tokens, reasoning_tokens, ts_ms) \
                 VALUES ('r{i}', 'assistant', 'x', {input}, {output}, 7, 0)"
            ));
        }
    }
    sql(&h, &statements).unwrap();

    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let pct = |xs: &[f64], p: f64| {
        let mut s = xs.to_vec();
        s.sort_by(f64::total_cmp);
        let rank = p * (s.len() - 1) as f64;
        let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
        s[lo] + (s[hi] - s[lo]) * (rank - lo as f64)
    };
    let of = |ver: usize, pick: fn(&Run) -> Option<f64>| -> Vec<f64> {
        runs.iter().filter(|r| r.0 == ver).filter_map(pick).collect()
    };
    let tokens =
        |ver: usize| -> i64 { runs.iter().filter(|r| r.0 == ver).flat_map(|r| r.5.iter()).map(|(a, b)| a + b).sum() };
    let close = |got: &Value, want: f64| (got.as_f64().unwrap() - want).abs() < 1e-9;

    let cmp = h.json(&["model", "compare", "agent:1", "agent:2", "agent:3"]);
    let p1 = &cmp["columns"][0]["performance"];
    assert_eq!(p1["runs"], 4);
    assert!(close(&p1["success_rate"], mean(&of(0, |r| r.1))), "{p1}");
    assert!(close(&p1["mean_steps"], mean(&of(0, |r| r.2))), "{p1}");
    assert!(close(&p1["mean_cost_usd"], mean(&of(0, |r| r.3))), "{p1}");
    assert!(close(&p1["p50_duration_ms"], pct(&of(0, |r| r.4), 0.5)), "{p1}");
    assert!(close(&p1["p95_duration_ms"], pct(&of(0, |r| r.4), 0.95)), "{p1}");
    assert_eq!(p1["total_tokens"], tokens(0));
    let p2 = &cmp["columns"][1]["performance"];
    assert_eq!(p2["runs"], 2);
    assert!(close(&p2["success_rate"], 1.0) && p2["success_runs"] == 1, "only runs that logged success count: {p2}");
    assert!(close(&p2["p50_duration_ms"], 800.0) && close(&p2["p95_duration_ms"], 800.0), "{p2}");
    assert_eq!(p2["total_tokens"], tokens(1));
    assert!(cmp["columns"][2]["performance"].is_null(), "no runs → null, not zeros");
    assert_eq!(cmp["differing"], serde_json::json!(["temperature"]));

    let human = h.ok(&["model", "compare", "agent:1", "agent:2", "agent:3"]);
    assert!(human.contains("agent:3: no evaluation results yet"), "{human}");
    assert!(!human.contains("agent:1: no evaluation"), "{human}");
    let temp_row = human.lines().find(|l| l.trim_start().starts_with("temperature")).unwrap();
    assert!(temp_row.trim_end().ends_with('*'), "differing field is marked: {temp_row}");
    h.fails(&["model", "compare", "agent:1", "agent:1"], 2);
    h.fails(&["model", "compare", "agent:1"], 2);
}

#[test]
fn versions_cannot_be_rewritten_by_sql() {
    let h = Home::new();
    let v = register(&h, &["agent", "openai", "gpt-4o", "--temperature", "0.2"]);
    let id = v["id"].as_str().unwrap();
    for set in ["temperature = 1.5", "system_prompt = 'hacked'", "version = 5", "model = 'other'"] {
        let err = sql(&h, &[format!("UPDATE model_versions SET {set} WHERE id = '{id}'")]).unwrap_err();
        assert!(err.contains("immutable"), "{set}: {err}");
    }
    h.ok(&["model", "deploy", "agent:1", "production"]);
    let err = sql(&h, &["UPDATE deployments SET reason = 'rewritten'".to_string()]).unwrap_err();
    assert!(err.contains("append-only"), "{err}");
    let after = h.json(&["model", "version", "show", "agent:1"]);
    assert_eq!(after["config"], v["config"]);
}

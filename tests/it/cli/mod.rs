//! Integration tests of the binary as a whole: the demo, the benchmark command, global flags and environment
//! variables, damaged or newer databases, shell completions. The binary as a Unix tool (completion in bash, closed
//! pipes, JSON errors, exit codes, numbers and statuses as printed) is checked in `unix.rs`, the former command
//! spellings (`evaluate`, `generate-report`) in `aliases.rs`.

mod aliases;
mod unix;

use crate::util::Home;

/// The demo's numbers are real: each sweep run's stored losses equal a fresh recomputation of the same training.
#[test]
fn demo_stores_what_it_reports_and_the_numbers_recompute() {
    let home = Home::new();
    let report = home.json(&["demo", "--category", "dynamic"]);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for run in runs {
        let lr = run["learning_rate"].as_f64().unwrap();
        let expected = browser_ai_mlops_core::api::demo::sweep::train(lr, 300, 1e6);
        let id = run["run_id"].as_str().unwrap();
        let history = home.json(&["run", "metric", id, "loss"]);
        let points = history["points"].as_array().unwrap();
        assert_eq!(points.len(), expected.len(), "lr {lr}: stored points vs recomputed steps");
        for (p, e) in points.iter().zip(&expected) {
            assert!((p["value"].as_f64().unwrap() - e).abs() < 1e-12, "lr {lr}: stored {p} vs {e}");
        }
        let status = run["status"].as_str().unwrap();
        assert_eq!(status, if expected.len() == 300 { "finished" } else { "failed" }, "lr {lr}");
        let shown = home.json(&["run", "show", id]);
        assert_eq!(shown["run"]["status"], status);
    }
    // The search result is exactly the finished runs whose final loss is below 0.01.
    let mut expected: Vec<&str> = runs
        .iter()
        .filter(|r| r["final_loss"].as_f64().is_some_and(|l| l < 0.01))
        .map(|r| r["run_id"].as_str().unwrap())
        .collect();
    let mut got: Vec<&str> = report["search_matches"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    // Registry: v1 deployed, v2 deployed, rolled back → staging is v1 again; three audit records.
    assert_eq!(report["staging_after_rollback"], "demo-baseline-agent:1");
    let history = home.json(&["model", "history", "demo-baseline-agent"]);
    assert_eq!(history["deployments"].as_array().unwrap().len(), 3);
    // A second demo on the same data dir works and adds a new experiment and new versions.
    let again = home.json(&["demo", "--no-eval"]);
    assert_ne!(again["experiment"], report["experiment"]);
    assert_eq!(again["staging_after_rollback"], "demo-baseline-agent:3");
    assert!(again["evaluation"].is_null());

    // The browser-agent part: two versions evaluated on the same tasks; the stored results agree with the report.
    let eval = &report["evaluation"];
    let versions = eval["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    for v in versions {
        let stored = home.json(&["eval", "results", v["evaluation_id"].as_str().unwrap()]);
        assert_eq!(stored["summary"]["successes"], v["successes"]);
        assert_eq!(stored["summary"]["attempts"], v["attempts"]);
        assert!(stored["results"].as_array().unwrap().iter().all(|r| r["category"] == "dynamic"));
    }
    let (a, b) = (versions[0]["successes"].as_u64().unwrap(), versions[1]["successes"].as_u64().unwrap());
    let expected_deploy = if a > b {
        Some("demo-web-agent:1")
    } else if b > a {
        Some("demo-web-agent:2")
    } else {
        None
    };
    assert_eq!(eval["deployed_to_staging"].as_str(), expected_deploy);
    let p = eval["comparison_p_value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    // The monitoring collector saw every attempt of both evaluations (the second demo ran none), and the report the
    // first demo wrote is an HTML file with charts.
    let attempts: u64 = versions.iter().map(|v| v["attempts"].as_u64().unwrap()).sum();
    assert_eq!(report["monitored_tasks"].as_u64().unwrap(), attempts);
    let html = std::fs::read_to_string(report["report"].as_str().unwrap()).unwrap();
    assert!(html.contains("<svg"), "the demo report has inline charts");
}

#[test]
fn bench_counts_what_it_generated() {
    let home = Home::new();
    let out = home.run(&["--json", "bench", "--points", "3000", "--runs", "300", "--searches", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Progress is drawn only on a terminal: none of it lands in a piped stderr.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "no progress lines into a pipe");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["points"], 3000);
    assert_eq!(report["search_runs"], 300);
    let searches = report["searches"].as_array().unwrap();
    let unfiltered = searches.iter().find(|s| s["filter"] == "(none)").unwrap();
    assert_eq!(unfiltered["total"], 300, "no filter must match every generated run");
    for s in searches {
        assert!(s["total"].as_i64().unwrap() <= 300);
        assert!(s["p95_ms"].as_f64().unwrap() >= s["p50_ms"].as_f64().unwrap());
    }
    // The benchmark never touches the user's data dir.
    assert!(!home.db_path().exists());
}

#[test]
fn data_dir_comes_from_the_environment_when_no_flag_is_given() {
    let home = Home::new();
    let dir = home.path().join("from-env");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_browser-ai-mlops"))
        .env("BROWSER_AI_MLOPS_DATA_DIR", &dir)
        .env("BROWSER_AI_MLOPS_CONFIG_DIR", home.config_dir())
        .args(["experiment", "create", "env-dir"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("mlops.db").exists());
    // The flag wins over the variable.
    let out = home.cmd(&["--json", "experiment", "list"]).env("BROWSER_AI_MLOPS_DATA_DIR", &dir).output().unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "flag data dir must be used, not the env one");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_by_name_and_left_alone() {
    let home = Home::new();
    std::fs::create_dir_all(home.data_dir()).unwrap();
    std::fs::write(home.db_path(), "name,score\nalice,3\n").unwrap();
    let stderr = home.fails(&["experiment", "list"], 2);
    assert!(stderr.contains("mlops.db") && stderr.contains("not an SQLite database"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(home.db_path()).unwrap(), "name,score\nalice,3\n");
}

#[test]
fn a_database_from_a_newer_version_is_refused_naming_both_versions() {
    let home = Home::new();
    home.ok(&["experiment", "create", "old"]);
    let supported = browser_ai_mlops_core::store::Store::supported_schema_version();
    let newer = supported + 10;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = browser_ai_mlops_core::store::Store::open(&home.db_path()).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             VALUES (?, 'future', CURRENT_TIMESTAMP, 1, x'00', 0)",
        )
        .bind(newer)
        .execute(store.pool())
        .await
        .unwrap();
        store.close().await;
    });
    let stderr = home.fails(&["experiment", "list"], 2);
    assert!(stderr.contains(&newer.to_string()) && stderr.contains(&supported.to_string()), "{stderr}");
}

#[test]
fn completions_are_generated_for_bash_and_name_real_subcommands() {
    let home = Home::new();
    let script = home.ok(&["completions", "bash"]);
    for word in ["experiment", "model", "config", "run", "demo", "log-batch", "set-feature-flag"] {
        assert!(script.contains(word), "bash completion lacks {word}");
    }
    home.fails(&["completions", "tcsh-not-a-shell"], 2);
}

#[test]
fn unknown_commands_and_bad_overrides_exit_2() {
    let home = Home::new();
    home.fails(&["experiment", "frobnicate"], 2);
    let stderr = home.fails(&["--set", "no-equals-sign", "config", "show"], 2);
    assert!(stderr.contains("SECTION.KEY=VALUE"), "{stderr}");
}

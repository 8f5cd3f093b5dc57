//! Integration tests of `evaluate benchmark` / `evaluate model` / `agent run` through the real binary on real
//! Chromium: results stored per attempt, one tracker run per attempt, JUnit output, threshold exit code, resume.

use crate::util::Home;

fn suite_path() -> String {
    format!("{}/tests/fixtures/suites/runner-smoke.yaml", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn benchmark_stores_one_result_and_one_run_per_attempt_and_honours_the_threshold() {
    let home = Home::new();
    home.ok(&["model", "register", "smoke", "baseline", "label-matcher"]);
    let junit = home.path().join("junit.xml");
    let suite = suite_path();
    let out = home
        .cmd(&[
            "--json",
            "evaluate",
            "benchmark",
            "smoke:1",
            "--suite",
            &suite,
            "--repeats",
            "2",
            "--concurrency",
            "2",
            "--junit",
            junit.to_str().unwrap(),
            "--min-success-rate",
            "0.9",
        ])
        .output()
        .unwrap();
    // One task always passes and one never does: 2 of 4 attempts, below 0.9 → exit 1.
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let summary = &results["summary"];
    assert_eq!(summary["attempts"], 4);
    assert_eq!(summary["successes"], 2);
    let rows = results["results"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for r in rows {
        let passed = r["success"].as_bool().unwrap();
        assert_eq!(passed, r["task_id"] == "stays-on-news", "{r}");
        let score = r["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        if !passed {
            assert!(score < 1.0);
            let evidence = r["evidence"].as_array().unwrap();
            assert!(evidence.iter().any(|e| e["observed"] == "false"), "the js check saw false: {r}");
        }
        // Each attempt is a tracker run linked to the version, ended, with recorded actions.
        let run_id = r["run_id"].as_str().unwrap();
        let run = home.json(&["run", "show", run_id]);
        assert_eq!(run["run"]["status"], "finished", "{run}");
        assert!(run["run"]["model_version_id"].is_string());
        assert_eq!(run["params"]["task_id"], r["task_id"]);
        assert!(run["totals"]["actions"].as_i64().unwrap() >= 1, "the agent acted in the browser: {run}");
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 4);
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert!(xml.contains("tests=\"4\" failures=\"2\""));

    // Resume: every attempt is stored, so nothing runs again and the numbers stay the same.
    let id = summary["evaluation"]["id"].as_str().unwrap();
    let resumed = home.json(&["evaluate", "benchmark", "smoke:1", "--suite", &suite, "--repeats", "2", "--resume", id]);
    assert_eq!(resumed["summary"]["attempts"], 4);
    let again: Vec<&str> =
        resumed["results"].as_array().unwrap().iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    let before: Vec<&str> = rows.iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    assert_eq!(again, before, "resume must not rerun stored attempts");

    // The registry's compare now derives the version's performance from these results.
    home.ok(&["model", "version", "create", "smoke", "--from", "smoke:1", "--temperature", "0.5"]);
    let cmp = home.json(&["model", "compare", "smoke:1", "smoke:2"]);
    let evaluated = &cmp["columns"][0]["performance"];
    assert_eq!(evaluated["success_rate"].as_f64(), Some(0.5), "2 of 4 attempts passed: {cmp}");
    assert!(cmp["columns"][1]["performance"].is_null(), "smoke:2 was never evaluated: {cmp}");
}

#[test]
fn unknown_model_or_task_is_an_input_error() {
    let home = Home::new();
    home.ok(&["model", "register", "smoke", "baseline", "label-matcher"]);
    let stderr = home.fails(&["evaluate", "model", "nope:1", "stays-on-news", "--suite", &suite_path()], 2);
    assert!(stderr.contains("nope"), "{stderr}");
    let stderr = home.fails(&["evaluate", "model", "smoke:1", "no-such-task", "--suite", &suite_path()], 2);
    assert!(stderr.contains("no-such-task"), "{stderr}");
}

#[test]
fn agent_run_drives_the_browser_and_is_tracked_as_a_run() {
    let home = Home::new();
    let r = home.json(&["agent", "run", "Open the article 'Rivers of the North'", "--start-url", "site://news/"]);
    let run_id = r["run_id"].as_str().unwrap();
    let steps = r["outcome"]["steps"].as_u64().unwrap();
    assert!(steps >= 1);
    let run = home.json(&["run", "show", run_id]);
    assert_eq!(run["run"]["status"], "finished");
    assert_eq!(run["params"]["task"], "Open the article 'Rivers of the North'");
    // The baseline clicks the link whose text matches; the final page is that article.
    let final_url = r["outcome"]["final_url"].as_str().unwrap();
    assert!(final_url.contains("article.html"), "final url {final_url}");
    assert!(run["totals"]["actions"].as_i64().unwrap() >= 1);
}

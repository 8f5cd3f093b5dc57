//! Integration tests of `eval benchmark` / `eval model` / `agent run` through the real binary on real
//! Chromium: results stored per attempt, one tracker run per attempt, JUnit output, threshold exit code, resume.

use crate::util::Home;

fn suite_path() -> String {
    format!("{}/tests/fixtures/suites/runner-smoke.yaml", concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
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
            "eval",
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
    let resumed = home.json(&["eval", "benchmark", "smoke:1", "--suite", &suite, "--repeats", "2", "--resume", id]);
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
    let stderr = home.fails(&["eval", "model", "nope:1", "stays-on-news", "--suite", &suite_path()], 2);
    assert!(stderr.contains("nope"), "{stderr}");
    let stderr = home.fails(&["eval", "model", "smoke:1", "no-such-task", "--suite", &suite_path()], 2);
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

fn miniwob_fixture() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/fixtures/miniwob")
}

/// Raw rewards the fixture pages' own graders give for the button their utterance names
/// (tests/fixtures/miniwob/miniwob/*.html), and the adapter's mapping of a reward r to a score: (r + 1) / 2.
const FIXTURE_REWARDS: [(&str, f64); 3] = [("click-button", 1.0), ("click-partial", 0.5), ("click-penalty", -0.5)];

fn expected_score(reward: f64) -> f64 {
    (reward + 1.0) / 2.0
}

#[test]
fn miniwob_tasks_run_through_the_cli_and_are_scored_by_the_pages_reward() {
    let home = Home::new();
    home.ok(&["model", "register", "mw", "baseline", "label-matcher"]);
    let dir = miniwob_fixture();
    let mut args = vec!["eval", "benchmark", "mw:1", "--miniwob-dir", dir.to_str().unwrap()];
    let ids: Vec<String> = FIXTURE_REWARDS.iter().map(|(t, _)| format!("miniwob:{t}")).collect();
    for id in &ids {
        args.extend(["--task", id.as_str()]);
    }
    let out = home.json(&args);
    let rows = out["results"].as_array().unwrap();
    assert_eq!(rows.len(), FIXTURE_REWARDS.len(), "{out}");
    for (task, reward) in FIXTURE_REWARDS {
        let row = rows.iter().find(|r| r["task_id"] == format!("miniwob-{task}")).unwrap_or_else(|| panic!("{out}"));
        assert_eq!(row["score"].as_f64(), Some(expected_score(reward)), "{task}: {row}");
        assert_eq!(row["success"].as_bool(), Some(reward > 0.0), "{task}: {row}");
        let observed = row["evidence"][0]["observed"].as_str().unwrap();
        assert!(observed.starts_with(&format!("raw reward {reward}")), "{task}: {observed}");
        // Stored like any other task: one finished tracker run per attempt, with the agent's actions.
        let run = home.json(&["run", "show", row["run_id"].as_str().unwrap()]);
        assert_eq!(run["run"]["status"], "finished", "{run}");
        assert!(run["totals"]["actions"].as_i64().unwrap() >= 1, "{run}");
    }
    assert_eq!(out["summary"]["attempts"], 3);
    assert_eq!(out["summary"]["successes"], 2);
    let id = out["summary"]["evaluation"]["id"].as_str().unwrap();
    let stored = home.json(&["eval", "results", id]);
    assert_eq!(stored["results"].as_array().unwrap().len(), 3, "{stored}");
}

#[test]
fn the_miniwob_dir_can_come_from_the_config_and_bad_dirs_or_tasks_are_input_errors() {
    let home = Home::new();
    home.ok(&["model", "register", "mw", "baseline", "label-matcher"]);
    // Neither the flag nor the config: exit 2, naming both ways to give it.
    let err = home.fails(&["eval", "model", "mw:1", "miniwob:click-button"], 2);
    assert!(err.contains("hint: pass --miniwob-dir") && err.contains("experiments.miniwob_dir"), "{err}");
    let missing = home.path().join("no-such-html");
    let err =
        home.fails(&["eval", "model", "mw:1", "miniwob:click-button", "--miniwob-dir", missing.to_str().unwrap()], 2);
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    let err = home.fails(
        &["eval", "model", "mw:1", "miniwob:no-such-task", "--miniwob-dir", miniwob_fixture().to_str().unwrap()],
        2,
    );
    assert!(err.contains("miniwob:no-such-task"), "{err}");

    // A relative configured path is read from the config file's folder: copy the fixture next to the config.
    let copy = home.config_dir().join("mw-html");
    for sub in ["core", "miniwob"] {
        std::fs::create_dir_all(copy.join(sub)).unwrap();
        for entry in std::fs::read_dir(miniwob_fixture().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, copy.join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    home.ok(&["config", "set", "experiments.miniwob_dir", "mw-html"]);
    let out = home.json(&["eval", "model", "mw:1", "miniwob:click-partial"]);
    let row = &out["results"][0];
    assert_eq!(row["task_id"], "miniwob-click-partial", "{out}");
    assert_eq!(row["score"].as_f64(), Some(expected_score(0.5)), "{row}");
    // The flag wins over the config.
    let err =
        home.fails(&["eval", "model", "mw:1", "miniwob:click-partial", "--miniwob-dir", missing.to_str().unwrap()], 2);
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
}

#[test]
fn an_evaluation_attempt_runs_in_the_remote_browser_named_by_cdp_url() {
    // The remote browser's user agent is unique to it, so a check that sees it proves where the page ran.
    let marker = format!("bam-remote-{}", std::process::id());
    let remote = crate::browser::remote_cdp::RemoteChromium::start(&[&format!("--user-agent={marker}")]);
    let home = Home::new();
    home.ok(&["model", "register", "rb", "baseline", "label-matcher"]);
    let suite = home.path().join("remote.yaml");
    std::fs::write(
        &suite,
        format!(
            "suite: remote\ntasks:\n  - id: where\n    name: Where does the page run\n    category: navigation\n    \
             difficulty: easy\n    prompt: Open the news site.\n    start_url: site://news/\n    max_steps: 1\n    \
             timeout_secs: 60\n    check:\n      js: \"navigator.userAgent === '{marker}'\"\n"
        ),
    )
    .unwrap();
    let set = format!("browser.cdp_url={}", remote.ws_url);
    let out = home.json(&["--set", &set, "eval", "benchmark", "rb:1", "--suite", suite.to_str().unwrap()]);
    let row = &out["results"][0];
    assert_eq!(row["success"], true, "the check saw the remote browser's user agent: {row}");
    assert!(remote.page_urls_blocking().iter().all(|u| !u.contains("/news/")), "the attempt's tab was closed");

    // The same evaluation without cdp_url launches a local browser, whose user agent is not the marker.
    let local = home.json(&["eval", "benchmark", "rb:1", "--suite", suite.to_str().unwrap()]);
    assert_eq!(local["results"][0]["success"], false, "{local}");

    // A dead endpoint is an error naming the URL.
    let dead = crate::browser::remote_cdp::dead_cdp_url();
    let set = format!("browser.cdp_url={dead}");
    let err = home.fails(&["--set", &set, "agent", "run", "Open the news", "--start-url", "site://news/"], 1);
    assert!(err.contains(&dead), "{err}");
}

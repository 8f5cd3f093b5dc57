//! The offline baseline on a site it was never written for (`tests/fixtures/unseen/`): every page opens behind a
//! cookie banner that covers it, answers sit on pages linked from the front page, one article is only reachable
//! through the site's search, and the newsletter form is on its own page. Run through `eval benchmark` on real
//! Chromium; each task must pass, and the banner must have been dismissed with its least-consenting choice.

use browser_ai_mlops_testkit::TestServer;

use crate::util::Home;

fn suite(base: &str) -> String {
    let task = |id: &str, prompt: &str, check: &str| {
        format!(
            "  - id: {id}\n    name: {id}\n    category: navigation\n    prompt: \"{prompt}\"\n    start_url: \
             \"{base}/index.html\"\n    max_steps: 12\n    timeout_secs: 90\n    check:\n{check}\n"
        )
    };
    let consent_rejected = "        - js: 'localStorage.getItem(\"consent\") === \"essential\"'";
    let tasks = [
        task(
            "moons",
            "How many moons does Vesta-9 have?",
            &format!("      all:\n        - answer: {{contains: \"14\"}}\n{consent_rejected}"),
        ),
        task("depth", "At what depth does the anglerfish hunt?", "      answer: {contains: \"2,400\"}"),
        task(
            "solar",
            "Open the article about solar sails.",
            &format!("      all:\n        - url_matches: 'solar-sails\\.html'\n{consent_rejected}"),
        ),
        task(
            "newsletter",
            "Use the newsletter form to subscribe with the name Ana Lima and the email ana@example.com.",
            "      js: '(JSON.parse(localStorage.getItem(\"subscribed\") || \"{}\").email || \"\") === \
             \"ana@example.com\"'",
        ),
    ];
    format!("suite: unseen\ntasks:\n{}", tasks.concat())
}

#[test]
fn the_baseline_gets_past_a_cookie_banner_follows_links_and_searches_on_an_unseen_site() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/fixtures/unseen");
    let server = rt.block_on(TestServer::start(Some(root), vec![])).unwrap();
    let home = Home::new();
    home.ok(&["model", "register", "base", "baseline", "label-matcher"]);
    let path = home.path().join("unseen.yaml");
    std::fs::write(&path, suite(server.url("").trim_end_matches('/'))).unwrap();
    let out = home.json(&["eval", "benchmark", "base:1", "--suite", path.to_str().unwrap(), "--concurrency", "2"]);
    for r in out["results"].as_array().unwrap() {
        let steps = home.ok(&["run", "steps", r["run_id"].as_str().unwrap()]);
        assert_eq!(r["success"], true, "{}:\n{steps}", r["task_id"]);
    }
    assert_eq!(out["summary"]["successes"], 4, "{out}");
    drop(server);
}

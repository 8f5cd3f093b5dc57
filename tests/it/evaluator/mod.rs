//! Evaluator core: the bundled-site server (content types, redirects, 404, traversal, per-attempt submissions),
//! suite loading and its file:line errors, and the `eval list-tasks` CLI. Checks on real Chromium and MiniWoB
//! (`browser.rs`), the results store (`results.rs`), the evaluations list (`list.rs`) and running evaluations through
//! the binary (`run.rs`) live in the submodules.

mod browser;
mod list;
mod results;
mod run;
mod seeds;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use browser_ai_mlops_core::evaluator::suite;
use browser_ai_mlops_core::sites::{self, SiteServer};

use crate::util::Home;

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Send a raw request line (so no client normalises the path) and return the status code.
async fn raw_status(server: &SiteServer, path: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn every_site_index_is_served_as_html_and_assets_have_their_types() {
    let server = SiteServer::start().await.unwrap();
    let http = client();
    for site in sites::site_names() {
        let r = http.get(format!("{}/{site}/", server.base_url())).send().await.unwrap();
        assert_eq!(r.status(), 200, "{site}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8", "{site}");
        let body = r.text().await.unwrap();
        assert!(body.to_lowercase().contains("<html"), "{site} index is not HTML");
    }
    let css = http.get(format!("{}/shop/style.css", server.base_url())).send().await.unwrap();
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let js = http.get(format!("{}/shop/shop.js", server.base_url())).send().await.unwrap();
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    // The same file under an attempt prefix is the same bytes.
    let plain = http.get(format!("{}/shop/cart.html", server.base_url())).send().await.unwrap().bytes().await.unwrap();
    let scoped = server.resolve_for("att-1", "site://shop/cart.html").unwrap();
    let scoped = http.get(scoped).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(plain, scoped);
    server.shutdown().await;
}

#[tokio::test]
async fn redirects_404s_and_traversal() {
    let server = SiteServer::start().await.unwrap();
    let http = client();
    let r = http.get(format!("{}/shop?x=1", server.base_url())).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(r.headers()["location"], "/shop/?x=1");
    let r = http.get(format!("{}/a/att-9/news", server.base_url())).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/a/att-9/news/");
    for missing in ["/shop/nothing.html", "/nosite/", "/", "/a/bad!id/shop/"] {
        let r = http.get(format!("{}{missing}", server.base_url())).send().await.unwrap();
        assert_eq!(r.status(), 404, "{missing}");
    }
    assert_eq!(raw_status(&server, "/shop/../forms/index.html").await, 400);
    assert_eq!(raw_status(&server, "/shop/%2e%2e/%2e%2e/etc/passwd").await, 400);
    assert_eq!(raw_status(&server, "/shop/..%5c..%5cCargo.toml").await, 400);
    assert_eq!(raw_status(&server, "/shop/cart.html").await, 200);
    server.shutdown().await;
    // The MiniWoB directory is a real directory on disk: nothing outside it may be reached.
    let server = SiteServer::start_with(Some(std::path::Path::new(&fixture("miniwob")))).await.unwrap();
    assert_eq!(raw_status(&server, "/__miniwob/core/core.js").await, 200);
    assert_eq!(raw_status(&server, "/__miniwob/../suites/mini.yaml").await, 400);
    assert_eq!(raw_status(&server, "/__miniwob/%2e%2e/suites/mini.yaml").await, 400);
    assert_eq!(raw_status(&server, "/__miniwob/nothing.html").await, 404);
    server.shutdown().await;
}

#[tokio::test]
async fn submissions_are_recorded_per_attempt_and_bad_bodies_refused() {
    let server = SiteServer::start().await.unwrap();
    let http = client();
    let url = format!("{}/__backend/submit", server.base_url());
    let (one, two) = (server.new_attempt(), server.new_attempt());
    assert_ne!(one, two);
    let body = serde_json::json!({"site": "shop", "form": "checkout", "fields": {"name": "Ann Lee", "qty": 2}});
    let referer = server.resolve_for(&one, "site://shop/checkout.html").unwrap();
    let r = http.post(&url).header("referer", referer).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(answer["ok"], true);
    let id = answer["id"].as_str().unwrap().to_string();
    assert!(!id.is_empty() && id.len() <= 12 && id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
    // One without an attempt prefix (unscoped) and one from the other attempt.
    let r = http.post(&url).header("referer", server.resolve("site://forms/contact.html")).json(&body).send().await;
    assert_eq!(r.unwrap().status(), 200);
    let other = serde_json::json!({"site": "forms", "form": "contact", "fields": {}});
    let referer = server.resolve_for(&two, "site://forms/contact.html").unwrap();
    assert_eq!(http.post(&url).header("referer", referer).json(&other).send().await.unwrap().status(), 200);

    let mine = server.submissions(&one);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, id);
    assert_eq!((mine[0].site.as_str(), mine[0].form.as_str()), ("shop", "checkout"));
    assert_eq!(mine[0].fields["name"], "Ann Lee");
    assert_eq!(mine[0].fields["qty"], "2");
    assert!(mine[0].received_at_ms > 0);
    assert_eq!(server.submissions(&two).len(), 1);
    assert_eq!(server.submissions(&two)[0].form, "contact");
    assert_eq!(server.submissions("").len(), 1);

    let bad = http.post(&url).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let missing = http.post(&url).json(&serde_json::json!({"site": "shop"})).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    let huge = format!("{{\"site\":\"s\",\"form\":\"f\",\"fields\":{{\"x\":\"{}\"}}}}", "a".repeat(200_000));
    let r = http.post(&url).header("content-type", "application/json").body(huge).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(server.submissions(&one).len(), 1, "refused bodies must not be recorded");
    server.shutdown().await;
}

#[tokio::test]
async fn the_builtin_suite_loads_with_54_unique_tasks_whose_start_pages_exist() {
    let loaded = suite::load("builtin").unwrap();
    assert_eq!(loaded.suite.suite, "builtin");
    assert_eq!(loaded.suite.tasks.len(), 54);
    let ids: std::collections::HashSet<&str> = loaded.suite.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids.len(), 54);
    assert_eq!(loaded.hash.len(), 64);
    let server = SiteServer::start().await.unwrap();
    let http = client();
    for task in &loaded.suite.tasks {
        assert!(task.start_url.starts_with("site://"), "{}", task.id);
        let url = server.resolve_for("check", &task.start_url).unwrap();
        let status = http.get(&url).send().await.unwrap().status();
        // `site://shop` without a slash redirects to `site://shop/`; anything else must be a page.
        assert!(status == 200 || status.is_redirection(), "{}: {url} → {status}", task.id);
    }
    server.shutdown().await;
}

#[test]
fn a_bad_field_is_reported_with_file_line_and_field() {
    let path = fixture("suites/bad-max-steps.yaml");
    let err = suite::load(&path).unwrap_err().to_string();
    assert!(err.starts_with(&format!("{path}:11:")), "{err}");
    assert!(err.contains("max_steps"), "{err}");
}

#[test]
fn an_unknown_key_is_an_error_naming_it() {
    let path = fixture("suites/unknown-key.yaml");
    let err = suite::load(&path).unwrap_err().to_string();
    assert!(err.contains("unknown field `retries`"), "{err}");
    assert!(err.starts_with(&format!("{path}:11:")), "{err}");
}

#[test]
fn duplicate_ids_point_at_the_second_one() {
    let path = fixture("suites/duplicate-id.yaml");
    let err = suite::load(&path).unwrap_err().to_string();
    assert!(err.starts_with(&format!("{path}:13:")), "{err}");
    assert!(err.contains("tasks[1].id") && err.contains("duplicate task id \"same\""), "{err}");
}

#[test]
fn cli_lists_tasks_with_filters_and_rejects_bad_suites() {
    let home = Home::new();
    let all = home.json(&["eval", "list-tasks"]);
    assert_eq!(all["total"], 54);
    assert_eq!(all["tasks"].as_array().unwrap().len(), 54);
    let easy_shop = home.json(&["eval", "list-tasks", "--category", "shopping", "--difficulty", "easy"]);
    let tasks = easy_shop["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2, "the benchmark README lists 2 easy shopping tasks");
    assert!(tasks.iter().all(|t| t["category"] == "shopping" && t["difficulty"] == "easy"));
    assert!(tasks[0].get("check").is_none(), "the answer key is not listed");

    let mini = fixture("suites/mini.yaml");
    let text = home.ok(&["eval", "list-tasks", "--suite", &mini]);
    assert!(text.contains("suite mini") && text.contains("shop-cart") && text.contains("news-science"), "{text}");

    let err = home.fails(&["eval", "list-tasks", "--suite", &fixture("suites/unknown-key.yaml")], 2);
    assert!(err.contains("unknown-key.yaml:11:"), "{err}");
    let err = home.fails(&["eval", "list-tasks", "--category", "cooking"], 2);
    assert!(err.contains("--category"), "{err}");
    let err = home.fails(&["eval", "list-tasks", "--suite", "nonexistent"], 2);
    assert!(err.contains("no suite \"nonexistent\""), "{err}");
}

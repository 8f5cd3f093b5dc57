//! The browser engine on real Chromium: DOM state (hidden, covered, shadow DOM, iframes), every action on fixture
//! pages served from 127.0.0.1:0, the domain policy, tabs, timeouts, crash recovery and isolation between sessions.
//! The collector's finer decisions are in `state.rs`, a remote browser over `cdp_url` in `remote_cdp.rs`.

mod guard;
pub(crate) mod remote_cdp;
mod state;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use browser_ai_mlops_core::browser::types::{BrowserAction, PageState, ScrollDirection};
use browser_ai_mlops_core::browser::{BrowserError, BrowserOptions, BrowserPool, Session, StateOptions, parse_action};
use browser_ai_mlops_testkit::TestServer;
use serde_json::json;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/fixtures/pages")
}

fn options(op_timeout: Duration, allowed: &[&str]) -> BrowserOptions {
    BrowserOptions {
        op_timeout,
        allowed_domains: allowed.iter().map(|s| s.to_string()).collect(),
        window_width: 1280,
        window_height: 900,
        ..BrowserOptions::default()
    }
}

async fn setup(allowed: &[&str]) -> (TestServer, BrowserPool) {
    let server = TestServer::start(Some(fixtures()), vec![]).await.expect("start fixture server");
    (server, BrowserPool::new(options(Duration::from_secs(15), allowed), 2))
}

async fn open(pool: &BrowserPool, url: &str) -> Session {
    let mut s = pool.session().await.expect("session");
    s.goto(url).await.expect("goto");
    s
}

fn texts(state: &PageState) -> BTreeSet<String> {
    state.elements.iter().map(|e| format!("{}:{}", e.tag, e.text)).collect()
}

fn index_of(state: &PageState, pred: impl Fn(&browser_ai_mlops_core::browser::types::ElementInfo) -> bool) -> u32 {
    state
        .elements
        .iter()
        .find(|e| pred(e))
        .map(|e| e.index)
        .unwrap_or_else(|| panic!("element not found in\n{}", state.serialized))
}

fn by_id(state: &PageState, id: &str) -> u32 {
    index_of(state, |e| e.attributes.get("id").map(String::as_str) == Some(id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_lists_exactly_the_visible_top_most_interactive_elements() {
    let (server, pool) = setup(&[]).await;
    let mut s = open(&pool, &server.url("/visibility.html")).await;
    let state = s.state(StateOptions { screenshot: true, ..StateOptions::default() }).await.unwrap();
    let expected: BTreeSet<String> = [
        "button:Visible one",
        "a:Visible link",
        "div:Clickable div",
        "span:Pointer span bold part",
        "div:Dark mode",
        "div:Focusable div",
        "button:Shadow button",
        "button:Frame button",
        "input:",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(texts(&state), expected, "serialized:\n{}", state.serialized);
    assert_eq!(state.elements.len(), expected.len(), "no duplicates");
    let indexes: Vec<u32> = state.elements.iter().map(|e| e.index).collect();
    assert_eq!(indexes, (0..state.elements.len() as u32).collect::<Vec<_>>());

    let shadow = state.elements.iter().find(|e| e.text == "Shadow button").unwrap();
    assert!(shadow.in_shadow_root);
    let frame_btn = state.elements.iter().find(|e| e.text == "Frame button").unwrap();
    assert_eq!(frame_btn.frame_path, vec!["iframe#pay".to_string()]);
    let input = state.elements.iter().find(|e| e.tag == "input").unwrap();
    assert_eq!(input.attributes.get("placeholder").map(String::as_str), Some("Frame input"));
    let switch = state.elements.iter().find(|e| e.text == "Dark mode").unwrap();
    assert_eq!(switch.role.as_deref(), Some("switch"));

    assert!(
        state.serialized.contains(&format!("[{}]<button id=\"v1\">Visible one</button>", 0))
            || state.serialized.contains("Visible one</button>")
    );
    assert!(state.serialized.contains("Intro text before the controls"), "{}", state.serialized);
    assert!(state.serialized.contains(&format!(
        "[{}]<a href=\"page2.html\">Visible link</a>",
        index_of(&state, |e| e.text == "Visible link")
    )));
    assert!(!state.serialized.contains("Hidden by"));
    assert!(state.pixels_below > 0 && state.serialized.ends_with(&format!("… {} px below", state.pixels_below)));
    assert_eq!(state.pixels_above, 0);
    assert_eq!(state.title, "Visibility fixture");
    assert_eq!(state.url, server.url("/visibility.html"));
    assert_eq!(state.tabs.len(), 1);
    let png = state.screenshot_png.expect("screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // The hash is the SHA-256 of the serialisation, so an unchanged page gives the same hash.
    let again = s.state(StateOptions::default()).await.unwrap();
    assert_eq!(again.dom_hash, state.dom_hash);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn click_input_select_keys_and_scroll_work_on_the_page() {
    let (server, pool) = setup(&["127.0.0.1"]).await;
    let mut s = open(&pool, &server.url("/actions.html")).await;
    let st = s.state(StateOptions::default()).await.unwrap();

    let out = s.execute(&BrowserAction::Click { index: by_id(&st, "inc") }).await.unwrap();
    assert!(out.success, "{out:?}");
    assert!(out.target.contains("Increment"), "{}", out.target);
    assert!(out.page_changed, "the counter text changed");
    assert_eq!(s.eval_js("document.getElementById('count').textContent").await.unwrap(), json!("1"));

    let out = s.execute(&BrowserAction::InputText { index: by_id(&st, "name"), text: "Ann Lee".into() }).await.unwrap();
    assert!(out.success, "{out:?}");
    assert!(!out.page_changed, "a value typed into a field does not change the page: {out:?}");
    assert_eq!(s.eval_js("document.getElementById('name').value").await.unwrap(), json!("Ann Lee"));
    let events = s.eval_js("window.events").await.unwrap();
    assert!(events.as_array().unwrap().contains(&json!("name:input")));
    assert!(events.as_array().unwrap().contains(&json!("name:change:Ann Lee")), "{events}");

    let out =
        s.execute(&BrowserAction::InputText { index: by_id(&st, "editor"), text: "new text".into() }).await.unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(s.eval_js("document.getElementById('editor').textContent").await.unwrap(), json!("new text"));
    assert!(!out.page_changed, "{out:?}");

    let country = by_id(&st, "country");
    let out = s.execute(&BrowserAction::GetDropdownOptions { index: country }).await.unwrap();
    let listed = out.output.unwrap();
    assert!(
        listed.contains("1: Germany") && listed.contains("2: France") && listed.contains("3: Nowhere (disabled)"),
        "{listed}"
    );
    let out = s.execute(&BrowserAction::SelectOption { index: country, text: "France".into() }).await.unwrap();
    assert!(out.success && !out.page_changed, "{out:?}");
    assert_eq!(s.eval_js("document.getElementById('country').value").await.unwrap(), json!("fr"));
    assert!(s.eval_js("window.events").await.unwrap().as_array().unwrap().contains(&json!("country:change:fr")));
    let out = s.execute(&BrowserAction::SelectOption { index: country, text: "Spain".into() }).await.unwrap();
    assert!(!out.success);
    assert!(out.error.unwrap().contains("\"Germany\""), "lists the options");

    let out = s.execute(&BrowserAction::GetDropdownOptions { index: by_id(&st, "name") }).await.unwrap();
    assert!(!out.success && out.error.unwrap().contains("not a <select>"));

    let out = s.execute(&BrowserAction::SendKeys { keys: "Shift+Tab Control+a Escape".into() }).await.unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(s.eval_js("window.keys.slice(-3)").await.unwrap(), json!(["Shift+Tab", "Control+a", "Escape"]));

    let out = s.execute(&BrowserAction::Scroll { direction: ScrollDirection::Down, amount: Some(400) }).await.unwrap();
    assert!(out.success && out.output.as_deref() == Some("scrolled down 400 px"), "{out:?}");
    assert_eq!(s.eval_js("window.scrollY").await.unwrap(), json!(400));
    let after = s.state(StateOptions::default()).await.unwrap();
    assert_eq!(after.pixels_above, 400);
    assert!(after.serialized.starts_with("… 400 px above"));
    let out = s.execute(&BrowserAction::Scroll { direction: ScrollDirection::Up, amount: None }).await.unwrap();
    assert!(out.success);
    assert_eq!(s.eval_js("window.scrollY").await.unwrap(), json!(0));
    let out = s.execute(&BrowserAction::ScrollToText { text: "footer MARKER".into() }).await.unwrap();
    assert!(out.success, "{out:?}");
    let footer_visible = s
        .eval_js("(() => { const r = document.getElementById('footer').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()")
        .await
        .unwrap();
    assert_eq!(footer_visible, json!(true));
    let out = s.execute(&BrowserAction::ScrollToText { text: "no such words".into() }).await.unwrap();
    assert!(!out.success);

    // Enter in the search field submits the form: a navigation.
    s.execute(&BrowserAction::Scroll { direction: ScrollDirection::Up, amount: Some(10_000) }).await.unwrap();
    let st = s.state(StateOptions::default()).await.unwrap();
    s.execute(&BrowserAction::InputText { index: by_id(&st, "q"), text: "shoes".into() }).await.unwrap();
    let out = s.execute(&BrowserAction::SendKeys { keys: "Enter".into() }).await.unwrap();
    assert!(out.success && out.page_changed, "{out:?}");
    assert_eq!(s.current_url().await.unwrap(), server.url("/page2.html?q=shoes"));

    let out = s.execute(&BrowserAction::GoBack {}).await.unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(s.current_url().await.unwrap(), server.url("/actions.html"));
    let st = s.state(StateOptions::default()).await.unwrap();
    let out = s.execute(&BrowserAction::Click { index: by_id(&st, "next") }).await.unwrap();
    assert!(out.success && out.page_changed);
    assert_eq!(s.current_url().await.unwrap(), server.url("/page2.html"));

    let out = s.execute(&BrowserAction::Wait { ms: 50 }).await.unwrap();
    assert!(out.success && out.duration_ms >= 50);
    let out = s.execute(&BrowserAction::Done { success: true, text: "x".into() }).await.unwrap();
    assert!(out.success && !out.page_changed);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_indexes_and_stale_pages_are_unsuccessful_outcomes() {
    let (server, pool) = setup(&[]).await;
    let mut s = open(&pool, &server.url("/actions.html")).await;
    let out = s.execute(&BrowserAction::Click { index: 0 }).await.unwrap();
    assert!(!out.success);
    assert!(out.error.unwrap().contains("no element index on this page"), "no state taken yet");
    let st = s.state(StateOptions::default()).await.unwrap();
    let n = st.elements.len();
    let out = s.execute(&BrowserAction::Click { index: 999 }).await.unwrap();
    assert_eq!(
        out.error.as_deref(),
        Some(format!("no element with index 999; valid indexes are 0..={}", n - 1).as_str())
    );
    let out = s.execute(&BrowserAction::InputText { index: by_id(&st, "inc"), text: "x".into() }).await.unwrap();
    assert!(!out.success && out.error.unwrap().contains("not a text field"));
    let out = s.execute(&BrowserAction::GoBack {}).await.unwrap();
    assert!(!out.success && out.error.unwrap().contains("no previous page"));
    let out = s.execute(&BrowserAction::SwitchTab { tab: 3 }).await.unwrap();
    assert_eq!(out.error.as_deref(), Some("no tab 3; open tabs are 0..=0"));
    let out = s.execute(&BrowserAction::CloseTab { tab: 0 }).await.unwrap();
    assert!(!out.success && out.error.unwrap().contains("only open tab"));
    let out = s.execute(&BrowserAction::SendKeys { keys: "Hyper+q".into() }).await.unwrap();
    assert!(!out.success && out.error.unwrap().contains("\"Hyper\""));

    assert!(parse_action(&json!({"fly": {}})).unwrap_err().contains("valid actions are: navigate"));
    assert_eq!(
        parse_action(&json!({"input_text": {"index": 2}})).unwrap_err(),
        "input_text: missing argument \"text\" (a string)"
    );
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_domains_refuse_other_hosts_and_local_files() {
    let (server, pool) = setup(&["127.0.0.1"]).await;
    let mut s = open(&pool, &server.url("/actions.html")).await;
    for url in ["file:///etc/passwd", "chrome://settings", "javascript:alert(1)", "http://other.test/"] {
        let out = s.execute(&BrowserAction::Navigate { url: url.into() }).await.unwrap();
        assert!(!out.success, "{url}");
        assert!(out.error.as_deref().unwrap_or("").starts_with("refused"), "{url}: {:?}", out.error);
        assert_eq!(s.current_url().await.unwrap(), server.url("/actions.html"), "{url} was not opened");
        let out = s.execute(&BrowserAction::OpenTab { url: url.into() }).await.unwrap();
        assert!(!out.success, "{url}");
    }
    assert_eq!(s.tabs().await.unwrap().len(), 1);
    // A click that leads off the allowed hosts is undone.
    let st = s.state(StateOptions::default()).await.unwrap();
    let out = s.execute(&BrowserAction::Click { index: by_id(&st, "away") }).await.unwrap();
    assert!(!out.success, "{out:?}");
    let err = out.error.unwrap();
    assert!(err.contains("host localhost is not in allowed_domains") && err.contains("went back"), "{err}");
    assert_eq!(s.current_url().await.unwrap(), server.url("/actions.html"));
    // The allowed host works.
    let out = s.execute(&BrowserAction::Navigate { url: server.url("/page2.html") }).await.unwrap();
    assert!(out.success && out.page_changed, "{out:?}");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabs_opened_by_the_page_are_listed_and_switchable() {
    let (server, pool) = setup(&[]).await;
    let mut s = open(&pool, &server.url("/actions.html")).await;
    let st = s.state(StateOptions::default()).await.unwrap();
    let out = s.execute(&BrowserAction::Click { index: by_id(&st, "blank") }).await.unwrap();
    assert!(out.success && out.page_changed, "{out:?}");
    assert!(out.output.unwrap().contains("opened new tab 1"));
    let tabs = s.tabs().await.unwrap();
    assert_eq!(tabs.len(), 2);
    assert_eq!(tabs[1].url, server.url("/page2.html?from=blank"));
    assert!(tabs[1].active);
    assert_eq!(s.eval_js("document.getElementById('where').textContent").await.unwrap(), json!("?from=blank"));

    let out = s.execute(&BrowserAction::SwitchTab { tab: 0 }).await.unwrap();
    assert!(out.success);
    assert_eq!(s.current_url().await.unwrap(), server.url("/actions.html"));
    let st = s.state(StateOptions::default()).await.unwrap();
    assert_eq!(st.tabs.iter().map(|t| t.active).collect::<Vec<_>>(), vec![true, false]);
    let out = s.execute(&BrowserAction::Click { index: by_id(&st, "popup") }).await.unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(s.current_url().await.unwrap(), server.url("/page2.html?from=popup"));
    assert_eq!(s.tabs().await.unwrap().len(), 3);

    let out = s.execute(&BrowserAction::OpenTab { url: server.url("/extract.html") }).await.unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(s.tabs().await.unwrap().len(), 4);
    let out = s.execute(&BrowserAction::Extract { goal: "sales by region".into() }).await.unwrap();
    let md = out.output.unwrap();
    assert!(md.contains("# Quarterly report"), "{md}");
    assert!(md.contains(&format!("[the third quarter]({})", server.url("/q3.html"))), "{md}");
    assert!(md.contains("- North\n- South"), "{md}");
    assert!(md.contains("| Region | Sales |\n| --- | --- |\n| North | 120 |\n| South | 80 |"), "{md}");
    assert!(!md.contains("Secret hidden"), "{md}");

    let out = s.execute(&BrowserAction::CloseTab { tab: 3 }).await.unwrap();
    assert!(out.success, "{out:?}");
    let tabs = s.tabs().await.unwrap();
    assert_eq!(tabs.len(), 3);
    assert!(tabs[2].active, "the tab before the closed one is active");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_scripts_and_pages_time_out_instead_of_hanging() {
    let server = TestServer::start(Some(fixtures()), vec![]).await.unwrap();
    let pool = BrowserPool::new(options(Duration::from_secs(3), &[]), 1);
    let mut s = open(&pool, &server.url("/page2.html")).await;
    let err = s.eval_js("new Promise(() => {})").await.unwrap_err();
    assert!(matches!(err, BrowserError::Timeout { .. }), "{err}");
    let err = s.eval_js("(() => { throw new Error('boom here') })()").await.unwrap_err();
    assert!(matches!(&err, BrowserError::Js(m) if m.contains("boom here")), "{err}");
    assert_eq!(s.eval_js("1 + 2").await.unwrap(), json!(3), "the session still works");

    let err = s.goto(&server.url("/slow.html")).await.unwrap_err();
    assert!(matches!(err, BrowserError::Timeout { .. }), "{err}");
    let out = s.execute(&BrowserAction::Navigate { url: server.url("/__hang") }).await.unwrap();
    assert!(!out.success && out.error.unwrap().contains("timed out"));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_browser_is_an_error_and_the_pool_recovers() {
    let (server, pool) = setup(&[]).await;
    let mut s = open(&pool, &server.url("/page2.html")).await;
    let pids = pool.browser_pids().await;
    assert_eq!(pids.len(), 1);
    let status = std::process::Command::new("kill").arg("-9").arg(pids[0].to_string()).status().unwrap();
    assert!(status.success());
    let err = s.eval_js("1").await;
    let err = match err {
        Err(e) => e,
        // The kill may not have been noticed by the first call yet; the next one must fail.
        Ok(_) => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            s.eval_js("1").await.unwrap_err()
        }
    };
    assert!(err.is_crash(), "{err}");
    let err = s.execute(&BrowserAction::Navigate { url: server.url("/actions.html") }).await.unwrap_err();
    assert!(err.is_crash(), "{err}");
    drop(s);
    let mut fresh = open(&pool, &server.url("/actions.html")).await;
    assert_eq!(fresh.state(StateOptions::default()).await.unwrap().title, "Actions fixture");
    let new_pids = pool.browser_pids().await;
    assert_eq!(new_pids.len(), 1);
    assert_ne!(new_pids[0], pids[0]);
    pool.shutdown().await;
    assert!(pool.session().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_sessions_have_isolated_storage() {
    let server = TestServer::start(Some(fixtures()), vec![]).await.unwrap();
    let pool = BrowserPool::new(options(Duration::from_secs(15), &[]), 4);
    let url = server.url("/page2.html");
    let tasks = (0..4).map(|i| {
        let pool = &pool;
        let url = url.clone();
        async move {
            let s = open(pool, &url).await;
            let before = s.eval_js("[sessionStorage.getItem('who'), localStorage.getItem('who'), document.cookie]").await.unwrap();
            s.eval_js(&format!("sessionStorage.setItem('who', 's{i}'); localStorage.setItem('who', 's{i}'); document.cookie = 'who=s{i}'"))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            let after = s.eval_js("[sessionStorage.getItem('who'), localStorage.getItem('who'), document.cookie]").await.unwrap();
            s.close().await.unwrap();
            (before, after)
        }
    });
    let results = futures::future::join_all(tasks).await;
    for (i, (before, after)) in results.into_iter().enumerate() {
        assert_eq!(before, json!([null, null, ""]), "session {i} started clean");
        assert_eq!(after, json!([format!("s{i}"), format!("s{i}"), format!("who=s{i}")]), "session {i}");
    }
    // A later session does not see anything either.
    let s = open(&pool, &url).await;
    assert_eq!(
        s.eval_js("[sessionStorage.length, localStorage.length, document.cookie]").await.unwrap(),
        json!([0, 0, ""])
    );
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundled_shadow_and_visibility_sites_work() {
    let server = TestServer::start(
        Some(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("benchmarks/sites")),
        vec![],
    )
    .await
    .unwrap();
    let pool = BrowserPool::new(options(Duration::from_secs(15), &["127.0.0.1"]), 1);
    let mut s = open(&pool, &server.url("/dynamic/visibility.html")).await;
    let st = s.state(StateOptions::default()).await.unwrap();
    // The page has hidden twins of its buttons and one covered by an overlay: each visible label appears once.
    let labels: Vec<&str> = st.elements.iter().map(|e| e.text.as_str()).collect();
    let unique: BTreeSet<&str> = labels.iter().copied().collect();
    assert_eq!(labels.len(), unique.len(), "no hidden twin listed: {labels:?}");
    let page_md = s.page_markdown().await.unwrap();
    assert!(!page_md.is_empty());
    pool.shutdown().await;
}

/// Extract leaves out the site's navigation, banner, sidebar and footer when the page marks its main content, and the
/// page state keeps a long paragraph whole (up to 1,000 characters between elements), saying so when it cuts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_drops_boilerplate_and_the_state_keeps_long_paragraphs() {
    let (server, pool) = setup(&[]).await;
    let mut s = open(&pool, &server.url("/boilerplate.html")).await;
    let out = s.execute(&BrowserAction::Extract { goal: "when does the slipway close".into() }).await.unwrap();
    let md = out.output.unwrap();
    assert!(md.contains("# Tide tables for Kestrel Bay") && md.contains("slipway closes at 21:30"), "{md}");
    for boilerplate in ["Subscribe", "Sport", "Most read", "Privacy"] {
        assert!(!md.contains(boilerplate), "{boilerplate} in {md}");
    }
    let st = s.state(StateOptions::default()).await.unwrap();
    assert!(st.serialized.contains("the slipway closes at 21:30."), "{}", st.serialized);
    // Without a marked main content nothing is dropped.
    let mut s = open(&pool, &server.url("/extract.html")).await;
    let md = s.execute(&BrowserAction::Extract { goal: "all".into() }).await.unwrap().output.unwrap();
    assert!(md.contains("# Quarterly report"), "{md}");
    pool.shutdown().await;
}

/// A vision screenshot carries each listed element's index drawn on it; the drawing leaves nothing in the page and
/// changes nothing the state lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vision_screenshots_carry_the_element_indexes_and_leave_the_page_as_it_was() {
    let (server, pool) = setup(&[]).await;
    let mut s = open(&pool, &server.url("/actions.html")).await;
    let plain = s.state(StateOptions { screenshot: true, mark_indexes: false }).await.unwrap();
    let marked = s.state(StateOptions { screenshot: true, mark_indexes: true }).await.unwrap();
    assert_eq!(plain.serialized, marked.serialized, "marking changes nothing the model reads");
    assert_ne!(plain.screenshot_png, marked.screenshot_png, "the marks are in the picture");
    assert_eq!(s.eval_js("document.getElementById('__bam_marks') === null").await.unwrap(), json!(true));
    let again = s.state(StateOptions { screenshot: true, mark_indexes: false }).await.unwrap();
    assert_eq!(again.screenshot_png, plain.screenshot_png, "the page looks as before");
    pool.shutdown().await;
}

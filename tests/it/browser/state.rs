//! The DOM state on real Chromium, for the decisions the collector makes cheaply: overlays that are flex items,
//! `display: contents` children or relatively positioned with a z-index still hide what they cover; a visible child
//! of a `visibility: hidden` parent is listed; contenteditable roots and disabled controls are marked; content below
//! the viewport is counted, not listed, until scrolled to. Also the collector's life cycle: installed once per
//! document, re-installed after a navigation, and still working on a page that breaks `Object.defineProperty`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use browser_ai_mlops_core::browser::types::PageState;
use browser_ai_mlops_core::browser::{BrowserOptions, BrowserPool, StateOptions};
use browser_ai_mlops_testkit::TestServer;
use serde_json::json;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/fixtures/pages")
}

fn pool() -> BrowserPool {
    BrowserPool::new(
        BrowserOptions {
            op_timeout: Duration::from_secs(15),
            window_width: 1280,
            window_height: 900,
            ..BrowserOptions::default()
        },
        1,
    )
}

fn listed(state: &PageState) -> BTreeSet<String> {
    state.elements.iter().map(|e| format!("{}:{}", e.tag, e.text)).collect()
}

fn attr<'a>(state: &'a PageState, text: &str, name: &str) -> Option<&'a str> {
    let el = state
        .elements
        .iter()
        .find(|e| e.text == text)
        .unwrap_or_else(|| panic!("{text:?} not listed in\n{}", state.serialized));
    el.attributes.get(name).map(String::as_str)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlays_hidden_parents_and_scrolling_decide_what_is_listed() {
    let server = TestServer::start(Some(fixtures()), vec![]).await.expect("fixture server");
    let pool = pool();
    let mut s = pool.session().await.expect("session");
    s.goto(&server.url("/layers.html")).await.expect("goto");
    let state = s.state(StateOptions::default()).await.unwrap();
    let expected: BTreeSet<String> = [
        "button:Half covered",
        "button:Shown child",
        "div:Pointer parent same pointer child",
        "div:Editable bold",
        "span:Not editable",
        "button:In fieldset",
        "button:Disabled button",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(listed(&state), expected, "serialized:\n{}", state.serialized);
    // The covers are plain text, shown between the elements.
    for cover in ["Flex cover", "Relative cover", "Contents cover"] {
        assert!(state.serialized.lines().any(|l| l == cover), "{cover} in\n{}", state.serialized);
    }
    assert_eq!(attr(&state, "Editable bold", "contenteditable"), Some("true"));
    assert_eq!(attr(&state, "Not editable", "contenteditable"), None);
    assert_eq!(attr(&state, "Disabled button", "disabled"), Some("true"));
    assert_eq!(attr(&state, "Half covered", "disabled"), None);
    assert!(state.pixels_below > 2000 && state.serialized.ends_with(&format!("… {} px below", state.pixels_below)));
    assert_eq!(state.pixels_above, 0);

    // Removing an overlay uncovers its button at the next step (the installed collector decides afresh).
    s.eval_js("document.getElementById('flex-cover').remove()").await.unwrap();
    let uncovered = s.state(StateOptions::default()).await.unwrap();
    assert!(listed(&uncovered).contains("button:Under flex cover"), "{}", uncovered.serialized);
    assert!(!listed(&uncovered).contains("button:Under relative cover"));
    assert_eq!(uncovered.elements.len(), expected.len() + 1);

    // Scrolled to the end, the far button is listed and what is now above the viewport is counted.
    s.eval_js("window.scrollTo(0, document.documentElement.scrollHeight)").await.unwrap();
    let bottom = s.state(StateOptions::default()).await.unwrap();
    assert_eq!(listed(&bottom), BTreeSet::from(["button:Far below".to_string()]), "{}", bottom.serialized);
    let scroll_y = s.eval_js("Math.round(window.scrollY)").await.unwrap();
    assert_eq!(json!(bottom.pixels_above), scroll_y);
    assert!(
        bottom.pixels_above > 2000 && bottom.serialized.starts_with(&format!("… {} px above", bottom.pixels_above))
    );
    assert_eq!(bottom.pixels_below, 0);
    assert!(!bottom.serialized.contains("px below"));
    s.close().await.unwrap();
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_collector_is_reinstalled_after_navigation_and_survives_a_hostile_page() {
    let hostile = "<!doctype html><html><head><title>Hostile</title><script>\
                   Object.defineProperty = function () { throw new Error('no properties for you'); };\
                   </script></head><body><button id=one>One</button> <a href=#two>Two</a></body></html>";
    let server =
        TestServer::start(Some(fixtures()), vec![("/hostile.html".into(), hostile.into())]).await.expect("server");
    let pool = pool();
    let mut s = pool.session().await.expect("session");
    s.goto(&server.url("/visibility.html")).await.expect("goto");
    let first = s.state(StateOptions::default()).await.unwrap();
    let again = s.state(StateOptions::default()).await.unwrap();
    assert_eq!(again.dom_hash, first.dom_hash, "the installed collector sees the same page");
    assert_eq!(again.elements, first.elements);

    // A new document gets its own collector: the state describes the new page, and its indexes work.
    s.goto(&server.url("/actions.html")).await.expect("goto");
    let other = s.state(StateOptions::default()).await.unwrap();
    assert_eq!(other.title, "Actions fixture");
    assert_ne!(other.dom_hash, first.dom_hash);

    // A page that makes the install fail still gets a state at every step, and actions still find the elements.
    s.goto(&server.url("/hostile.html")).await.expect("goto");
    for _ in 0..2 {
        let st = s.state(StateOptions::default()).await.unwrap();
        assert_eq!(listed(&st), BTreeSet::from(["button:One".to_string(), "a:Two".to_string()]), "{}", st.serialized);
        let out = s
            .execute(&browser_ai_mlops_core::browser::types::BrowserAction::Click { index: st.elements[1].index })
            .await
            .unwrap();
        assert!(out.success, "{out:?}");
    }
    assert_eq!(s.eval_js("location.hash").await.unwrap(), json!("#two"));

    // Back on the first page (a fresh document again), the state is what it was.
    s.goto(&server.url("/visibility.html")).await.expect("goto");
    let back = s.state(StateOptions::default()).await.unwrap();
    assert_eq!(back.serialized, first.serialized);
    s.close().await.unwrap();
    pool.shutdown().await;
}

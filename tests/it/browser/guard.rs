//! The allow-list holds for every request of the browser, not only for the URLs the agent asks for: a page on an
//! allowed host (127.0.0.1) that redirects, navigates by script or loads subresources from another host (127.0.0.2)
//! never reaches that host, and the session reports what it blocked.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use browser_ai_mlops_core::browser::types::BrowserAction;
use browser_ai_mlops_core::browser::{BlockedRequests, BrowserPool, Session};

use super::{by_id, options};

/// A server on `ip:0` that records every path it is asked for and answers each with a small page.
struct Recorder {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    async fn start(ip: &str, other: Option<&str>) -> Recorder {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let other = other.unwrap_or("http://unused.invalid").to_string();
        let app = axum::Router::new().route("/{page}", axum::routing::get(page)).with_state((seen.clone(), other));
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Recorder { base, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn page(State((seen, other)): State<(Arc<Mutex<Vec<String>>>, String)>, Path(name): Path<String>) -> Response {
    seen.lock().unwrap().push(name.clone());
    let html = |body: String| ([(header::CONTENT_TYPE, "text/html")], format!("<!doctype html><body>{body}</body>"));
    match name.as_str() {
        "redirect" => (StatusCode::FOUND, [(header::LOCATION, format!("{other}/redirected"))]).into_response(),
        "script-nav" => {
            html(format!("<p>leaving</p><script>location.href = '{other}/scripted';</script>")).into_response()
        }
        "subresources" => html(format!(
            "<img src='{other}/image.png'><script src='{other}/script.js'></script>\
             <iframe src='{other}/frame'></iframe><img src='/own.png'>\
             <script>fetch('{other}/fetched').catch(() => {{}});</script>"
        ))
        .into_response(),
        "opener" => html(format!(
            "<a id='blank' href='{other}/blank-first' target='_blank'>new tab</a>\
             <button id='popup' onclick=\"window.open('{other}/popup-first')\">popup</button>"
        ))
        .into_response(),
        _ => html(format!("<p>{name}</p>")).into_response(),
    }
}

/// Waits until the session has blocked at least `n` requests (each block is recorded before it is answered).
async fn blocked_at_least(s: &Session, n: u32) -> BlockedRequests {
    for _ in 0..200 {
        let b = s.blocked_requests();
        if b.count >= n {
            return b;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.blocked_requests()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_script_navigations_and_subresources_never_reach_another_host() {
    let other = Recorder::start("127.0.0.2", None).await;
    let allowed = Recorder::start("127.0.0.1", Some(&other.base)).await;
    let pool = BrowserPool::new(options(Duration::from_secs(15), &["127.0.0.1"]), 1);
    let mut s = pool.session().await.expect("session");
    s.goto(&format!("{}/start", allowed.base)).await.expect("the allowed start page loads");

    // (a) The agent opens an allowed URL that redirects to the other host.
    let out = s.execute(&BrowserAction::Navigate { url: format!("{}/redirect", allowed.base) }).await.unwrap();
    assert!(!out.success, "the redirect target must not load: {out:?}");
    let b = blocked_at_least(&s, 1).await;
    assert_eq!(b.hosts, ["127.0.0.2"], "{b:?}");

    // (b) A page navigates itself by script.
    let _ = s.goto(&format!("{}/script-nav", allowed.base)).await;
    blocked_at_least(&s, 2).await;

    // (c) A page loads an image, a script, a frame and a fetch from the other host (and an image of its own).
    s.goto(&format!("{}/subresources", allowed.base)).await.expect("the page itself loads");
    let b = blocked_at_least(&s, 6).await;
    assert!(b.count >= 6 && b.hosts == ["127.0.0.2"], "{b:?}");

    assert_eq!(other.seen(), Vec::<String>::new(), "the other host was reached");
    let own = allowed.seen();
    for path in ["start", "redirect", "script-nav", "subresources", "own.png"] {
        assert!(own.iter().any(|p| p == path), "allowed requests still go through: {path} missing from {own:?}");
    }
    s.close().await.unwrap();
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabs_the_page_opens_never_reach_another_host_even_with_their_first_request() {
    let other = Recorder::start("127.0.0.2", None).await;
    let allowed = Recorder::start("127.0.0.1", Some(&other.base)).await;
    let pool = BrowserPool::new(options(Duration::from_secs(15), &["127.0.0.1"]), 1);
    let mut s = pool.session().await.expect("session");
    s.goto(&format!("{}/opener", allowed.base)).await.expect("the allowed start page loads");
    for (n, id) in ["blank", "popup"].into_iter().enumerate() {
        let st = s.state(Default::default()).await.unwrap();
        let _ = s.execute(&BrowserAction::Click { index: by_id(&st, id) }).await;
        let _ = s.execute(&BrowserAction::SwitchTab { tab: 0 }).await;
        let b = blocked_at_least(&s, n as u32 + 1).await;
        assert_eq!(b.hosts, ["127.0.0.2"], "{id}: {b:?}");
    }
    // A moment for any request that slipped through to arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(other.seen(), Vec::<String>::new(), "a tab the page opened reached the other host");
    s.close().await.unwrap();
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_session_keeps_its_own_start_page_host_and_its_own_count() {
    let other = Recorder::start("127.0.0.2", None).await;
    let start = Recorder::start("127.0.0.3", Some(&other.base)).await;
    let allowed = Recorder::start("127.0.0.1", Some(&start.base)).await;
    let pool = BrowserPool::new(options(Duration::from_secs(15), &["127.0.0.1"]), 2);
    let mut a = pool.session().await.expect("session a");
    let mut b = pool.session().await.expect("session b");
    // The harness opens a start page on 127.0.0.3 in session a only.
    a.goto(&format!("{}/start", start.base)).await.expect("a's start page loads");
    // b's page loads subresources from 127.0.0.3, which only a may reach.
    b.goto(&format!("{}/subresources", allowed.base)).await.expect("b's page loads");
    let blocked = blocked_at_least(&b, 4).await;
    assert_eq!(blocked.hosts, ["127.0.0.3"], "{blocked:?}");
    assert_eq!(a.blocked_requests(), BlockedRequests::default(), "a's count holds only a's blocks");
    let seen = start.seen();
    assert!(seen.contains(&"start".to_string()), "{seen:?}");
    for path in ["image.png", "script.js", "frame", "fetched"] {
        assert!(!seen.iter().any(|p| p == path), "b reached a's start host for {path}: {seen:?}");
    }
    a.close().await.unwrap();
    b.close().await.unwrap();
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_allow_list_nothing_is_intercepted() {
    let other = Recorder::start("127.0.0.2", None).await;
    let allowed = Recorder::start("127.0.0.1", Some(&other.base)).await;
    let pool = BrowserPool::new(options(Duration::from_secs(15), &[]), 1);
    let mut s = pool.session().await.expect("session");
    s.goto(&format!("{}/subresources", allowed.base)).await.unwrap();
    for _ in 0..200 {
        if other.seen().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(other.seen().len() >= 3, "the control reaches the other host: {:?}", other.seen());
    assert_eq!(s.blocked_requests(), BlockedRequests::default());
    s.close().await.unwrap();
    pool.shutdown().await;
}

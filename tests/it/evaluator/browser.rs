//! Checks and the MiniWoB adapter on real headless Chromium (chromiumoxide), against pages from the site server.
//! The `PageProbe` here is a minimal test harness; the product's browser session implements the same trait.

use std::time::Duration;

use browser_ai_mlops_core::evaluator::checks::{CheckInput, PageProbe, evaluate_check};
use browser_ai_mlops_core::evaluator::miniwob::{self, MiniwobDir};
use browser_ai_mlops_core::evaluator::suite::{AnswerCheck, Check, ElementTextCheck, SubmissionCheck};
use browser_ai_mlops_core::sites::SiteServer;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::{Browser, BrowserConfig, Page};
use futures::StreamExt;
use futures::future::BoxFuture;

struct Chromium {
    browser: Browser,
    _profile: tempfile::TempDir,
}

impl Chromium {
    async fn launch() -> Chromium {
        let profile = tempfile::tempdir().unwrap();
        let config = BrowserConfig::builder()
            .chrome_executable("/usr/bin/chromium")
            .no_sandbox()
            .user_data_dir(profile.path())
            .args(["disable-gpu", "disable-quic", "disable-component-update"])
            .build()
            .unwrap();
        let (browser, mut handler) = Browser::launch(config).await.unwrap();
        tokio::spawn(async move { while handler.next().await.is_some() {} });
        Chromium { browser, _profile: profile }
    }

    async fn open(&self, url: &str) -> Page {
        let page = bounded("new_page", async { self.browser.new_page(url).await.map_err(|e| e.to_string()) });
        let page = page.await.unwrap();
        bounded("load", async { page.wait_for_navigation().await.map(|_| ()).map_err(|e| e.to_string()) })
            .await
            .unwrap();
        page
    }

    async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
    }
}

struct Probe(Page);

/// Bound every browser call so a lost CDP response fails the call instead of hanging the test.
const CALL_LIMIT: Duration = Duration::from_secs(10);

async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(CALL_LIMIT, fut).await.map_err(|_| format!("{what}: no answer within {CALL_LIMIT:?}"))?
}

impl PageProbe for Probe {
    fn current_url<'a>(&'a self) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(bounded("url", async move {
            self.0.url().await.map_err(|e| e.to_string())?.ok_or_else(|| "the page has no URL".to_string())
        }))
    }

    fn eval_js<'a>(&'a self, expr: &'a str) -> BoxFuture<'a, Result<serde_json::Value, String>> {
        Box::pin(bounded("evaluate", async move {
            let params = EvaluateParams::builder().expression(expr).return_by_value(true).build()?;
            let result = self.0.evaluate_expression(params).await.map_err(|e| e.to_string())?;
            Ok(result.value().cloned().unwrap_or(serde_json::Value::Null))
        }))
    }
}

/// Evaluate JS in the page (test driver, not under test).
async fn run_js(page: &Page, expr: &str) -> serde_json::Value {
    Probe(page.clone()).eval_js(expr).await.unwrap()
}

/// Wait (bounded) until a JS condition holds; a driver helper, not a timing assertion.
async fn wait_for(page: &Page, condition: &str) {
    for _ in 0..100 {
        if run_js(page, condition).await == serde_json::Value::Bool(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition never held: {condition}");
}

async fn goto(page: &Page, url: &str) {
    bounded("goto", async { page.goto(url).await.map(|_| ()).map_err(|e| e.to_string()) }).await.unwrap();
}

fn text_eq(selector: &str, equals: &str) -> Check {
    Check::ElementText(ElementTextCheck { selector: selector.into(), equals: Some(equals.into()), contains: None })
}

fn answer(equals: Option<&str>, contains: Option<&str>, regex: Option<&str>, number: Option<(f64, f64)>) -> Check {
    Check::Answer(AnswerCheck {
        equals: equals.map(Into::into),
        contains: contains.map(Into::into),
        regex: regex.map(Into::into),
        number: number.map(|n| n.0),
        tolerance: number.map(|n| n.1),
    })
}

#[tokio::test]
async fn every_check_kind_passes_and_fails_on_real_pages() {
    let server = SiteServer::start().await.unwrap();
    let chromium = Chromium::launch().await;
    let attempt = server.new_attempt();
    let page =
        chromium.open(&server.resolve_for(&attempt, "site://shop/product.html?id=trail-runner-2").unwrap()).await;
    wait_for(&page, "document.getElementById('add-to-cart') !== null").await;
    run_js(&page, "document.getElementById('add-to-cart').click(), true").await;
    wait_for(&page, "document.getElementById('cart-count').innerText.trim() === '1'").await;
    goto(&page, &server.resolve_for(&attempt, "site://shop/cart.html").unwrap()).await;

    let probe = Probe(page.clone());
    let none: Vec<browser_ai_mlops_core::sites::Submission> = Vec::new();
    let input = CheckInput { probe: &probe, answer: Some("The total is $1,204.50."), submissions: &none };
    let cart_js =
        r#"JSON.parse(sessionStorage.getItem("cart") || "[]").some(l => l.id === "trail-runner-2" && l.qty === 1)"#;
    let cases: Vec<(Check, bool)> = vec![
        (Check::UrlMatches(r"shop/cart\.html$".into()), true),
        (Check::UrlMatches(r"shop/checkout\.html".into()), false),
        (text_eq("#cart-count", "1"), true),
        (text_eq("#cart-count", "2"), false),
        (text_eq("#no-such-element", "1"), false),
        (
            Check::ElementText(ElementTextCheck {
                selector: "nav".into(),
                equals: None,
                contains: Some("Cart 1".into()),
            }),
            true,
        ),
        (Check::Js(cart_js.into()), true),
        (Check::Js("sessionStorage.getItem('cart') === null".into()), false),
        (Check::Js("1".into()), false),
        (Check::Js("(() => { throw new Error('boom'); })()".into()), false),
        (answer(Some("the total is $1,204.50"), None, None, None), true),
        (answer(Some("1204.50"), None, None, None), false),
        (answer(None, Some("TOTAL IS"), None, None), true),
        (answer(None, None, Some(r"\$\d,\d{3}"), None), true),
        (answer(None, None, Some(r"^\d+$"), None), false),
        (answer(None, None, None, Some((1204.5, 0.0))), true),
        (answer(None, None, None, Some((1204.0, 0.4))), false),
    ];
    for (check, expected) in &cases {
        let r = evaluate_check(check, &input).await;
        assert_eq!(r.passed, *expected, "{check:?} → {r:?}");
        assert_eq!(r.score, if *expected { 1.0 } else { 0.0 }, "{check:?}");
        assert_eq!(r.evidence.len(), 1);
        assert_eq!(r.evidence[0].passed, *expected);
    }
    // Evidence carries what the check saw.
    let r = evaluate_check(&text_eq("#cart-count", "2"), &input).await;
    assert_eq!(r.evidence[0].observed, "1");
    let r = evaluate_check(&Check::UrlMatches("x".into()), &input).await;
    assert!(r.evidence[0].observed.ends_with(&format!("/a/{attempt}/shop/cart.html")), "{r:?}");
    let no_answer = CheckInput { probe: &probe, answer: None, submissions: &none };
    let r = evaluate_check(&answer(None, Some("total"), None, None), &no_answer).await;
    assert!(!r.passed && r.evidence[0].observed == "(no answer)");

    // all / any scores.
    let pass = || Check::UrlMatches("cart".into());
    let fail = || text_eq("#cart-count", "9");
    let r = evaluate_check(&Check::All(vec![pass(), fail(), pass()]), &input).await;
    assert!(!r.passed);
    assert!((r.score - 2.0 / 3.0).abs() < 1e-12, "{}", r.score);
    assert_eq!(r.evidence.len(), 3);
    assert!(r.evidence[1].check.starts_with("all[1]: element_text"), "{}", r.evidence[1].check);
    let r = evaluate_check(&Check::Any(vec![fail(), pass()]), &input).await;
    assert!(r.passed && r.score == 1.0);
    let r = evaluate_check(&Check::Any(vec![fail(), fail()]), &input).await;
    assert!(!r.passed && r.score == 0.0);
    let r = evaluate_check(&Check::All(vec![pass(), Check::Any(vec![fail(), pass()])]), &input).await;
    assert!(r.passed && r.score == 1.0);
    // all[fail, any[fail, pass]]: mean of 0 and 1.
    let r = evaluate_check(&Check::All(vec![fail(), Check::Any(vec![fail(), pass()])]), &input).await;
    assert!(!r.passed && (r.score - 0.5).abs() < 1e-12, "{r:?}");

    // A probe that errors (its page is closed) fails the check, with the error as evidence.
    let doomed = chromium.open(&server.resolve("site://shop/")).await;
    let dead = Probe(doomed.clone());
    bounded("close", async { doomed.close().await.map_err(|e| e.to_string()) }).await.unwrap();
    let dead_input = CheckInput { probe: &dead, answer: None, submissions: &none };
    for check in [Check::Js("true".into()), pass(), text_eq("#cart-count", "0")] {
        let r = evaluate_check(&check, &dead_input).await;
        assert!(!r.passed && r.score == 0.0, "{check:?} passed on a closed page");
        assert!(r.evidence[0].observed.starts_with("probe error:"), "{:?}", r.evidence[0]);
    }
    chromium.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_real_form_submission_is_scoped_to_its_attempt_and_checked() {
    let server = SiteServer::start().await.unwrap();
    let chromium = Chromium::launch().await;
    let (mine, other) = (server.new_attempt(), server.new_attempt());
    let page = chromium.open(&server.resolve_for(&mine, "site://forms/contact.html").unwrap()).await;
    run_js(
        &page,
        "document.getElementById('contact-name').value = 'Ann Lee'; \
         document.getElementById('contact-email').value = 'ann@example.com'; \
         document.getElementById('topic').value = 'feedback'; \
         document.getElementById('message').value = 'Hello there, club!'; \
         document.getElementById('send-message').click(), true",
    )
    .await;
    wait_for(&page, "!document.getElementById('contact-success').hidden").await;

    let received = server.submissions(&mine);
    assert_eq!(received.len(), 1, "the page's submission is recorded under its attempt");
    assert!(server.submissions(&other).is_empty() && server.submissions("").is_empty());
    let shown = run_js(&page, "document.getElementById('contact-success').innerText").await;
    assert!(shown.as_str().unwrap().contains(&received[0].id), "the page shows the id the backend returned");

    let probe = Probe(page.clone());
    let input = CheckInput { probe: &probe, answer: None, submissions: &received };
    let sub = |form: &str, fields: &[(&str, &str)]| {
        Check::Submission(SubmissionCheck {
            site: "forms".into(),
            form: form.into(),
            fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        })
    };
    assert!(
        evaluate_check(&sub("contact", &[("topic", "feedback"), ("email", " ann@example.com ")]), &input).await.passed
    );
    assert!(evaluate_check(&sub("contact", &[]), &input).await.passed);
    let wrong = evaluate_check(&sub("contact", &[("topic", "events")]), &input).await;
    assert!(!wrong.passed);
    assert!(wrong.evidence[0].observed.contains("topic=\"feedback\""), "{:?}", wrong.evidence);
    assert!(!evaluate_check(&sub("registration", &[]), &input).await.passed);
    let others = server.submissions(&other);
    let other_input = CheckInput { probe: &probe, answer: None, submissions: &others };
    assert!(!evaluate_check(&sub("contact", &[]), &other_input).await.passed);
    chromium.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn miniwob_episode_utterance_and_reward() {
    let dir = MiniwobDir::open(std::path::Path::new(&super::fixture("miniwob"))).unwrap();
    assert_eq!(dir.page("click-button").unwrap(), "miniwob/click-button.html");
    assert!(dir.page("no-such-task").is_err());
    assert_eq!(miniwob::task_name("miniwob:click-button"), Some("click-button"));
    let server = SiteServer::start_with(Some(dir.root())).await.unwrap();
    let task = dir.task(&server, "click-button", 5, 30).unwrap();
    assert!(task.start_url.ends_with("/__miniwob/miniwob/click-button.html"), "{}", task.start_url);
    let chromium = Chromium::launch().await;
    let page = chromium.open(&task.start_url).await;
    let probe = Probe(page.clone());

    let utterance = miniwob::start_episode(&probe, 7, miniwob::DEFAULT_EPISODE_MAX_MS).await.unwrap();
    assert_eq!(utterance, "Click on the \"Submit\" button.");
    let before = miniwob::evaluate(&probe).await;
    assert!(!before.passed && before.score == 0.0 && before.evidence[0].observed == "episode not done");
    run_js(&page, "document.getElementById('btn-submit').click(), true").await;
    let state = miniwob::read_state(&probe).await.unwrap();
    assert!(state.done && state.raw_reward == Some(1.0), "{state:?}");
    let won = miniwob::evaluate(&probe).await;
    assert!(won.passed && won.score == 1.0, "{won:?}");

    // Second episode: the fixture asks for "Cancel"; clicking "Next" is wrong (reward -1 → score 0).
    let utterance = miniwob::start_episode(&probe, 8, miniwob::DEFAULT_EPISODE_MAX_MS).await.unwrap();
    assert_eq!(utterance, "Click on the \"Cancel\" button.");
    run_js(&page, "document.getElementById('btn-next').click(), true").await;
    let lost = miniwob::evaluate(&probe).await;
    assert!(!lost.passed && lost.score == 0.0, "{lost:?}");
    assert!(lost.evidence[0].observed.contains("-1"), "{:?}", lost.evidence);

    // A page without the MiniWoB core cannot start an episode.
    let shop = chromium.open(&server.resolve("site://shop/")).await;
    let err = miniwob::start_episode(&Probe(shop), 1, 1000).await.unwrap_err().to_string();
    assert!(err.contains("MiniWoB"), "{err}");
    chromium.close().await;
    server.shutdown().await;
}

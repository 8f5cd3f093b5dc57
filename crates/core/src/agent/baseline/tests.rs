//! Unit tests of the baseline planner on hand-made page states.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::agent::types::StepRecord;
use crate::browser::types::{ActionOutcome, ElementInfo, PageState};
use crate::registry::ModelConfig;

pub(super) fn el(index: u32, tag: &str, text: &str, attrs: &[(&str, &str)]) -> ElementInfo {
    ElementInfo {
        index,
        tag: tag.into(),
        role: None,
        text: text.into(),
        attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        in_shadow_root: false,
        frame_path: Vec::new(),
    }
}

pub(super) fn page(url: &str, title: &str, elements: Vec<ElementInfo>, text: &str) -> PageState {
    PageState {
        url: url.into(),
        title: title.into(),
        tabs: Vec::new(),
        serialized: text.into(),
        elements,
        pixels_above: 0,
        pixels_below: 0,
        dom_hash: format!("hash-of-{url}"),
        screenshot_png: None,
    }
}

pub(super) fn ctx(task: &str, state: PageState) -> PlanContext {
    PlanContext {
        task: task.into(),
        step: 1,
        max_steps: 20,
        state,
        history: Vec::new(),
        secret_names: Vec::new(),
        max_actions_per_step: 5,
        use_vision: false,
    }
}

/// The context of the following step: the previous plan and these outcomes in the history, on `state`.
pub(super) fn next(
    prev: &PlanContext,
    summary: PlanSummary,
    outcomes: Vec<ActionOutcome>,
    state: PageState,
) -> PlanContext {
    let mut history = prev.history.clone();
    history.push(StepRecord { step: prev.step, url: prev.state.url.clone(), plan: summary, outcomes });
    PlanContext { step: prev.step + 1, state, history, ..prev.clone() }
}

pub(super) fn ok(action: &str, output: Option<&str>) -> ActionOutcome {
    ActionOutcome {
        action: action.into(),
        target: String::new(),
        success: true,
        error: None,
        output: output.map(str::to_string),
        duration_ms: 1,
        page_changed: false,
    }
}

pub(super) fn planner(params: Value) -> BaselinePlanner {
    let params: BTreeMap<String, Value> = serde_json::from_value(params).unwrap();
    BaselinePlanner::new(BaselineOptions::from_params(&params).unwrap())
}

fn search_page() -> PageState {
    page(
        "http://127.0.0.1:9/search/",
        "Findr",
        vec![
            el(0, "a", "Home", &[("href", "index.html")]),
            el(1, "input", "", &[("type", "search"), ("placeholder", "Search the archive"), ("name", "q")]),
            el(2, "button", "Search", &[("type", "submit")]),
        ],
        "Findr\n[0]<a>Home</a>\n[1]<input placeholder=\"Search the archive\">\n[2]<button>Search</button>",
    )
}

#[test]
fn search_types_into_the_search_box_then_submits_per_setting() {
    let task = "Search the archive for 'lighthouse'.";
    let (_, actions) = planner(json!({})).decide(&ctx(task, search_page()));
    assert_eq!(
        actions,
        [json!({"input_text": {"index": 1, "text": "lighthouse"}}), json!({"send_keys": {"keys": "Enter"}})]
    );
    let (_, actions) = planner(json!({"press_enter_after_typing": false})).decide(&ctx(task, search_page()));
    assert_eq!(actions, [json!({"input_text": {"index": 1, "text": "lighthouse"}}), json!({"click": {"index": 2}})]);
}

#[test]
fn after_the_last_goal_the_planner_finishes_successfully() {
    let p = planner(json!({}));
    let first = ctx("Search the archive for 'lighthouse'.", search_page());
    let (summary, _) = p.decide(&first);
    let results = page("http://127.0.0.1:9/search/results.html?q=lighthouse", "Results", vec![], "3 results");
    let second = next(&first, summary, vec![ok("input_text", None), ok("send_keys", None)], results);
    let (_, actions) = p.decide(&second);
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["done"]["success"], json!(true), "{actions:?}");
}

fn listing() -> PageState {
    page(
        "http://127.0.0.1:9/shop/",
        "Northwind Outfitters",
        vec![
            el(0, "a", "Trail Runner 2", &[("href", "product.html?id=trail-runner-2")]),
            el(1, "button", "Add to cart", &[("aria-label", "Add Trail Runner 2 to cart")]),
            el(2, "a", "Summit Hiking Boots", &[("href", "product.html?id=summit-hiking-boots")]),
            el(3, "button", "Add to cart", &[("aria-label", "Add Summit Hiking Boots to cart")]),
        ],
        "All products",
    )
}

#[test]
fn cart_intent_picks_the_button_of_the_named_product() {
    let (_, actions) = planner(json!({})).decide(&ctx("Add the Summit Hiking Boots to the cart.", listing()));
    assert_eq!(actions, [json!({"click": {"index": 3}})]);
    let (_, actions) = planner(json!({})).decide(&ctx("Add the Trail Runner 2 shoes to the cart.", listing()));
    assert_eq!(actions, [json!({"click": {"index": 1}})]);
}

#[test]
fn cart_intent_opens_the_product_then_adds_it_on_its_page() {
    let p = planner(json!({}));
    let links_only = page(
        "http://127.0.0.1:9/shop/",
        "Shop",
        vec![el(0, "a", "Canvas Tote", &[]), el(1, "a", "Wool Beanie", &[]), el(2, "a", "Cart", &[])],
        "",
    );
    let first = ctx("Add one Wool Beanie to the cart.", links_only);
    let (summary, actions) = p.decide(&first);
    assert_eq!(actions, [json!({"click": {"index": 1}})]);
    let product = page(
        "http://127.0.0.1:9/shop/product.html?id=wool-beanie",
        "Wool Beanie — Northwind Outfitters",
        vec![
            el(0, "a", "Back", &[]),
            el(1, "input", "", &[("type", "number"), ("id", "quantity")]),
            el(2, "button", "Add to cart", &[("id", "add-to-cart")]),
        ],
        "Wool Beanie $14.00",
    );
    let second = next(&first, summary, vec![ok("click", None)], product);
    let (_, actions) = p.decide(&second);
    assert_eq!(actions, [json!({"click": {"index": 2}})]);
}

pub(super) fn sign_in_page() -> PageState {
    page(
        "http://127.0.0.1:9/portal/",
        "Acme Cloud — Sign in",
        vec![
            el(0, "input", "", &[("id", "username"), ("name", "username"), ("label", "Username")]),
            el(1, "input", "", &[("id", "password"), ("type", "password"), ("label", "Password")]),
            el(2, "button", "Sign in", &[("type", "submit"), ("id", "sign-in")]),
        ],
        "Sign in\n[0]<input name=username>\n[1]<input type=password>\n[2]<button>Sign in</button>\nDemo account\nUsername: demo · Password: demo123",
    )
}

#[test]
fn login_fills_both_fields_from_the_page_and_signs_in() {
    let task = "Sign in to Acme Cloud using the demo account shown on the sign-in page.";
    let (_, actions) = planner(json!({})).decide(&ctx(task, sign_in_page()));
    assert_eq!(
        actions,
        [
            json!({"input_text": {"index": 0, "text": "demo"}}),
            json!({"input_text": {"index": 1, "text": "demo123"}}),
            json!({"click": {"index": 2}}),
        ]
    );
}

#[test]
fn login_uses_credentials_from_the_task_and_respects_the_action_limit() {
    let p = planner(json!({"max_actions_per_step": 2}));
    let first = ctx("Try to sign in to Acme Cloud as user demo with the password 'letmein'.", sign_in_page());
    let (summary, actions) = p.decide(&first);
    assert_eq!(
        actions,
        [json!({"input_text": {"index": 0, "text": "demo"}}), json!({"input_text": {"index": 1, "text": "letmein"}})]
    );
    let second = next(&first, summary, vec![ok("input_text", None), ok("input_text", None)], sign_in_page());
    let (_, actions) = p.decide(&second);
    assert_eq!(actions, [json!({"click": {"index": 2}})]);
}

#[test]
fn login_prefers_secret_placeholders_when_the_task_has_secrets() {
    let mut c = ctx("Sign in to the portal.", sign_in_page());
    c.secret_names = vec!["portal_password".into(), "portal_user".into()];
    let (_, actions) = planner(json!({})).decide(&c);
    assert_eq!(actions[0], json!({"input_text": {"index": 0, "text": "<secret>portal_user</secret>"}}));
    assert_eq!(actions[1], json!({"input_text": {"index": 1, "text": "<secret>portal_password</secret>"}}));
}

pub(super) fn news_index() -> PageState {
    page(
        "http://127.0.0.1:9/news/",
        "The Daily Meridian",
        vec![
            el(0, "a", "Inside the Seed Vault", &[("href", "article.html?id=seed-vault")]),
            el(1, "a", "Rivers of the North", &[("href", "article.html?id=rivers-of-the-north")]),
            el(2, "a", "Science", &[("href", "category.html?c=science")]),
        ],
        "Latest",
    )
}

const ARTICLE: &str = "Rivers of the North\nThe Vellen starts in the hills. From its source to the estuary the Vellen \
                       river is 412 km long. Fishing is popular.";

fn article() -> PageState {
    page("http://127.0.0.1:9/news/article.html?id=rivers-of-the-north", "Rivers of the North", vec![], ARTICLE)
}

#[test]
fn a_question_navigates_extracts_then_answers_with_the_matching_number() {
    let p = planner(json!({}));
    let task = "According to the article 'Rivers of the North', how long is the Vellen river from its source to the \
                estuary, in kilometres? Answer with the number only.";
    let first = ctx(task, news_index());
    let (s1, a1) = p.decide(&first);
    assert_eq!(a1, [json!({"click": {"index": 1}})]);
    let second = next(&first, s1, vec![ok("click", None)], article());
    let (s2, a2) = p.decide(&second);
    assert_eq!(a2.len(), 1);
    assert!(a2[0].get("extract").is_some(), "{a2:?}");
    let third = next(&second, s2, vec![ok("extract", Some(ARTICLE))], article());
    let (_, a3) = p.decide(&third);
    assert_eq!(a3, [json!({"done": {"success": true, "text": "412"}})]);
}

#[test]
fn without_extract_the_question_is_answered_from_the_page_text() {
    let p = planner(json!({"answer_with_extract": false}));
    let c = ctx("Which river starts in the hills?", article());
    let (_, actions) = p.decide(&c);
    assert_eq!(actions, [json!({"done": {"success": true, "text": "The Vellen starts in the hills."}})]);
}

#[test]
fn nothing_matching_scrolls_while_possible_then_gives_up() {
    let task = "Open the 'Quarterly Report'.";
    let mut state = news_index();
    // Nothing below: wait once for late content, then give up.
    let first = ctx(task, state.clone());
    let (summary, actions) = planner(json!({})).decide(&first);
    assert_eq!(actions, [json!({"wait": {"ms": 1500}})]);
    let second = next(&first, summary, vec![ok("wait", None)], state.clone());
    let (_, actions) = planner(json!({})).decide(&second);
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["done"]["success"], json!(false), "{actions:?}");
    assert!(actions[0]["done"]["text"].as_str().unwrap().contains("Quarterly Report"));

    state.pixels_below = 800;
    let p = planner(json!({"max_scrolls": 1, "max_waits": 0}));
    let first = ctx(task, state.clone());
    let (summary, actions) = p.decide(&first);
    assert_eq!(actions, [json!({"scroll": {"direction": "down", "amount": null}})]);
    let second = next(&first, summary, vec![ok("scroll", None)], state);
    let (_, actions) = p.decide(&second);
    assert_eq!(actions[0]["done"]["success"], json!(false), "{actions:?}");
}

#[test]
fn the_match_threshold_decides_whether_a_partial_match_is_clicked() {
    // "Rivers report" → tokens river, report: "Rivers of the North" has 1 of 2.
    let task = "Open the Rivers report.";
    let (_, lax) = planner(json!({"match_threshold": 0.5})).decide(&ctx(task, news_index()));
    assert_eq!(lax, [json!({"click": {"index": 1}})]);
    let (_, strict) = planner(json!({"match_threshold": 0.9, "max_waits": 0})).decide(&ctx(task, news_index()));
    assert_eq!(strict[0]["done"]["success"], json!(false), "{strict:?}");
}

#[test]
fn words_of_the_page_title_and_generic_part_names_do_not_count_against_a_match() {
    // Without "section" and the site name (the page title), only "science" is left: the link matches fully.
    let task = "Go to the Science section of The Daily Meridian.";
    let (_, actions) = planner(json!({"match_threshold": 0.9})).decide(&ctx(task, news_index()));
    assert_eq!(actions, [json!({"click": {"index": 2}})]);
}

#[test]
fn the_same_element_is_not_clicked_twice_in_a_row_on_the_same_page() {
    let p = planner(json!({}));
    let task = "Open 'Rivers of the North' and then open 'Rivers of the North'.";
    let first = ctx(task, news_index());
    let (summary, actions) = p.decide(&first);
    assert_eq!(actions, [json!({"click": {"index": 1}})]);
    // The click did not change the page: the second goal may not click element 1 again.
    let second = next(&first, summary, vec![ok("click", None)], news_index());
    let (_, actions) = p.decide(&second);
    assert_ne!(actions, [json!({"click": {"index": 1}})]);
}

#[test]
fn a_stagnation_warning_makes_it_give_up() {
    let p = planner(json!({}));
    let first = ctx("Open 'Rivers of the North'.", news_index());
    let (summary, _) = p.decide(&first);
    let mut warning = ok("stagnation", None);
    warning.success = false;
    warning.error = Some("repeated".into());
    let second = next(&first, summary, vec![ok("click", None), warning], news_index());
    let (_, actions) = p.decide(&second);
    assert_eq!(actions[0]["done"]["success"], json!(false), "{actions:?}");
}

#[test]
fn the_same_context_always_gives_the_same_plan() {
    let p = planner(json!({}));
    for (task, state) in [
        ("Search the archive for 'lighthouse'.", search_page()),
        ("Add the Summit Hiking Boots to the cart.", listing()),
        ("Sign in to Acme Cloud using the demo account.", sign_in_page()),
        ("Which river starts in the hills?", article()),
    ] {
        let c = ctx(task, state);
        let a = p.decide(&c);
        for _ in 0..3 {
            assert_eq!(p.decide(&c), a, "{task}");
        }
        assert_eq!(planner(json!({})).decide(&c), a, "a fresh planner agrees for {task}");
    }
}

fn version(provider: Provider, extra: Value) -> ModelVersion {
    ModelVersion {
        id: "v".into(),
        model_id: "m".into(),
        model_name: "agent".into(),
        version: 2,
        reference: "agent:2".into(),
        config: ModelConfig {
            provider,
            model_id: "keyword".into(),
            base_url: None,
            temperature: 0.0,
            max_tokens: None,
            top_p: None,
            system_prompt: String::new(),
            extra_params: serde_json::from_value(extra).unwrap(),
        },
        description: String::new(),
        changelog: String::new(),
        parent_version_id: None,
        parent_reference: None,
        config_diff: Vec::new(),
        created_by: String::new(),
        archived_at_ms: None,
        created_at_ms: 0,
        aliases: Vec::new(),
    }
}

#[test]
fn from_version_reads_extra_params_and_refuses_unknown_keys_and_other_providers() {
    let p = BaselinePlanner::from_version(&version(Provider::Baseline, json!({"max_scrolls": 5}))).unwrap();
    assert_eq!(p.options().max_scrolls, 5);
    assert_eq!(p.describe(), "baseline/keyword");
    let err = BaselinePlanner::from_version(&version(Provider::Baseline, json!({"fuzzy": true}))).unwrap_err();
    assert!(err.contains("agent:2") && err.contains("\"fuzzy\""), "{err}");
    let err = BaselinePlanner::from_version(&version(Provider::Openai, json!({}))).unwrap_err();
    assert!(err.contains("provider openai, not baseline"), "{err}");
}

#[tokio::test]
async fn plan_reports_the_decision_with_zero_cost_and_records_it_as_messages() {
    let p = planner(json!({}));
    let c = ctx("Search the archive for 'lighthouse'.", search_page());
    let out = p.plan(&c).await.unwrap();
    let (summary, actions) = p.decide(&c);
    assert_eq!(out.actions, actions);
    assert_eq!(out.summary, summary);
    assert_eq!(out.cost_usd, Some(0.0));
    assert_eq!(out.messages.len(), 2);
    let answer: Value = serde_json::from_str(&out.messages[1].content).unwrap();
    assert_eq!(answer["actions"], Value::from(actions));
}

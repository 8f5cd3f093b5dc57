//! Unit tests of the baseline's site-independent behaviours on hand-written page states: a consent banner is
//! dismissed first (the least-consenting choice), a target missing from the page is searched for with the site's
//! search box, a question leads to the link naming what it asks about, the n-th field is focused, and a target made
//! only of stop words ("ONE") still finds its button.

use serde_json::json;

use super::tests::{ctx, el, next, ok, page, planner};
use crate::browser::types::PageState;

fn home_behind_banner() -> PageState {
    page(
        "http://127.0.0.1:9/",
        "Stellar News",
        vec![
            el(0, "button", "Manage choices", &[]),
            el(1, "button", "Reject non-essential", &[]),
            el(2, "button", "Accept all cookies", &[]),
        ],
        "We use cookies to measure traffic. Choose what you allow.\n[0]<button>Manage choices</button>\n\
         [1]<button>Reject non-essential</button>\n[2]<button>Accept all cookies</button>",
    )
}

fn home() -> PageState {
    page(
        "http://127.0.0.1:9/",
        "Stellar News",
        vec![
            el(0, "a", "Planets", &[("href", "planets.html")]),
            el(1, "a", "Vesta-9 surprises astronomers", &[("href", "vesta-9.html")]),
            el(2, "input", "", &[("type", "search"), ("name", "q"), ("placeholder", "Search")]),
        ],
        "[0]<a>Planets</a>\nLatest\n[1]<a>Vesta-9 surprises astronomers</a>\n[2]<input type=\"search\" />",
    )
}

#[test]
fn a_consent_banner_is_dismissed_first_with_the_least_consenting_choice_and_only_once() {
    let p = planner(json!({}));
    let first = ctx("Open the Planets section.", home_behind_banner());
    let (summary, actions) = p.decide(&first);
    assert_eq!(actions, [json!({"click": {"index": 1}})], "reject before accept");
    // The banner is gone: the goal itself comes next.
    let second = next(&first, summary.clone(), vec![ok("click", None)], home());
    let (_, actions) = p.decide(&second);
    assert_eq!(actions, [json!({"click": {"index": 0}})]);
    // A banner that stays (the click did nothing) is not clicked again.
    let stuck = next(&first, summary, vec![ok("click", None)], home_behind_banner());
    let (_, actions) = p.decide(&stuck);
    assert_ne!(actions, [json!({"click": {"index": 1}})]);
    // A task about cookies handles the banner as its goal, not as an obstacle.
    let (_, actions) = p.decide(&ctx("Accept all cookies.", home_behind_banner()));
    assert_eq!(actions, [json!({"click": {"index": 2}})]);
}

#[test]
fn a_target_missing_from_the_page_is_searched_for_once() {
    let p = planner(json!({}));
    let first = ctx("Open the article about solar sails.", home());
    let (summary, actions) = p.decide(&first);
    assert_eq!(
        actions,
        [json!({"input_text": {"index": 2, "text": "solar sails"}}), json!({"send_keys": {"keys": "Enter"}})]
    );
    let results = page(
        "http://127.0.0.1:9/search.html?q=solar+sails",
        "Search – Stellar News",
        vec![
            el(0, "a", "Planets", &[("href", "planets.html")]),
            el(1, "a", "Solar sails reach the outer belt", &[("href", "solar-sails.html")]),
            el(2, "input", "", &[("type", "search"), ("name", "q"), ("value", "solar sails")]),
        ],
        "[0]<a>Planets</a>\n1 result\n[1]<a>Solar sails reach the outer belt</a>\n[2]<input type=\"search\" />",
    );
    let second = next(&first, summary, vec![ok("input_text", None), ok("send_keys", None)], results);
    let (summary, actions) = p.decide(&second);
    assert_eq!(actions, [json!({"click": {"index": 1}})]);
    assert!(summary.memory.contains("\"searched\":false") || !summary.memory.contains("\"searched\":true"));
}

#[test]
fn a_question_leads_to_the_link_naming_what_it_asks_about() {
    let p = planner(json!({}));
    let (_, actions) = p.decide(&ctx("How many moons does Vesta-9 have?", home()));
    assert_eq!(actions, [json!({"click": {"index": 1}})]);
    // On the article, which names Vesta-9 in its text, the answer is read from the page instead.
    let article = page(
        "http://127.0.0.1:9/vesta-9.html",
        "Vesta-9 – Stellar News",
        vec![el(0, "a", "Planets", &[("href", "planets.html")])],
        "[0]<a>Planets</a>\nVesta-9 is a gas giant. It has 14 moons, two of them with oceans.",
    );
    let (_, actions) = p.decide(&ctx("How many moons does Vesta-9 have?", article));
    assert!(actions.iter().all(|a| a.get("click").is_none()), "{actions:?}");
}

#[test]
fn the_nth_field_is_focused_and_stop_word_labels_are_found() {
    let p = planner(json!({}));
    let form = page(
        "http://127.0.0.1:9/focus.html",
        "Focus",
        vec![
            el(0, "input", "", &[("type", "text")]),
            el(1, "button", "ONE", &[]),
            el(2, "input", "", &[("type", "text")]),
            el(3, "button", "TWO", &[]),
            el(4, "input", "", &[("type", "text")]),
        ],
        "[0]<input />\n[1]<button>ONE</button>\n[2]<input />\n[3]<button>TWO</button>\n[4]<input />",
    );
    let (_, actions) = p.decide(&ctx("Focus into the 2nd input textbox.", form.clone()));
    assert_eq!(actions, [json!({"click": {"index": 2}})]);
    let (_, actions) = p.decide(&ctx("Focus into the last input textbox.", form.clone()));
    assert_eq!(actions, [json!({"click": {"index": 4}})]);
    let (_, actions) = p.decide(&ctx("Click button TWO.", form));
    assert_eq!(actions, [json!({"click": {"index": 3}})]);
}

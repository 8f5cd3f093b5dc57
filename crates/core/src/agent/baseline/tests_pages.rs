//! Unit tests of the baseline's form filling, dropdowns, pagination, partial steps and answers, on hand-written page
//! states in the serialised format the agent sees (`[i]<tag attrs>text</tag>` lines with the text between them).

use serde_json::json;

use super::tests::{ctx, el, news_index, next, ok, page, planner, sign_in_page};
use crate::browser::types::{ActionOutcome, PageState};

const CONTACT_TASK: &str = "Use the contact form to send the message 'Call me back.' with the name Tom Baker and the \
                            email tom@example.com.";

fn contact_form(name: &str, email: &str, message: &str) -> PageState {
    page(
        "http://127.0.0.1:9/forms/contact.html",
        "Contact – Civic Club",
        vec![
            el(0, "a", "Contact us", &[("href", "contact.html")]),
            el(1, "input", "", &[("type", "text"), ("name", "name"), ("label", "Your name"), ("value", name)]),
            el(2, "input", "", &[("type", "email"), ("name", "email"), ("label", "Your email"), ("value", email)]),
            el(3, "select", "General question", &[("name", "topic"), ("label", "Topic"), ("value", "general")]),
            el(4, "textarea", "", &[("name", "message"), ("label", "Message"), ("value", message)]),
            el(5, "button", "Send message", &[("type", "submit")]),
        ],
        "[0]<a href=\"contact.html\">Contact us</a>\nYour name\n[1]<input type=\"text\" name=\"name\" label=\"Your \
         name\" />\nYour email\n[2]<input type=\"email\" />\nTopic\n[3]<select label=\"Topic\">General \
         question</select>\nMessage\n[4]<textarea label=\"Message\"></textarea>\n[5]<button type=\"submit\">Send \
         message</button>",
    )
}

fn typed(index: u32) -> ActionOutcome {
    ActionOutcome { target: format!("[{index}] input"), ..ok("input_text", None) }
}

#[test]
fn a_form_is_filled_by_label_from_the_instruction_then_submitted() {
    let p = planner(json!({}));
    let first = ctx(CONTACT_TASK, contact_form("", "", ""));
    let (summary, actions) = p.decide(&first);
    assert_eq!(
        actions,
        [
            json!({"input_text": {"index": 1, "text": "Tom Baker"}}),
            json!({"input_text": {"index": 2, "text": "tom@example.com"}}),
            json!({"input_text": {"index": 4, "text": "Call me back."}}),
        ]
    );
    // The loop ran only the first input (it changed the page): the others are typed next, the first is not retyped.
    let second = next(&first, summary, vec![typed(1)], contact_form("Tom Baker", "", ""));
    let (summary, actions) = p.decide(&second);
    assert_eq!(
        actions,
        [
            json!({"input_text": {"index": 2, "text": "tom@example.com"}}),
            json!({"input_text": {"index": 4, "text": "Call me back."}}),
        ]
    );
    let filled = contact_form("Tom Baker", "tom@example.com", "Call me back.");
    let third = next(&second, summary, vec![typed(2), typed(4)], filled.clone());
    let (summary, actions) = p.decide(&third);
    assert_eq!(actions, [json!({"click": {"index": 5}})], "the topic is not in the task and stays as it is");
    let fourth = next(&third, summary, vec![ok("click", None)], filled);
    let (_, actions) = p.decide(&fourth);
    assert_eq!(actions[0]["done"]["success"], json!(true));
}

#[test]
fn a_step_cut_short_by_a_page_change_continues_where_it_stopped() {
    let p = planner(json!({}));
    let first = ctx("Sign in to Acme Cloud using the demo account shown on the sign-in page.", sign_in_page());
    let (summary, actions) = p.decide(&first);
    assert_eq!(actions.len(), 3);
    // Only the username was typed before the loop stopped the step.
    let second = next(&first, summary, vec![ok("input_text", None)], sign_in_page());
    let (_, actions) = p.decide(&second);
    assert_eq!(
        actions,
        [json!({"input_text": {"index": 1, "text": "demo123"}}), json!({"click": {"index": 2}})],
        "the rest of the sign-in, not a jump to the next goal"
    );
}

fn shop_listing(sorted: &str) -> PageState {
    page(
        "http://127.0.0.1:9/shop/index.html",
        "Northwind Outfitters – Shop",
        vec![
            el(0, "a", "Shoes", &[("href", "index.html?category=shoes")]),
            el(1, "select", sorted, &[("name", "sort"), ("label", "Sort by")]),
            el(2, "a", "Trail Runner 2", &[("href", "product.html?id=trail-runner-2")]),
        ],
        "[0]<a>Shoes</a>\nSort by\n[1]<select name=\"sort\" label=\"Sort by\">Featured</select>\n[2]<a>Trail Runner \
         2</a>\n$89.99 In stock",
    )
}

#[test]
fn dropdown_options_are_read_then_the_matching_one_is_chosen() {
    let task = "Sort all products by price from low to high.";
    let p = planner(json!({}));
    let first = ctx(task, shop_listing("Featured"));
    let (summary, actions) = p.decide(&first);
    assert_eq!(actions, [json!({"get_dropdown_options": {"index": 1}})]);
    let listed = ActionOutcome {
        target: "[1] select \"Featured\"".into(),
        ..ok("get_dropdown_options", Some("0: Featured (selected)\n1: Price: high to low\n2: Price: low to high"))
    };
    let second = next(&first, summary, vec![listed.clone()], shop_listing("Featured"));
    let (_, actions) = p.decide(&second);
    assert_eq!(actions, [json!({"select_option": {"index": 1, "text": "Price: low to high"}})]);

    // A strict threshold refuses the option (4 of the 5 task words): no choice, the planner looks further.
    let strict = planner(json!({"match_threshold": 1.2, "max_waits": 0}));
    let (summary, _) = strict.decide(&first);
    let (_, actions) = strict.decide(&next(&first, summary, vec![listed], shop_listing("Featured")));
    assert_eq!(actions[0]["done"]["success"], json!(false), "{actions:?}");
}

#[test]
fn page_n_clicks_the_pagination_link() {
    let results = page(
        "http://127.0.0.1:9/search/results.html?q=river",
        "Results",
        vec![
            el(0, "a", "River Journeys", &[("href", "doc.html?id=2")]),
            el(1, "a", "2", &[("href", "results.html?q=river&page=2")]),
            el(2, "a", "Next", &[("aria-label", "Next page")]),
        ],
        "[0]<a>River Journeys</a>\nPage\n[1]<a>2</a>\n[2]<a aria-label=\"Next page\">Next</a>",
    );
    let (_, actions) = planner(json!({})).decide(&ctx("Go to page 2 of the results.", results));
    assert_eq!(actions, [json!({"click": {"index": 1}})]);
}

#[test]
fn a_which_question_is_answered_with_the_item_named_before_the_predicate() {
    let listing = page(
        "http://127.0.0.1:9/shop/index.html?category=outdoor",
        "Outdoor",
        vec![el(0, "a", "Camp Lantern", &[]), el(1, "a", "Trail Stove", &[])],
        "[0]<a href=\"p?id=1\">Camp Lantern</a>\n$36.50 In stock\n[1]<a href=\"p?id=2\">Trail Stove</a>\n$20.00 \
         Out of stock",
    );
    let task = "Which product is currently out of stock? Answer with the product name.";
    let (_, actions) = planner(json!({})).decide(&ctx(task, listing));
    assert_eq!(actions, [json!({"done": {"success": true, "text": "Trail Stove"}})]);
}

#[test]
fn an_instruction_naming_nothing_on_the_page_does_not_claim_success() {
    let (_, actions) =
        planner(json!({"max_waits": 0})).decide(&ctx("Download the annual budget spreadsheet.", news_index()));
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["done"]["success"], json!(false), "{actions:?}");
}

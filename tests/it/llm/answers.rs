//! The answer corpus (`tests/fixtures/llm/answers.json`): every crafted model answer — JSON in prose, fenced,
//! truncated, tool calls of each provider, refusals, string indexes — is read by the planner's own reader into exactly
//! the expected actions, or into an error naming the problem; and the actions it yields parse as browser actions.

use browser_ai_mlops_core::agent::llm_planner::read_response;
use browser_ai_mlops_core::browser::parse_action;
use serde_json::{Value, json};

fn corpus() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/llm/answers.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["answers"].as_array().unwrap().clone()
}

#[test]
fn every_answer_of_the_corpus_is_read_as_expected() {
    let answers = corpus();
    assert!(answers.len() >= 20, "the corpus shrank");
    for a in &answers {
        let name = a["name"].as_str().unwrap();
        let got = read_response(
            a["content"].as_str().unwrap(),
            a.get("tool_calls").unwrap_or(&json!([])),
            a["finish_reason"].as_str(),
            a["refusal"].as_str(),
        );
        match (a.get("actions"), a["error"].as_str()) {
            (Some(want), _) => {
                let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(&Value::Array(got.actions.clone()), want, "{name}");
                for action in &got.actions {
                    parse_action(action).unwrap_or_else(|e| panic!("{name}: {action} does not parse: {e}"));
                }
            }
            (None, Some(phrase)) => {
                let err = got.err().unwrap_or_else(|| panic!("{name}: expected an error"));
                assert!(err.contains(phrase), "{name}: {err}");
            }
            _ => panic!("{name}: the entry names neither actions nor an error"),
        }
    }
}

#[test]
fn a_cut_off_answer_names_the_output_limit() {
    let err = read_response("{\"actions\": [{\"click\": {\"in", &json!([]), Some("length"), None).unwrap_err();
    assert!(err.contains("finish reason length") && err.contains("max_tokens"), "{err}");
}

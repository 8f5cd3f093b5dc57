//! `bench llm`: the LLM planner measured without a model. Reads the answer corpus (`tests/fixtures/llm/answers.json`,
//! built into the binary: model answers as providers return them — JSON in prose, fenced, truncated, tool calls,
//! refusals, string indexes) with the planner's own reader and counts how many become a plan, how many of those
//! plans' actions parse as browser actions, and how many are reported unreadable (each with its reason).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use browser_ai_mlops_core::agent::llm_planner::read_response;
use browser_ai_mlops_core::browser::parse_action;
use browser_ai_mlops_core::error::{Error, Result};

const CORPUS: &str = include_str!("../../../../tests/fixtures/llm/answers.json");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerRow {
    pub name: String,
    /// `plan (N actions)` or `unreadable: reason`.
    pub outcome: String,
    /// The corpus says this answer holds a plan.
    pub expected_plan: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LlmBenchReport {
    pub answers: Vec<AnswerRow>,
    pub total: usize,
    /// Answers read into a plan whose every action parses.
    pub planned: usize,
    /// Answers that hold a plan (per the corpus) and were read into it.
    pub planned_of_expected: usize,
    pub expected_plans: usize,
}

pub fn run() -> Result<LlmBenchReport> {
    let doc: Value =
        serde_json::from_str(CORPUS).map_err(|e| Error::Failed(format!("the built-in answer corpus: {e}")))?;
    let mut answers = Vec::new();
    let (mut planned, mut planned_of_expected, mut expected_plans) = (0, 0, 0);
    for a in doc["answers"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let expected_plan = a.get("actions").is_some();
        expected_plans += usize::from(expected_plan);
        let read = read_response(
            a["content"].as_str().unwrap_or_default(),
            a.get("tool_calls").unwrap_or(&json!([])),
            a["finish_reason"].as_str(),
            a["refusal"].as_str(),
        );
        let outcome = match read {
            Ok(p) => match p.actions.iter().map(parse_action).collect::<std::result::Result<Vec<_>, _>>() {
                Ok(actions) => {
                    planned += 1;
                    planned_of_expected +=
                        usize::from(expected_plan && Some(&Value::Array(p.actions)) == a.get("actions"));
                    format!("plan ({} actions)", actions.len())
                }
                Err(e) => format!("unreadable action: {e}"),
            },
            Err(e) => format!("unreadable: {e}"),
        };
        answers.push(AnswerRow { name: a["name"].as_str().unwrap_or_default().to_string(), outcome, expected_plan });
    }
    Ok(LlmBenchReport { total: answers.len(), answers, planned, planned_of_expected, expected_plans })
}

pub fn render(r: &LlmBenchReport) -> String {
    let rows = r.answers.iter().map(|a| vec![a.name.clone(), a.outcome.chars().take(90).collect()]);
    let mut text = crate::output::table(&["answer", "read as"], rows);
    text.push_str(&format!(
        "\n\n{} answers: {} read into a plan whose actions all parse; {} of the {} that hold a plan read into \
         exactly it; {} reported unreadable with a reason",
        r.total,
        r.planned,
        r.planned_of_expected,
        r.expected_plans,
        r.total - r.planned
    ));
    text
}

//! The LLM planner against a fake OpenAI server: what the prompt contains (elements, history, errors), how answers
//! are parsed (fenced, bare, garbage), what it records, and that no secret or key ends up in the recorded messages.

use serde_json::{Value, json};

use browser_ai_mlops_core::agent::llm_planner::LlmPlanner;
use browser_ai_mlops_core::agent::types::{PlanContext, PlanError, PlanSummary, Planner, StepRecord};
use browser_ai_mlops_core::browser::types::{ActionOutcome, PageState, TabInfo};
use browser_ai_mlops_core::llm::Price;
use browser_ai_mlops_core::registry::Provider;
use browser_ai_mlops_core::tracker::Role;

use super::fake::{self, CANARY, FakeServer, Reply, error_reply, fixture};

const ELEMENTS: &str =
    "Findr search\n[0]<input name=\"q\" placeholder=\"Search\"></input>\n[1]<button>Search</button>\n… 300 px below";
const PREVIOUS_ERROR: &str = "no element with index 40; valid indexes are 0..=1";
/// A secret's value: the planner only ever sees its placeholder, so this must never show up anywhere it records.
const SECRET_VALUE: &str = "hunter2-canary-secret";

fn context(step: u32) -> PlanContext {
    let state = PageState {
        url: "http://127.0.0.1:9/search/".into(),
        title: "Findr".into(),
        tabs: vec![TabInfo { index: 0, url: "http://127.0.0.1:9/search/".into(), title: "Findr".into(), active: true }],
        elements: Vec::new(),
        serialized: ELEMENTS.into(),
        pixels_above: 0,
        pixels_below: 300,
        dom_hash: "ab".into(),
        screenshot_png: Some(vec![137, 80, 78, 71]),
    };
    let history = (1..step)
        .map(|n| StepRecord {
            step: n,
            url: "http://127.0.0.1:9/search/".into(),
            plan: PlanSummary {
                evaluation_previous_goal: "start".into(),
                memory: format!("memory after step {n}"),
                next_goal: format!("goal of step {n}"),
            },
            outcomes: vec![ActionOutcome {
                action: "click".into(),
                target: "[40]".into(),
                success: false,
                error: Some(PREVIOUS_ERROR.into()),
                output: None,
                duration_ms: 3,
                page_changed: false,
            }],
        })
        .collect();
    PlanContext {
        task: "Log in as demo with password <secret>password</secret>, then search for rust".into(),
        step,
        max_steps: 10,
        state,
        history,
        secret_names: vec!["password".into()],
        max_actions_per_step: 3,
        use_vision: false,
    }
}

/// An OpenAI chat completion whose message content is `content`, with the usage of `usage.json`.
fn completion(content: &str) -> Value {
    let mut body = fixture("openai", "usage.json")["response"].clone();
    body["choices"][0]["message"]["content"] = json!(content);
    body
}

fn planner(server: &FakeServer, max_retries: u32) -> LlmPlanner {
    let price: Price = serde_json::from_value(fixture("openai", "usage.json")["price"].clone()).unwrap();
    let client = fake::client("openai", server, max_retries, Some(price));
    LlmPlanner::new(client, &fake::version(Provider::Openai, "gpt-4o", None))
}

const ANSWER: &str = r#"{"evaluation_previous_goal": "index 40 did not exist", "memory": "on the search page",
"next_goal": "search", "actions": [{"input_text": {"index": 0, "text": "rust"}}, {"click": {"index": 1}}]}"#;

#[tokio::test]
async fn the_prompt_carries_task_elements_history_and_errors_and_fenced_json_is_parsed() {
    let fenced = format!("Here is my plan:\n```json\n{ANSWER}\n```\nGood luck!");
    let server = FakeServer::start(vec![Reply::json(200, &completion(&fenced))]).await;
    let out = planner(&server, 0).plan(&context(2)).await.unwrap();

    let body = &server.seen()[0].body;
    // api.openai.com holds the model to the answer schema (strict structured output).
    let format = &body["response_format"];
    assert_eq!((format["type"].as_str(), format["json_schema"]["strict"].as_bool()), (Some("json_schema"), Some(true)));
    assert_eq!(format["json_schema"]["schema"], browser_ai_mlops_core::agent::schema::answer_schema());
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("\"actions\"") && system.contains("{\"click\": {\"index\": 3}}"), "{system}");
    let user = body["messages"][1]["content"].as_str().unwrap();
    for needle in
        [ELEMENTS, PREVIOUS_ERROR, "Step 2 of 10", "memory after step 1", "goal of step 1", "<secret>password</secret>"]
    {
        assert!(user.contains(needle), "user message lacks {needle:?}:\n{user}");
    }
    assert_eq!(body["messages"].as_array().unwrap().len(), 2, "only system + this step's user message are sent");

    let parsed: Value = serde_json::from_str(ANSWER).unwrap();
    assert_eq!(out.actions, parsed["actions"].as_array().unwrap().clone());
    assert_eq!(out.summary.memory, parsed["memory"].as_str().unwrap());
    assert_eq!(out.summary.next_goal, "search");
    let roles: Vec<Role> = out.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant], "the system prompt is recorded at step 1 only");
    assert_eq!(out.messages[0].content, user);
    assert_eq!(out.messages[1].content, fenced);
    assert_eq!(out.messages[1].tokens, out.usage);
    assert!(out.usage.cache_read > 0 && out.cost_usd.is_some_and(|c| c > 0.0));
}

#[tokio::test]
async fn step_one_records_the_system_prompt_and_bare_json_parses() {
    let server = FakeServer::start(vec![Reply::json(200, &completion(ANSWER))]).await;
    let mut ctx = context(1);
    ctx.use_vision = true;
    let out = planner(&server, 0).plan(&ctx).await.unwrap();
    let roles: Vec<Role> = out.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::System, Role::User, Role::Assistant]);
    assert_eq!(out.actions.len(), 2);
    let body = &server.seen()[0].body;
    let url = body["messages"][1]["content"][1]["image_url"]["url"].as_str().unwrap();
    assert_eq!(url, "data:image/png;base64,iVBORw==", "use_vision sends the screenshot");
}

#[tokio::test]
async fn more_actions_than_allowed_are_cut_to_the_limit() {
    let many = json!({"actions": [{"wait": {"ms": 1}}, {"wait": {"ms": 2}}, {"wait": {"ms": 3}}, {"wait": {"ms": 4}}]});
    let server = FakeServer::start(vec![Reply::json(200, &completion(&many.to_string()))]).await;
    let ctx = context(1);
    let out = planner(&server, 0).plan(&ctx).await.unwrap();
    assert_eq!(out.actions, many["actions"].as_array().unwrap()[..ctx.max_actions_per_step as usize].to_vec());
}

#[tokio::test]
async fn garbage_and_bad_actions_are_recoverable_with_a_precise_message() {
    let cases = [
        ("I would click the search button now.", "no JSON object"),
        (r#"{"memory": "x", "next_goal": "y"}"#, "no \"actions\" list"),
        (r#"{"actions": "click 1"}"#, "\"actions\" must be a list"),
    ];
    for (answer, expected) in cases {
        let server = FakeServer::start(vec![Reply::json(200, &completion(answer))]).await;
        match planner(&server, 0).plan(&context(1)).await {
            Err(PlanError::Recoverable(msg)) => assert!(msg.contains(expected), "{answer}: {msg}"),
            other => panic!("{answer}: expected Recoverable, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn provider_failures_map_to_fatal_or_recoverable() {
    let server = FakeServer::start(vec![error_reply("openai", "auth")]).await;
    match planner(&server, 2).plan(&context(1)).await {
        Err(PlanError::Fatal(msg)) => assert!(msg.contains("authentication failed") && !msg.contains(CANARY), "{msg}"),
        other => panic!("expected Fatal, got {other:?}"),
    }
    let server = FakeServer::start(vec![error_reply("openai", "server")]).await;
    match planner(&server, 1).plan(&context(1)).await {
        Err(PlanError::Recoverable(msg)) => assert!(msg.contains("after 2 attempt(s)"), "{msg}"),
        other => panic!("expected Recoverable, got {other:?}"),
    }
}

#[tokio::test]
async fn secrets_and_keys_never_appear_in_recorded_messages() {
    let answer = json!({
        "memory": "typing the password",
        "actions": [{"input_text": {"index": 0, "text": "<secret>password</secret>"}}],
    });
    let server = FakeServer::start(vec![Reply::json(200, &completion(&answer.to_string()))]).await;
    let out = planner(&server, 0).plan(&context(3)).await.unwrap();
    let recorded = serde_json::to_string(&out.messages).unwrap();
    let sent = server.seen()[0].body.to_string();
    for text in [&recorded, &sent] {
        assert!(!text.contains(SECRET_VALUE), "a secret value leaked: {text}");
        assert!(text.contains("<secret>password</secret>"));
    }
    assert!(!recorded.contains(CANARY), "the API key leaked into recorded messages");
    assert_eq!(out.actions[0]["input_text"]["text"], "<secret>password</secret>", "placeholders are not resolved here");
}

/// A refusal ends the run with the model's words (one `done(false)`), instead of three failed steps.
#[tokio::test]
async fn a_refusal_is_the_plan_done_unsuccessfully_with_the_models_words() {
    let mut body = completion("");
    body["choices"][0]["message"]["content"] = Value::Null;
    body["choices"][0]["message"]["refusal"] = json!("I can't help with that.");
    let server = FakeServer::start(vec![Reply::json(200, &body)]).await;
    let out = planner(&server, 0).plan(&context(1)).await.unwrap();
    assert_eq!(
        out.actions,
        [json!({"done": {"success": false, "text": "the model refused: I can't help with that."}})]
    );
}

/// An answer that arrives only as tool calls is read from them.
#[tokio::test]
async fn an_answer_given_as_tool_calls_is_read_from_them() {
    let mut body = completion("");
    body["choices"][0]["message"]["content"] = Value::Null;
    body["choices"][0]["message"]["tool_calls"] = json!([{"id": "c1", "type": "function", "function": {
        "name": "click", "arguments": "{\"index\": \"7\"}"}}]);
    let server = FakeServer::start(vec![Reply::json(200, &body)]).await;
    let out = planner(&server, 0).plan(&context(1)).await.unwrap();
    assert_eq!(out.actions, [json!({"click": {"index": "7"}})]);
}

/// Anthropic: the answer is a forced call of the answer tool, whose input is read as the answer.
#[tokio::test]
async fn anthropic_is_forced_to_answer_through_the_answer_tool() {
    let reply = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "agent_output", "input": {
            "evaluation_previous_goal": "", "memory": "m", "next_goal": "search",
            "actions": [{"input_text": {"index": 0, "text": "rust"}}]}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 5}
    });
    let server = FakeServer::start(vec![Reply::json(200, &reply)]).await;
    let client = fake::client("anthropic", &server, 0, None);
    let planner = LlmPlanner::new(client, &fake::version(Provider::Anthropic, fake::model_of("anthropic"), None));
    let out = planner.plan(&context(1)).await.unwrap();
    assert_eq!(out.actions, [json!({"input_text": {"index": 0, "text": "rust"}})]);
    assert_eq!(out.summary.next_goal, "search");
    let body = &server.seen()[0].body;
    assert_eq!(body["tool_choice"], json!({"type": "tool", "name": "agent_output"}));
    assert_eq!(body["tools"][0]["input_schema"], browser_ai_mlops_core::agent::schema::answer_schema());
}

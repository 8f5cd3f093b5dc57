//! Integration tests of the agent loop over a scripted fake browser, recording into a real SQLite store: stop
//! conditions, action limits, error feedback, stagnation, secrets, artifacts, and that what is recorded equals what
//! happened. The offline baseline on real Chromium is in `baseline_on_builtin_sites.rs`. (The baseline planner's own
//! tests are unit tests in `crates/core/src/agent/baseline/tests.rs`.)

mod baseline_on_builtin_sites;
mod fake;
mod unseen_site;

use std::collections::BTreeMap;

use browser_ai_mlops_core::agent::artifacts::{self, KIND_DOM_SNAPSHOT, KIND_SCREENSHOT};
use browser_ai_mlops_core::agent::baseline::{BaselineOptions, BaselinePlanner};
use browser_ai_mlops_core::agent::recorder::{CaptureSettings, Recorder};
use browser_ai_mlops_core::agent::run::{AgentEvent, AgentOutcome, AgentSettings, AgentTask, StopReason, run_agent};
use browser_ai_mlops_core::agent::types::{PlanError, Planner};
use browser_ai_mlops_core::browser::types::BrowserAction;
use browser_ai_mlops_core::tracker::{RunStart, TokenCounts};
use browser_ai_mlops_core::{Core, agent::driver::BrowserDriver};
use serde_json::json;

use crate::util::Home;
use fake::{FakeBrowser, ScriptedPlanner, element, page, plan};

struct Env {
    _home: Home,
    core: Core,
    run_id: String,
}

async fn new_env() -> Env {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let tracker = core.tracker().await.unwrap();
    tracker.create_experiment("agent", "", &BTreeMap::new()).await.unwrap();
    let run = tracker.start_run(&RunStart { experiment: "agent".into(), ..RunStart::default() }).await.unwrap();
    Env { _home: home, core, run_id: run.id }
}

fn settings(max_steps: u32, max_failures: u32, capture: CaptureSettings) -> AgentSettings {
    AgentSettings { max_steps, max_failures, step_delay_ms: 0, use_vision: false, max_actions_per_step: 5, capture }
}

const NO_CAPTURE: CaptureSettings = CaptureSettings { conversations: false, screenshots: false, dom_snapshots: false };
const ALL_CAPTURE: CaptureSettings = CaptureSettings { conversations: true, screenshots: true, dom_snapshots: true };

async fn run(
    env: &Env,
    driver: &dyn BrowserDriver,
    planner: &dyn Planner,
    task: &AgentTask,
    settings: &AgentSettings,
) -> AgentOutcome {
    let tracker = env.core.tracker().await.unwrap();
    let recorder = Recorder::new(tracker, env.run_id.clone(), settings.capture);
    run_agent(driver, planner, task, settings, &recorder, None).await
}

/// Every point of a metric: (step, value).
async fn metric(env: &Env, key: &str) -> Vec<(i64, f64)> {
    let tracker = env.core.tracker().await.unwrap();
    tracker.metric_history(&env.run_id, key).await.unwrap().into_iter().map(|p| (p.step, p.value)).collect()
}

fn task(prompt: &str) -> AgentTask {
    AgentTask { prompt: prompt.into(), secrets: BTreeMap::new() }
}

/// Two pages: `home` whose element 0 ("Next") leads to `end`.
fn two_pages() -> FakeBrowser {
    let home = page(
        "http://127.0.0.1:1/home",
        "[0]<a>Next</a> [1]<button>Stay</button> [2]<input>",
        vec![element(0, "a", "Next"), element(1, "button", "Stay"), element(2, "input", "")],
    );
    let end = page("http://127.0.0.1:1/end", "The end. The answer is 42.", vec![element(0, "a", "Home")]);
    FakeBrowser::new(vec![home, end], &[(0, 0, 1), (1, 0, 0)])
}

fn usage(input: i64, output: i64) -> TokenCounts {
    TokenCounts { input, output, ..TokenCounts::default() }
}

#[tokio::test]
async fn done_stops_the_loop_and_everything_recorded_matches_what_happened() {
    let env = new_env().await;
    let browser = two_pages();
    let planner = ScriptedPlanner::new(
        vec![
            Ok(plan(vec![json!({"click": {"index": 0}})], usage(100, 10), Some(0.25))),
            Ok(plan(vec![json!({"done": {"success": true, "text": "42"}})], usage(120, 5), Some(0.5))),
        ],
        vec![],
    );
    let out = run(&env, &browser, &planner, &task("Find the answer."), &settings(10, 3, ALL_CAPTURE)).await;
    assert_eq!(out.stop_reason, StopReason::Done);
    assert!(out.success);
    assert_eq!(out.answer.as_deref(), Some("42"));
    assert_eq!((out.steps, out.actions, out.failed_actions, out.stagnation_events), (2, 2, 0, 0));
    assert_eq!(out.usage, usage(220, 15));
    assert_eq!(out.cost_usd, Some(0.75));
    assert_eq!(out.final_url, "http://127.0.0.1:1/end");
    assert_eq!(out.error, None);
    assert_eq!(browser.executed(), [BrowserAction::Click { index: 0 }], "done is not sent to the browser");

    let tracker = env.core.tracker().await.unwrap();
    let actions = tracker.run_actions(&env.run_id).await.unwrap();
    let kinds: Vec<(&str, bool)> = actions.iter().map(|a| (a.action_type.as_str(), a.success)).collect();
    assert_eq!(kinds, [("click", true), ("done", true)]);
    assert_eq!(actions[0].target, "[0] a \"Next\"");
    assert_eq!(actions[0].duration_ms, 2);
    let messages = tracker.run_messages(&env.run_id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages.iter().map(|m| m.tokens.input).sum::<i64>(), 220);

    assert_eq!(metric(&env, "steps").await, [(2, 2.0)]);
    assert_eq!(metric(&env, "actions").await, [(2, 2.0)]);
    assert_eq!(metric(&env, "failed_actions").await, [(2, 0.0)]);
    assert_eq!(metric(&env, "stagnation_events").await, [(2, 0.0)]);
    assert_eq!(metric(&env, "input_tokens").await, [(2, 220.0)]);
    assert_eq!(metric(&env, "output_tokens").await, [(2, 15.0)]);
    assert_eq!(metric(&env, "cost_usd").await, [(2, 0.75)]);
    assert_eq!(metric(&env, "step_input_tokens").await, [(1, 100.0), (2, 120.0)]);
    assert_eq!(metric(&env, "llm_latency_ms").await, [(1, 7.0), (2, 7.0)]);
    assert_eq!(metric(&env, "step_duration_ms").await.len(), 2);
    assert_eq!(metric(&env, "duration_ms").await.len(), 1);
}

#[tokio::test]
async fn max_steps_stops_an_agent_that_never_finishes() {
    let env = new_env().await;
    let browser = two_pages();
    // Alternates between the pages forever: every step succeeds and changes the page.
    let planner = ScriptedPlanner::new(vec![], vec![json!({"click": {"index": 0}})]);
    let out = run(&env, &browser, &planner, &task("Wander."), &settings(4, 2, NO_CAPTURE)).await;
    assert_eq!(out.stop_reason, StopReason::MaxSteps);
    assert!(!out.success);
    assert_eq!(out.answer, None);
    assert_eq!((out.steps, out.actions, out.failed_actions), (4, 4, 0));
    assert_eq!(planner.seen().len(), 4);
    assert_eq!(out.cost_usd, Some(0.0));
    assert_eq!(metric(&env, "steps").await, [(4, 4.0)]);
    assert!(metric(&env, "cost_usd").await.len() == 1);
}

#[tokio::test]
async fn max_failures_counts_consecutive_failed_steps_only() {
    let env = new_env().await;
    let browser = two_pages();
    let bad = || Ok(plan(vec![json!({"click": {"index": 99}})], TokenCounts::default(), None));
    let mut remembering = bad().unwrap();
    remembering.summary.memory = "found the price: 42".into();
    let planner = ScriptedPlanner::new(
        vec![
            Ok(remembering),
            Err(PlanError::Recoverable("rate limited".into())),
            Ok(plan(vec![json!({"click": {"index": 1}})], TokenCounts::default(), None)),
            bad(),
            bad(),
            bad(),
        ],
        vec![json!({"done": {"success": true, "text": "unreachable"}})],
    );
    let out = run(&env, &browser, &planner, &task("Fail."), &settings(20, 3, NO_CAPTURE)).await;
    assert_eq!(out.stop_reason, StopReason::MaxFailures);
    assert_eq!(out.steps, 6, "two failures, a success that resets the count, then three failures");
    assert_eq!((out.actions, out.failed_actions), (5, 4));
    assert_eq!(out.cost_usd, None, "the planner did not know its cost");
    let error = out.error.unwrap();
    assert!(error.contains("3 consecutive failed steps") && error.contains("no element with index 99"), "{error}");
    assert!(metric(&env, "cost_usd").await.is_empty());
    assert_eq!(metric(&env, "failed_actions").await, [(6, 4.0)]);
    // The recoverable planner error was fed back in the history of the next step.
    let third = &planner.seen()[2];
    let err = third.history[1].outcomes[0].error.as_deref().unwrap();
    assert_eq!(err, "rate limited");
    // The failed step did not erase the memory of the step before it.
    assert_eq!(third.history[1].plan.memory, "found the price: 42");
}

#[tokio::test]
async fn a_fatal_planner_error_and_a_crashed_browser_stop_at_once() {
    let env = new_env().await;
    let browser = two_pages();
    let planner = ScriptedPlanner::new(vec![Err(PlanError::Fatal("missing API key".into()))], vec![]);
    let out = run(&env, &browser, &planner, &task("x"), &settings(10, 3, NO_CAPTURE)).await;
    assert_eq!((out.stop_reason, out.steps), (StopReason::PlannerError, 1));
    assert_eq!(out.error.as_deref(), Some("missing API key"));

    let env = new_env().await;
    let mut browser = two_pages();
    browser.crash_at_action = Some(2);
    let planner = ScriptedPlanner::new(vec![], vec![json!({"input_text": {"index": 2, "text": "a"}})]);
    let out = run(&env, &browser, &planner, &task("x"), &settings(10, 3, NO_CAPTURE)).await;
    assert_eq!((out.stop_reason, out.steps, out.actions, out.failed_actions), (StopReason::BrowserCrashed, 2, 2, 1));
    assert_eq!(out.error.as_deref(), Some("browser process exited"));
}

#[tokio::test]
async fn a_page_change_stops_the_remaining_actions_and_the_limit_caps_them() {
    let env = new_env().await;
    let browser = two_pages();
    let actions = vec![
        json!({"input_text": {"index": 2, "text": "typed"}}),
        json!({"click": {"index": 0}}),
        json!({"click": {"index": 0}}),
        json!({"input_text": {"index": 2, "text": "never"}}),
    ];
    let planner = ScriptedPlanner::new(
        vec![Ok(plan(actions, TokenCounts::default(), None))],
        vec![json!({"done": {"success": false, "text": "gave up"}})],
    );
    let out = run(&env, &browser, &planner, &task("x"), &settings(5, 3, NO_CAPTURE)).await;
    assert_eq!(
        browser.executed(),
        [BrowserAction::InputText { index: 2, text: "typed".into() }, BrowserAction::Click { index: 0 }]
    );
    assert_eq!((out.stop_reason, out.success, out.answer.as_deref()), (StopReason::Done, false, Some("gave up")));
    assert_eq!(out.actions, 3);
    let skipped: Vec<_> = planner.seen()[1].history[0].outcomes[2..].iter().map(|o| o.error.clone()).collect();
    let why = "not run: the page changed after the action before it; plan again from the new page";
    assert_eq!(skipped, [Some(why.to_string()), Some(why.to_string())]);

    let env = new_env().await;
    let browser = two_pages();
    let many = vec![json!({"input_text": {"index": 2, "text": "a"}}); 5];
    let planner = ScriptedPlanner::new(
        vec![Ok(plan(many, TokenCounts::default(), None))],
        vec![json!({"done": {"success": true, "text": ""}})],
    );
    let mut s = settings(5, 3, NO_CAPTURE);
    s.max_actions_per_step = 2;
    run(&env, &browser, &planner, &task("x"), &s).await;
    assert_eq!(browser.executed().len(), 2, "max_actions_per_step caps a step's actions");
}

#[tokio::test]
async fn a_bad_action_is_fed_back_as_an_error_and_recorded_as_failed() {
    let env = new_env().await;
    let browser = two_pages();
    let planner = ScriptedPlanner::new(
        vec![Ok(plan(
            vec![json!({"tap": {"index": 1}}), json!({"click": {"index": "1"}})],
            TokenCounts::default(),
            None,
        ))],
        vec![json!({"done": {"success": true, "text": "ok"}})],
    );
    let out = run(&env, &browser, &planner, &task("x"), &settings(5, 3, NO_CAPTURE)).await;
    assert!(browser.executed().is_empty(), "nothing unparsable reaches the browser, nor what follows it");
    // The bad action and the final done; the click after the bad action did not run, so it is not counted.
    assert_eq!((out.actions, out.failed_actions), (2, 1));
    let second = &planner.seen()[1];
    let outcomes = &second.history[0].outcomes;
    assert!(outcomes[0].error.as_deref().unwrap().contains("unknown action \"tap\""), "{outcomes:?}");
    // The model is told that the rest of its batch was skipped, and why.
    assert_eq!(outcomes[1].action, "click");
    assert_eq!(outcomes[1].error.as_deref(), Some("not run: the action before it failed"), "{outcomes:?}");
    let tracker = env.core.tracker().await.unwrap();
    let recorded = tracker.run_actions(&env.run_id).await.unwrap();
    assert_eq!(recorded[0].action_type, "tap");
    assert!(!recorded[0].success && recorded[0].error.as_deref().unwrap().contains("valid actions are"));
}

#[tokio::test]
async fn repeating_an_action_on_an_unchanged_page_counts_stagnation_and_warns_the_planner() {
    let env = new_env().await;
    let browser = two_pages();
    // "Stay" succeeds but changes nothing.
    let planner = ScriptedPlanner::new(vec![], vec![json!({"click": {"index": 1}})]);
    let out = run(&env, &browser, &planner, &task("x"), &settings(5, 3, NO_CAPTURE)).await;
    assert_eq!(out.stop_reason, StopReason::MaxSteps);
    assert_eq!(out.stagnation_events, 3, "the 3rd, 4th and 5th repetitions");
    assert_eq!(metric(&env, "stagnation_events").await, [(5, 3.0)]);
    let seen = planner.seen();
    let warned = |i: usize| seen[i].history.last().unwrap().outcomes.iter().any(|o| o.action == "stagnation");
    assert!(!warned(1) && !warned(2), "no warning before the third repetition");
    assert!(warned(3) && warned(4), "the step after a repetition sees the warning");
    assert_eq!(out.failed_actions, 0, "the warning is not an action");
}

const CANARY: &str = "canary-Pw-93f1c2";

#[tokio::test]
async fn secrets_are_masked_for_the_planner_and_the_database_and_substituted_for_the_browser() {
    let env = new_env().await;
    let shown = format!("[0]<a>Next</a> [2]<input value=\"{CANARY}\"> Your password is {CANARY}");
    let mut home = page("http://127.0.0.1:1/home", &shown, vec![element(0, "a", "Next"), element(2, "input", "")]);
    home.elements[1].attributes.insert("value".into(), CANARY.into());
    let mut browser = FakeBrowser::new(vec![home], &[]);
    browser.screenshot = Some(b"png".to_vec());
    let leaky =
        plan(vec![json!({"input_text": {"index": 2, "text": "<secret>pw</secret>"}})], TokenCounts::default(), None);
    let mut leaky = leaky;
    leaky.messages[0].content = format!("I will type {CANARY} now");
    leaky.summary.memory = format!("password is {CANARY}");
    let planner = ScriptedPlanner::new(
        vec![
            Ok(leaky),
            Ok(plan(
                vec![json!({"done": {"success": true, "text": format!("typed {CANARY}")}})],
                TokenCounts::default(),
                None,
            )),
        ],
        vec![],
    );
    let t = AgentTask {
        prompt: format!("Sign in with the password {CANARY}."),
        secrets: BTreeMap::from([("pw".to_string(), CANARY.to_string())]),
    };
    let out = run(&env, &browser, &planner, &t, &settings(5, 3, ALL_CAPTURE)).await;
    assert_eq!(out.stop_reason, StopReason::Done);
    assert_eq!(browser.executed(), [BrowserAction::InputText { index: 2, text: CANARY.into() }]);
    assert_eq!(out.answer.as_deref(), Some("typed <secret>pw</secret>"));

    let seen = planner.seen();
    assert_eq!(seen[0].task, "Sign in with the password <secret>pw</secret>.");
    assert_eq!(seen[0].secret_names, ["pw"]);
    assert!(seen[0].state.serialized.contains("Your password is <secret>pw</secret>"));
    let debug = format!("{seen:?}");
    assert!(!debug.contains(CANARY), "the planner never sees the value");

    let store = env.core.store().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let mut scanned = 0;
    for table in tables {
        let cols: Vec<(String, String)> =
            sqlx::query_as(&format!("SELECT name, type FROM pragma_table_info('{table}')"))
                .fetch_all(store.pool())
                .await
                .unwrap();
        for (col, _) in cols.into_iter().filter(|(_, ty)| ty.eq_ignore_ascii_case("TEXT")) {
            let hits: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\" WHERE instr(\"{col}\", ?) > 0"))
                    .bind(CANARY)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            assert_eq!(hits, 0, "{table}.{col} contains the secret");
            scanned += 1;
        }
    }
    assert!(scanned > 20, "scanned {scanned} TEXT columns");
    let tracker = env.core.tracker().await.unwrap();
    let messages = tracker.run_messages(&env.run_id).await.unwrap();
    assert!(messages.iter().any(|m| m.content == "I will type <secret>pw</secret> now"), "{messages:?}");
    // The DOM snapshot artifact is the masked serialisation.
    let dom = artifacts::run_artifacts(store, &env.run_id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.kind == KIND_DOM_SNAPSHOT)
        .unwrap();
    let text = String::from_utf8(artifacts::load_artifact(store, &dom.hash).await.unwrap()).unwrap();
    assert!(text.contains("Your password is <secret>pw</secret>") && !text.contains(CANARY), "{text}");
}

#[tokio::test]
async fn the_same_screenshot_twice_is_one_artifact_with_two_links() {
    let env = new_env().await;
    let mut browser = two_pages();
    let png: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 251) as u8).collect();
    browser.screenshot = Some(png.clone());
    let planner = ScriptedPlanner::new(
        vec![Ok(plan(vec![json!({"click": {"index": 1}})], TokenCounts::default(), None))],
        vec![json!({"done": {"success": true, "text": ""}})],
    );
    let capture = CaptureSettings { conversations: false, screenshots: true, dom_snapshots: false };
    let out = run(&env, &browser, &planner, &task("x"), &settings(5, 3, capture)).await;
    assert_eq!(out.steps, 2);
    assert!(browser.state_calls.lock().unwrap().iter().take(2).all(|s| *s), "screenshots asked for while capturing");
    let store = env.core.store().await.unwrap();
    let links = artifacts::run_artifacts(store, &env.run_id).await.unwrap();
    assert_eq!(
        links.iter().map(|l| (l.step, l.kind.as_str())).collect::<Vec<_>>(),
        [(1, KIND_SCREENSHOT), (2, KIND_SCREENSHOT)]
    );
    assert_eq!(links[0].hash, links[1].hash);
    assert_eq!(links[0].size_bytes, png.len() as i64);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM artifacts").fetch_one(store.pool()).await.unwrap();
    assert_eq!(rows, 1);
    assert_eq!(artifacts::load_artifact(store, &links[0].hash).await.unwrap(), png);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT compressed FROM artifacts").fetch_one(store.pool()).await.unwrap();
    assert_eq!(zstd::decode_all(&stored[..]).unwrap(), png, "the blob is plain zstd");
}

#[tokio::test]
async fn without_capture_nothing_but_actions_and_metrics_is_stored_and_events_are_broadcast() {
    let env = new_env().await;
    let mut browser = two_pages();
    browser.screenshot = Some(b"png".to_vec());
    let planner = ScriptedPlanner::new(vec![], vec![json!({"done": {"success": true, "text": "x"}})]);
    let tracker = env.core.tracker().await.unwrap();
    let recorder = Recorder::new(tracker, env.run_id.clone(), NO_CAPTURE);
    let (tx, mut rx) = tokio::sync::broadcast::channel(64);
    let out = run_agent(&browser, &planner, &task("x"), &settings(3, 3, NO_CAPTURE), &recorder, Some(&tx)).await;
    assert_eq!(out.stop_reason, StopReason::Done);
    assert!(!browser.state_calls.lock().unwrap()[0], "no screenshot without vision or capture");
    let store = env.core.store().await.unwrap();
    assert!(artifacts::run_artifacts(store, &env.run_id).await.unwrap().is_empty());
    assert!(tracker.run_messages(&env.run_id).await.unwrap().is_empty());
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    assert!(matches!(events[0], AgentEvent::StepStarted { step: 1, .. }), "{events:?}");
    assert!(
        matches!(&events[1], AgentEvent::StepFinished { step: 1, outcomes, failed: false, .. } if outcomes.len() == 1)
    );
    assert!(matches!(events[2], AgentEvent::Finished { stop_reason: StopReason::Done, success: true, steps: 1 }));
    assert_eq!(events.len(), 3);
}

#[tokio::test]
async fn the_baseline_planner_drives_the_loop_to_a_sign_in() {
    let env = new_env().await;
    let mut form = page(
        "http://127.0.0.1:1/portal/",
        "[0]<input name=username> [1]<input type=password> [2]<button>Sign in</button>",
        vec![element(0, "input", ""), element(1, "input", ""), element(2, "button", "Sign in")],
    );
    form.elements[0].attributes.insert("name".into(), "username".into());
    form.elements[1].attributes.insert("type".into(), "password".into());
    let dashboard = page("http://127.0.0.1:1/portal/dashboard.html", "Welcome back", vec![element(0, "a", "Log out")]);
    let browser = FakeBrowser::new(vec![form, dashboard], &[(0, 2, 1)]);
    let planner = BaselinePlanner::new(BaselineOptions::default());
    let t = AgentTask {
        prompt: "Sign in to the portal.".into(),
        secrets: BTreeMap::from([
            ("user".to_string(), "ann".to_string()),
            ("password".to_string(), CANARY.to_string()),
        ]),
    };
    let out = run(&env, &browser, &planner, &t, &settings(6, 3, NO_CAPTURE)).await;
    assert_eq!(
        browser.executed(),
        [
            BrowserAction::InputText { index: 0, text: "ann".into() },
            BrowserAction::InputText { index: 1, text: CANARY.into() },
            BrowserAction::Click { index: 2 },
        ]
    );
    assert_eq!((out.stop_reason, out.success, out.steps), (StopReason::Done, true, 2));
    assert_eq!(browser.current_url(), out.final_url);
}

/// At the step limit without `done`, the LLM planner gets one last call asking only for the answer; its `done` is the
/// outcome's answer (the stop reason stays max_steps), and its tokens are counted.
#[tokio::test]
async fn the_step_limit_brings_one_final_answer_only_call() {
    use crate::llm::fake::{self as llm_fake, FakeServer, Reply};
    use browser_ai_mlops_core::agent::llm_planner::{FINAL_ANSWER_NOTE, LlmPlanner};
    use browser_ai_mlops_core::registry::Provider;
    let reply = |content: &str| {
        let mut body = llm_fake::fixture("openai", "usage.json")["response"].clone();
        body["choices"][0]["message"]["content"] = json!(content);
        Reply::json(200, &body)
    };
    let stay = r#"{"memory": "the answer is 42", "next_goal": "stay", "actions": [{"click": {"index": 1}}]}"#;
    let last = r#"{"next_goal": "answer", "actions": [{"done": {"success": true, "text": "42"}}]}"#;
    let server = FakeServer::start(vec![reply(stay), reply(stay), reply(last)]).await;
    let client = llm_fake::client("openai", &server, 0, None);
    let planner = LlmPlanner::new(client, &llm_fake::version(Provider::Openai, "gpt-4o", None));
    let env = new_env().await;
    let out = run(&env, &two_pages(), &planner, &task("What is the answer?"), &settings(2, 3, NO_CAPTURE)).await;
    assert_eq!((out.stop_reason, out.steps), (StopReason::MaxSteps, 2));
    assert_eq!((out.success, out.answer.as_deref()), (true, Some("42")));
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "two steps and the final call");
    let last_user = seen[2].body["messages"][1]["content"].as_str().unwrap();
    assert!(last_user.ends_with(FINAL_ANSWER_NOTE) && last_user.contains("the answer is 42"), "{last_user}");
    assert!(!seen[1].body["messages"][1]["content"].as_str().unwrap().contains("step limit is reached"));
    let u = &llm_fake::fixture("openai", "usage.json")["response"]["usage"];
    let per_call = u["prompt_tokens"].as_i64().unwrap() - u["prompt_tokens_details"]["cached_tokens"].as_i64().unwrap();
    assert_eq!(out.usage.input, 3 * per_call, "the final call's tokens count too");
}

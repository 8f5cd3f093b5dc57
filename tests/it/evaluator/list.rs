//! The recent-evaluations list through the command table, on a real SQLite file: summaries, newest first, with its
//! limit checked.

use browser_ai_mlops_core::api::evals::{ListEvaluationsInput, list};
use browser_ai_mlops_core::evaluator::results::NewEvaluation;
use browser_ai_mlops_core::evaluator::{EvalConfig, NewTaskResult, Results};
use browser_ai_mlops_core::{Core, ErrorKind};

use crate::util::Home;

fn attempt(task: &str, success: bool, cost: f64) -> NewTaskResult {
    NewTaskResult {
        task_id: task.into(),
        attempt: 1,
        run_id: None,
        category: "search".into(),
        difficulty: "easy".into(),
        seed: None,
        success,
        score: if success { 1.0 } else { 0.0 },
        steps: 2,
        input_tokens: 10,
        output_tokens: 1,
        cost_usd: Some(cost),
        duration_ms: 100,
        final_url: "http://127.0.0.1/".into(),
        answer: None,
        evidence: Vec::new(),
        error: None,
        screenshot_hash: None,
    }
}

#[tokio::test]
async fn evaluations_list_is_newest_first_with_summaries_and_a_checked_limit() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let results = Results::new(core.store().await.unwrap().clone());
    let mut ids = Vec::new();
    // Evaluation i records i + 1 attempts of which the first passes.
    for i in 0..3 {
        let new = NewEvaluation {
            model_version_id: None,
            suite: format!("suite-{i}"),
            suite_hash: "0".repeat(64),
            config: EvalConfig::default(),
        };
        let eval = results.create(&new).await.unwrap();
        for t in 0..=i {
            results.record(&eval.id, &attempt(&format!("t{t}"), t == 0, 0.5)).await.unwrap();
        }
        ids.push(eval.id);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let out = list(&core, ListEvaluationsInput { model_version_id: None, limit: Some(2) }).await.unwrap();
    let got: Vec<&str> = out.evaluations.iter().map(|s| s.evaluation.id.as_str()).collect();
    assert_eq!(got, [ids[2].as_str(), ids[1].as_str()], "the newest two, newest first");
    let newest = &out.evaluations[0];
    assert_eq!((newest.attempts, newest.successes), (3, 1));
    assert_eq!(newest.cost_usd, Some(1.5));
    assert_eq!(list(&core, ListEvaluationsInput::default()).await.unwrap().evaluations.len(), 3);

    let zero = list(&core, ListEvaluationsInput { model_version_id: None, limit: Some(0) }).await.unwrap_err();
    assert_eq!(zero.kind(), ErrorKind::Input);
    core.shutdown().await.unwrap();

    // `eval list` prints the same, newest first; its limit is checked the same way (exit 2).
    let text = home.ok(&["eval", "list", "--limit", "2"]);
    let (at2, at1) = (text.find(&ids[2]).expect(&text), text.find(&ids[1]).expect(&text));
    assert!(at2 < at1 && !text.contains(&ids[0]), "{text}");
    assert!(text.contains("suite-2") && text.contains("3 / 3") && text.contains("(1/3)"), "{text}");
    let json = home.json(&["eval", "list"]);
    assert_eq!(json["evaluations"].as_array().unwrap().len(), 3);
    home.fails(&["eval", "list", "--limit", "0"], 2);
    let err = home.fails(&["eval", "list", "--model", "no-such-model:1"], 2);
    assert!(err.contains("no-such-model"), "{err}");
}

//! The demo's browser-agent part: two offline baseline versions that differ in one setting that matters
//! (`match_threshold`, how sure the agent must be that an element matches the instruction), both benchmarked on
//! real Chromium over bundled-site tasks, compared task by task with an exact McNemar test, and the better one
//! deployed to staging. Every number comes from checks that ran against the final page state.

use std::collections::BTreeMap;

use crate::Core;
use crate::api;
use crate::error::Result;
use crate::evaluator::runner::BenchmarkRequest;
use crate::evaluator::{Category, Difficulty, TaskFilter};
use crate::registry::{ConfigPatch, Provider};
use crate::text::num;

/// Which tasks the demo evaluates.
#[derive(Debug, Clone, Default)]
pub struct DemoEvalOptions {
    /// Only this category (default: every easy task of the built-in suite).
    pub category: Option<Category>,
    pub concurrency: u32,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct DemoEvaluation {
    pub model: String,
    pub versions: Vec<DemoVersionResult>,
    pub comparison_p_value: f64,
    pub only_strict: u64,
    pub only_lenient: u64,
    pub deployed_to_staging: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct DemoVersionResult {
    pub reference: String,
    pub match_threshold: f64,
    pub evaluation_id: String,
    pub attempts: u64,
    pub successes: u64,
}

pub async fn run(
    core: &Core,
    stamp: &str,
    options: &DemoEvalOptions,
    say: &mut (dyn FnMut(&str) + Send),
) -> Result<DemoEvaluation> {
    let model = "demo-web-agent".to_string();
    let strict = api::models::register(
        core,
        api::models::RegisterInput {
            name: model.clone(),
            provider: Provider::Baseline,
            model_id: "label-matcher".into(),
            base_url: None,
            temperature: Some(0.0),
            max_tokens: None,
            top_p: None,
            system_prompt: None,
            extra_params: BTreeMap::from([("match_threshold".into(), serde_json::json!(0.9))]),
            description: Some("offline baseline, strict label matching".into()),
            changelog: Some(format!("demo {stamp}")),
        },
    )
    .await?;
    let lenient = api::models::create_version(
        core,
        api::models::CreateVersionInput {
            name: model.clone(),
            from: strict.reference.clone(),
            patch: ConfigPatch {
                set_params: BTreeMap::from([("match_threshold".into(), serde_json::json!(0.5))]),
                ..Default::default()
            },
            description: Some("offline baseline, lenient label matching".into()),
            changelog: Some("match_threshold 0.9 → 0.5".into()),
        },
    )
    .await?;
    say(&format!("   {} (match_threshold 0.9) and {} (match_threshold 0.5)", strict.reference, lenient.reference));
    let filter = match options.category {
        Some(c) => TaskFilter { category: Some(c), ..Default::default() },
        None => TaskFilter { difficulty: Some(Difficulty::Easy), ..Default::default() },
    };
    let mut versions = Vec::new();
    for (version, threshold) in [(&strict, 0.9), (&lenient, 0.5)] {
        let request = BenchmarkRequest {
            model: version.reference.clone(),
            suite: "builtin".into(),
            filter: filter.clone(),
            repeats: 1,
            concurrency: options.concurrency.max(1),
            resume: None,
            miniwob_dir: None,
            headful: false,
            seed: None,
        };
        let results = api::evals::benchmark_with(core, request, None).await?;
        let s = &results.summary;
        let ci = s
            .success_rate
            .as_ref()
            .map(|i| format!("{:.0}% [{:.0}%, {:.0}%]", i.estimate * 100.0, i.low * 100.0, i.high * 100.0))
            .unwrap_or_else(|| "-".into());
        say(&format!(
            "   {}: {}/{} tasks passed, success {ci} (95% Wilson CI), mean steps {}, p50 {} ms",
            version.reference,
            s.successes,
            s.attempts,
            s.mean_steps.map(num).unwrap_or_else(|| "-".into()),
            s.p50_duration_ms.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into())
        ));
        versions.push(DemoVersionResult {
            reference: version.reference.clone(),
            match_threshold: threshold,
            evaluation_id: s.evaluation.id.clone(),
            attempts: s.attempts,
            successes: s.successes,
        });
    }
    let cmp = api::evals::compare(
        core,
        api::evals::CompareEvaluationsInput {
            a: versions[0].evaluation_id.clone(),
            b: versions[1].evaluation_id.clone(),
        },
    )
    .await?;
    say(&format!(
        "   paired: both pass {}, only strict {}, only lenient {}, neither {}; exact McNemar p = {:.4}",
        cmp.both_pass, cmp.only_a, cmp.only_b, cmp.neither, cmp.p_value
    ));
    let better = if versions[1].successes > versions[0].successes {
        Some(&versions[1])
    } else if versions[0].successes > versions[1].successes {
        Some(&versions[0])
    } else {
        None
    };
    let deployed = match better {
        Some(v) => {
            let reason = format!(
                "demo: {}/{} vs {}/{} tasks passed (McNemar p = {:.4})",
                v.successes,
                v.attempts,
                versions[0].successes.min(versions[1].successes),
                v.attempts,
                cmp.p_value
            );
            api::models::deploy(
                core,
                api::models::DeployInput { reference: v.reference.clone(), target: "staging".into(), reason },
            )
            .await?;
            say(&format!("   deployed {} to staging (more tasks passed)", v.reference));
            Some(v.reference.clone())
        }
        None => {
            say("   both versions passed the same number of tasks: nothing deployed");
            None
        }
    };
    Ok(DemoEvaluation {
        model,
        versions,
        comparison_p_value: cmp.p_value,
        only_strict: cmp.only_a,
        only_lenient: cmp.only_b,
        deployed_to_staging: deployed,
    })
}

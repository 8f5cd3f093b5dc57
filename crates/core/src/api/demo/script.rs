//! `demo`: exercises the product end to end on the active data dir and prints what it did — environment configs,
//! a tracked learning-rate sweep (a real computation), search and comparison of its runs, high-rate metric logging,
//! and a model registry round of register → new version → deploy → deploy → rollback. All of it is stored and can be
//! explored afterwards with the commands it prints.

use std::collections::BTreeMap;
use std::time::Instant;

use super::{evaluation, sweep};
use crate::Core;
use crate::api;
use crate::error::Result;
use crate::registry::{ConfigPatch, Provider};
use crate::text::{num, table};
use crate::tracker::RunStatus;

/// Learning rates of the sweep; the last one diverges, which the demo records as a failed run.
const LEARNING_RATES: [f64; 4] = [0.02, 0.1, 0.3, 1.5];
const STEPS: usize = 300;

/// What the demo did, for `--json` and for tests.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct DemoReport {
    pub experiment: String,
    pub runs: Vec<DemoRun>,
    pub search_filter: String,
    pub search_matches: Vec<String>,
    pub ingest_points: usize,
    pub ingest_points_per_s: f64,
    pub model: String,
    pub staging_after_rollback: String,
    pub deployments: usize,
    /// The browser-agent evaluation (absent with `--no-eval`).
    pub evaluation: Option<evaluation::DemoEvaluation>,
    /// Agent tasks the monitoring collector recorded in the last hour (the evaluation's attempts).
    pub monitored_tasks: u64,
    /// The HTML report written at the end (`report generate`).
    pub report: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct DemoRun {
    pub run_id: String,
    pub learning_rate: f64,
    pub status: RunStatus,
    pub steps: usize,
    pub final_loss: Option<f64>,
}

/// Run the demo; `say` receives the narrative line by line.
pub async fn run(
    core: &Core,
    eval: Option<&evaluation::DemoEvalOptions>,
    say: &mut (dyn FnMut(&str) + Send),
) -> Result<DemoReport> {
    let settings = core.settings();
    say(&format!(
        "Browser.AI MLOps demo — database {}, config {}",
        settings.db_path().display(),
        settings.config_dir.display()
    ));

    say("\n1. Environment configs");
    let envs = api::config::list_envs(core, Default::default()).await?;
    for env in &envs.envs {
        let v = api::config::validate(core, api::config::EnvInput { env: Some(env.name.clone()) }).await?;
        say(&format!(
            "   {:<12} {} ({} errors, {} warnings)",
            env.name,
            if v.valid { "valid" } else { "INVALID" },
            v.errors,
            v.warnings
        ));
    }

    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S%.3f").to_string();
    let experiment = format!("demo-lr-sweep-{stamp}");
    say(&format!("\n2. Experiment tracker: {experiment}"));
    say("   Fitting y = w·x + b by gradient descent, one run per learning rate, loss logged every step.");
    api::experiments::create(
        core,
        api::experiments::CreateExperimentInput {
            name: experiment.clone(),
            description: "Learning-rate sweep of a gradient-descent line fit (demo)".into(),
            tags: BTreeMap::from([("source".into(), "demo".into())]),
        },
    )
    .await?;
    let mut runs = Vec::new();
    for lr in LEARNING_RATES {
        runs.push(train_run(core, &experiment, lr).await?);
    }
    say(&indent(&table(
        &["run", "learning rate", "status", "steps", "final loss"],
        runs.iter().map(|r| {
            vec![
                r.run_id.clone(),
                num(r.learning_rate),
                r.status.to_string(),
                r.steps.to_string(),
                r.final_loss.map(num).unwrap_or_else(|| "-".into()),
            ]
        }),
    )));

    let filter = "metrics.final_loss < 0.01 and status = 'finished'".to_string();
    say(&format!("\n3. Search: {filter}"));
    let page = api::run_search::search(
        core,
        api::run_search::SearchRunsInput {
            filter: Some(filter.clone()),
            experiments: vec![experiment.clone()],
            order_by: vec!["metrics.final_loss asc".into()],
            limit: None,
            offset: None,
            include_archived: false,
        },
    )
    .await?;
    for row in &page.runs {
        say(&format!(
            "   {}  lr={}  final_loss={}",
            row.run.id,
            row.params.get("learning_rate").map(String::as_str).unwrap_or("?"),
            row.metrics.get("final_loss").copied().map(num).unwrap_or_default()
        ));
    }
    let search_matches: Vec<String> = page.runs.iter().map(|r| r.run.id.clone()).collect();

    let finished: Vec<&DemoRun> = runs.iter().filter(|r| r.status == RunStatus::Finished).collect();
    if let (Some(best), Some(worst)) = (finished.first(), finished.last()) {
        let cmp = api::runs::compare(
            core,
            api::runs::CompareRunsInput { run_ids: vec![best.run_id.clone(), worst.run_id.clone()] },
        )
        .await?;
        say(&format!("\n4. Compare lr={} with lr={}", num(best.learning_rate), num(worst.learning_rate)));
        for p in &cmp.params_differ {
            say(&format!(
                "   param {} differs: {}",
                p.key,
                p.values.iter().map(|v| v.clone().unwrap_or_else(|| "-".into())).collect::<Vec<_>>().join(" vs ")
            ));
        }
        for m in cmp.metrics.iter().filter(|m| m.key == "final_loss" || m.key == "loss") {
            let lasts: Vec<String> =
                m.values.iter().map(|s| s.as_ref().map(|s| num(s.last)).unwrap_or_else(|| "-".into())).collect();
            say(&format!("   metric {} (last): {}", m.key, lasts.join(" vs ")));
        }
    }

    let (ingest_points, ingest_rate) = ingest(core, &experiment).await?;
    say(&format!(
        "\n5. High-rate logging: {ingest_points} points through log_metric, flushed, at {} points/s",
        num(ingest_rate.round())
    ));

    say("\n6. Model registry");
    let model = "demo-baseline-agent".to_string();
    let v1 = api::models::register(
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
            extra_params: BTreeMap::from([("press_enter_after_typing".into(), serde_json::json!(false))]),
            description: Some("offline baseline agent (demo)".into()),
            changelog: Some(format!("registered by demo {stamp}")),
        },
    )
    .await?;
    say(&format!("   registered {}", v1.reference));
    let v2 = api::models::create_version(
        core,
        api::models::CreateVersionInput {
            name: model.clone(),
            from: v1.reference.clone(),
            patch: ConfigPatch {
                set_params: BTreeMap::from([("press_enter_after_typing".into(), serde_json::json!(true))]),
                ..Default::default()
            },
            description: None,
            changelog: Some("submit search boxes with Enter".into()),
        },
    )
    .await?;
    say(&format!(
        "   created {} from {} (diff recorded: {} field(s))",
        v2.reference,
        v1.reference,
        v2.config_diff.len()
    ));
    for (version, reason) in [(&v1, "demo: first deploy"), (&v2, "demo: try the new version")] {
        let d = api::models::deploy(
            core,
            api::models::DeployInput {
                reference: version.reference.clone(),
                target: "staging".into(),
                reason: reason.into(),
            },
        )
        .await?;
        say(&format!("   deployed {} to staging by {}", version.reference, d.os_user));
    }
    api::models::rollback(
        core,
        api::models::RollbackInput { model: model.clone(), target: "staging".into(), reason: "demo: roll back".into() },
    )
    .await?;
    let detail = api::models::show(core, api::models::ModelNameInput { name: model.clone() }).await?;
    let staging =
        detail.aliases.iter().find(|a| a.alias == "staging").map(|a| a.reference.clone()).unwrap_or_else(|| "-".into());
    let history =
        api::models::history(core, api::models::HistoryInput { model: Some(model.clone()), target: None }).await?;
    say(&format!(
        "   rolled back: staging → {staging}; {} deployment records in the audit log",
        history.deployments.len()
    ));

    let evaluation = match eval {
        Some(options) => {
            say("\n7. Browser agent on real Chromium: two baseline versions over bundled-site tasks");
            Some(evaluation::run(core, &stamp, options, say).await?)
        }
        None => None,
    };

    say("\n8. Monitoring and a report");
    let perf = api::monitor::performance(core, api::monitor::PerformanceInput { hours: 1 }).await?;
    let rate = perf.tasks.success_rate.map_or("-".to_string(), |r| format!("{:.1} %", r * 100.0));
    let p95 = perf.tasks.duration_ms.as_ref().map_or("-".to_string(), |d| format!("{:.0} ms", d.p95));
    say(&format!(
        "   monitor: {} agent tasks in the last hour, success {rate}, p95 duration {p95}, {} actions, {} page loads, \
         {} errors",
        perf.tasks.total, perf.actions.total, perf.page_loads.count, perf.errors.total
    ));
    let report_path = settings.data_dir.join("demo-report.html");
    let report = api::reports::generate(
        core,
        api::reports::GenerateReportInput { output: report_path.display().to_string(), days: Some(1), format: None },
    )
    .await?;
    say(&format!("   report: {} ({} charts)", report.path, report.charts.len()));

    say("\nExplore what the demo stored:");
    say(&format!("   browser-ai-mlops experiment show {experiment}"));
    say(&format!("   browser-ai-mlops run search \"metrics.final_loss < 0.01\" --experiment {experiment}"));
    say(&format!("   browser-ai-mlops model history {model}"));
    if let Some(e) = &evaluation {
        for v in &e.versions {
            say(&format!("   browser-ai-mlops eval results {}", v.evaluation_id));
        }
        say(&format!("   browser-ai-mlops model compare {}:1 {}:2", e.model, e.model));
    }
    say("   browser-ai-mlops monitor performance --hours 1");
    say(
        "   BROWSER_AI_MLOPS_TOKEN=$(openssl rand -hex 32) browser-ai-mlops serve --ui-dir ui/dist   # then open the printed address",
    );
    Ok(DemoReport {
        experiment,
        runs,
        search_filter: filter,
        search_matches,
        ingest_points,
        ingest_points_per_s: ingest_rate,
        model,
        staging_after_rollback: staging,
        deployments: history.deployments.len(),
        evaluation,
        monitored_tasks: perf.tasks.total,
        report: report.path,
    })
}

/// One sweep run: start, log params and the loss per step, end finished (or failed when training diverged).
async fn train_run(core: &Core, experiment: &str, lr: f64) -> Result<DemoRun> {
    let run = api::runs::start(
        core,
        api::runs::StartRunInput {
            experiment: experiment.into(),
            name: Some(format!("lr-{lr}")),
            model_version_id: None,
            params: BTreeMap::from([
                ("learning_rate".into(), lr.to_string()),
                ("steps".into(), STEPS.to_string()),
                ("optimizer".into(), "full-batch gradient descent".into()),
            ]),
            tags: BTreeMap::from([("env".into(), core.settings().env.clone())]),
        },
    )
    .await?;
    let tracker = core.tracker().await?;
    let losses = sweep::train(lr, STEPS, 1e6);
    for (i, loss) in losses.iter().enumerate() {
        tracker.log_metric(&run.id, "loss", *loss, i as i64 + 1, None).await?;
    }
    let diverged = losses.len() < STEPS;
    let final_loss = losses.last().copied().filter(|_| !diverged);
    if let Some(l) = final_loss {
        tracker.log_metric(&run.id, "final_loss", l, STEPS as i64, None).await?;
    }
    let (status, error) = if diverged {
        (RunStatus::Failed, Some(format!("diverged after {} steps (loss above 1e6)", losses.len())))
    } else {
        (RunStatus::Finished, None)
    };
    api::runs::end(core, api::runs::EndRunInput { run_id: run.id.clone(), status, error }).await?;
    Ok(DemoRun { run_id: run.id, learning_rate: lr, status, steps: losses.len(), final_loss })
}

/// Log 200k points into one run and measure the rate including the final flush.
async fn ingest(core: &Core, experiment: &str) -> Result<(usize, f64)> {
    const POINTS: usize = 200_000;
    let run = api::runs::start(
        core,
        api::runs::StartRunInput {
            experiment: experiment.into(),
            name: Some("high-rate-logging".into()),
            model_version_id: None,
            params: BTreeMap::new(),
            tags: BTreeMap::new(),
        },
    )
    .await?;
    let tracker = core.tracker().await?;
    let started = Instant::now();
    for i in 0..POINTS {
        tracker.log_metric(&run.id, "signal", (i as f64 / 1000.0).sin(), i as i64, None).await?;
    }
    tracker.flush().await?;
    let rate = POINTS as f64 / started.elapsed().as_secs_f64();
    api::runs::end(core, api::runs::EndRunInput { run_id: run.id, status: RunStatus::Finished, error: None }).await?;
    Ok((POINTS, rate))
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("   {l}")).collect::<Vec<_>>().join("\n")
}

//! The `eval` command group (alias `evaluate`): list a suite's tasks, show an evaluation's results, compare two
//! evaluations, and run a model version over tasks. Arguments → `api::evals` → a table or `--json`. Running is in
//! `run.rs` (with JUnit output in `junit.rs`), rendering stored evaluations in `results.rs`.

pub mod junit;
pub mod results;
pub mod run;

use clap::Subcommand;

use crate::Output;
use crate::output::table;
use browser_ai_mlops_core::api::evals::{
    self as api, CompareEvaluationsInput, EvaluationIdInput, ListEvaluationsInput, ListTasksInput,
};
use browser_ai_mlops_core::api::models::{self, VersionRefInput};
use browser_ai_mlops_core::evaluator::{Category, Difficulty};
use browser_ai_mlops_core::{Core, Error, Result};

#[derive(Debug, Subcommand)]
pub enum EvalCmd {
    /// List the tasks of a suite (the built-in one by default)
    ListTasks {
        /// Built-in suite name or path to a suite YAML file
        #[arg(long, value_name = "NAME|PATH")]
        suite: Option<String>,
        /// search, shopping, forms, navigation, extraction, auth, table, dynamic or multi-tab
        #[arg(long)]
        category: Option<String>,
        /// easy, medium or hard
        #[arg(long)]
        difficulty: Option<String>,
    },
    /// Show an evaluation: summary (success rate with 95 % CI, per category/difficulty, pass^k, cost, durations)
    /// and the per-task results
    Results {
        /// Evaluation id (or a unique prefix)
        evaluation: String,
    },
    /// List evaluations, newest first: model version, suite, status, attempts and success rate with its 95 % CI
    List {
        /// Only evaluations of this model version (NAME:N, NAME@alias, NAME or an id)
        #[arg(long, value_name = "VERSION")]
        model: Option<String>,
        /// How many (1 to 500)
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Compare two evaluations of the same suite task by task: the paired difference with its 95 % CI and the
    /// exact McNemar test
    Compare { a: String, b: String },
    /// Run one task with a model version on real Chromium
    Model(run::ModelArgs),
    /// Run a model version over a suite on real Chromium (repeats, concurrency, resume, JUnit, threshold)
    Benchmark(run::BenchmarkArgs),
}

pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(flag: &str, value: &str, valid: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| Error::Input(format!("--{flag} {value:?}: expected one of {valid}")))
}

pub async fn run(core: &Core, cmd: EvalCmd, out: &Output) -> Result<i32> {
    match cmd {
        EvalCmd::ListTasks { suite, category, difficulty } => {
            let category = category
                .map(|c| {
                    parse_enum::<Category>(
                        "category",
                        &c,
                        "search, shopping, forms, navigation, extraction, auth, table, dynamic, multi-tab, miniwob",
                    )
                })
                .transpose()?;
            let difficulty =
                difficulty.map(|d| parse_enum::<Difficulty>("difficulty", &d, "easy, medium, hard")).transpose()?;
            let listed = api::tasks(core, ListTasksInput { suite, category, difficulty }).await?;
            out.emit(&listed, |l| {
                let rows = l.tasks.iter().map(|t| {
                    vec![
                        t.id.clone(),
                        t.category.as_str().to_string(),
                        t.difficulty.map(|d| d.as_str()).unwrap_or("-").to_string(),
                        t.max_steps.to_string(),
                        t.name.clone(),
                    ]
                });
                let head = format!("suite {} ({}): {} of {} tasks\n", l.suite, l.source, l.tasks.len(), l.total);
                head + &table(&["id", "category", "difficulty", "steps", "name"], rows)
            })?;
        }
        EvalCmd::Results { evaluation } => {
            let r = api::results(core, EvaluationIdInput { id: evaluation }).await?;
            out.emit(&r, results::render_results)?;
        }
        EvalCmd::Model(args) => return run::model(core, args, out).await,
        EvalCmd::Benchmark(args) => return run::benchmark(core, args, out).await,
        EvalCmd::List { model, limit } => {
            let model_version_id = match model {
                Some(reference) => Some(models::version_show(core, VersionRefInput { reference }).await?.id),
                None => None,
            };
            let listed = api::list(core, ListEvaluationsInput { model_version_id, limit: Some(limit) }).await?;
            // Model versions by reference (NAME:N) where the registry still has them.
            let mut names = std::collections::BTreeMap::new();
            for id in listed.evaluations.iter().filter_map(|s| s.evaluation.model_version_id.clone()) {
                if !names.contains_key(&id)
                    && let Ok(v) = models::version_show(core, VersionRefInput { reference: id.clone() }).await
                {
                    names.insert(id, v.reference);
                }
            }
            out.emit(&listed, |l| results::render_list(l, &names))?;
        }
        EvalCmd::Compare { a, b } => {
            let c = api::compare(core, CompareEvaluationsInput { a, b }).await?;
            out.emit(&c, results::render_comparison)?;
        }
    }
    Ok(0)
}

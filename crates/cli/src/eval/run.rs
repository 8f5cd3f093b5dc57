//! `eval model` and `eval benchmark`: run a model version over tasks on real Chromium with a live progress bar,
//! print the stored results, optionally write JUnit XML and fail below a success-rate threshold (for CI).

use std::path::PathBuf;

use clap::Args;

use super::parse_enum;
use crate::Output;
use browser_ai_mlops_core::api::Sink;
use browser_ai_mlops_core::api::evals::{self as api, EvaluationResults};
use browser_ai_mlops_core::evaluator::runner::{BenchmarkRequest, EvalEvent};
use browser_ai_mlops_core::evaluator::{Category, Difficulty, TaskFilter};
use browser_ai_mlops_core::{Core, Error, Result};

#[derive(Debug, Args)]
pub struct BenchmarkArgs {
    /// Model version reference: NAME:N, NAME@alias, NAME (latest) or an id
    pub model: String,
    /// Built-in suite name or a suite YAML path
    #[arg(long, default_value = "builtin", value_name = "NAME|PATH")]
    pub suite: String,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub difficulty: Option<String>,
    /// Only these task ids (repeatable; `miniwob:<task>` needs --miniwob-dir or experiments.miniwob_dir)
    #[arg(long = "task", value_name = "ID")]
    pub tasks: Vec<String>,
    /// Attempts per task
    #[arg(long, default_value_t = 1)]
    pub repeats: u32,
    /// Attempts running at once (one isolated browser context each)
    #[arg(long, default_value_t = 2)]
    pub concurrency: u32,
    /// Continue this evaluation id: attempts already stored are skipped
    #[arg(long, value_name = "EVAL_ID")]
    pub resume: Option<String>,
    /// Write the results as JUnit XML
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Exit with code 1 when the success rate is below this (0..1)
    #[arg(long, value_name = "X")]
    pub min_success_rate: Option<f64>,
    /// Directory with MiniWoB++ html pages (for miniwob:<task> ids; default: experiments.miniwob_dir)
    #[arg(long, value_name = "DIR")]
    pub miniwob_dir: Option<PathBuf>,
    /// Show the browser window
    #[arg(long)]
    pub headful: bool,
    /// Base seed of the attempts' seeds (each attempt's own seed is derived from it, the task and the attempt
    /// number); the same seed runs the same MiniWoB++ episodes again. Default: drawn at random and recorded
    #[arg(long, value_name = "N")]
    pub seed: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Model version reference
    pub model: String,
    /// Task id in the suite (or miniwob:<task>)
    pub task: String,
    #[arg(long, default_value = "builtin", value_name = "NAME|PATH")]
    pub suite: String,
    #[arg(long, default_value_t = 1)]
    pub repeats: u32,
    #[arg(long, value_name = "DIR")]
    pub miniwob_dir: Option<PathBuf>,
    #[arg(long)]
    pub headful: bool,
    /// Base seed of the attempts' seeds (see `benchmark --seed`)
    #[arg(long, value_name = "N")]
    pub seed: Option<u32>,
}

pub async fn benchmark(core: &Core, args: BenchmarkArgs, out: &Output) -> Result<i32> {
    if let Some(x) = args.min_success_rate.filter(|x| !(0.0..=1.0).contains(x)) {
        return Err(Error::Input(format!("--min-success-rate {x}: expected a number between 0 and 1")));
    }
    let filter = TaskFilter {
        category: args
            .category
            .map(|c| {
                parse_enum::<Category>(
                    "category",
                    &c,
                    "search, shopping, forms, navigation, extraction, auth, table, dynamic, multi-tab",
                )
            })
            .transpose()?,
        difficulty: args
            .difficulty
            .map(|d| parse_enum::<Difficulty>("difficulty", &d, "easy, medium, hard"))
            .transpose()?,
        ids: args.tasks,
    };
    let request = BenchmarkRequest {
        model: args.model,
        suite: args.suite,
        filter,
        repeats: args.repeats,
        concurrency: args.concurrency,
        resume: args.resume,
        miniwob_dir: args.miniwob_dir,
        headful: args.headful,
        seed: args.seed,
    };
    let results = run_with_progress(core, request, out).await?;
    finish(results, args.junit, args.min_success_rate, out)
}

pub async fn model(core: &Core, args: ModelArgs, out: &Output) -> Result<i32> {
    let request = BenchmarkRequest {
        model: args.model,
        suite: args.suite,
        filter: TaskFilter { ids: vec![args.task], ..Default::default() },
        repeats: args.repeats,
        concurrency: 1,
        resume: None,
        miniwob_dir: args.miniwob_dir,
        headful: args.headful,
        seed: args.seed,
    };
    let results = run_with_progress(core, request, out).await?;
    finish(results, None, None, out)
}

/// Run the evaluation (the streaming operation `evals/benchmark`) while a progress bar (stderr, hidden when not a
/// terminal or with --json) follows its events.
async fn run_with_progress(core: &Core, request: BenchmarkRequest, out: &Output) -> Result<EvaluationResults> {
    let bar = crate::progress::bar(out, 0);
    let counts = std::sync::Mutex::new((0u32, 0u32));
    let sink = {
        let bar = bar.clone();
        Sink::new(move |event: EvalEvent| {
            match event {
                EvalEvent::Started { attempts, skipped, .. } => {
                    bar.set_length(u64::from(attempts));
                    if skipped > 0 {
                        bar.println(format!("resuming: {skipped} attempts already stored"));
                    }
                }
                EvalEvent::AttemptFinished { task_id, attempt, success, .. } => {
                    let mut counts = counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    let (passed, done) = &mut *counts;
                    *done += 1;
                    *passed += u32::from(success);
                    bar.inc(1);
                    bar.set_message(format!(
                        "{passed}/{done} passed — last: {task_id}#{attempt} {}",
                        if success { "✓" } else { "✗" }
                    ));
                }
                EvalEvent::Finished { .. } | EvalEvent::AttemptStarted { .. } => {}
            }
            true
        })
    };
    let result = api::benchmark(core, request, sink).await;
    bar.finish_and_clear();
    result
}

fn finish(results: EvaluationResults, junit: Option<PathBuf>, min: Option<f64>, out: &Output) -> Result<i32> {
    if let Some(path) = &junit {
        std::fs::write(path, super::junit::junit_xml(&results))
            .map_err(|e| Error::io(format!("cannot write JUnit XML to {}", path.display()), e))?;
    }
    out.emit(&results, super::results::render_results)?;
    let s = &results.summary;
    if let Some(min) = min {
        let rate = if s.attempts == 0 { 0.0 } else { s.successes as f64 / s.attempts as f64 };
        if rate < min {
            eprintln!("success rate {:.1}% is below --min-success-rate {:.1}%", rate * 100.0, min * 100.0);
            return Ok(1);
        }
    }
    Ok(0)
}

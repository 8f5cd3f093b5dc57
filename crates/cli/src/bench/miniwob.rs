//! `bench miniwob`: the offline baseline agent over every MiniWoB++ task of a MiniWoB `html/` folder (the pip
//! package's by default), each with several seeds, on real Chromium, in a temporary data directory. Prints one row
//! per task (passes of seeds, mean score, mean steps) and the totals; `--json` gives the same as data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use browser_ai_mlops_core::api::config as config_api;
use browser_ai_mlops_core::core::{Core, Settings};
use browser_ai_mlops_core::error::{Error, Result};
use browser_ai_mlops_core::evaluator::TaskFilter;
use browser_ai_mlops_core::evaluator::results::Results;
use browser_ai_mlops_core::evaluator::runner::{BenchmarkRequest, run_benchmark};
use browser_ai_mlops_core::stats::{Interval, wilson};

/// One task's figures over its seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskRow {
    pub task: String,
    pub attempts: u32,
    pub passes: u32,
    pub mean_score: f64,
    pub mean_steps: f64,
    /// Attempts that ended with an error (timeout, crash) rather than a verdict.
    pub errors: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MiniwobReport {
    pub dir: String,
    pub base_seed: u32,
    pub seeds: u32,
    pub max_steps: u32,
    pub tasks: Vec<TaskRow>,
    pub attempts: u64,
    pub passes: u64,
    pub success_rate: Option<Interval>,
    /// Tasks passed by at least one seed, and by every seed.
    pub solved_any: u64,
    pub solved_all: u64,
    pub seconds: f64,
}

/// The task names of a MiniWoB `html/` folder: every `miniwob/<task>.html`, sorted.
pub fn task_names(dir: &Path) -> Result<Vec<String>> {
    let pages = dir.join("miniwob");
    let entries = std::fs::read_dir(&pages)
        .map_err(|e| Error::Input(format!("{}: {e} (expected a MiniWoB++ html/ folder)", pages.display())))?;
    let mut names: Vec<String> =
        entries.flatten().filter_map(|e| e.file_name().to_str()?.strip_suffix(".html").map(str::to_string)).collect();
    names.sort();
    Ok(names)
}

/// The pip package's folder as `scripts/dev setup` installs it (`BROWSER_AI_MLOPS_MINIWOB_HTML` when set).
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BROWSER_AI_MLOPS_MINIWOB_HTML") {
        return Some(PathBuf::from(dir));
    }
    let lib = PathBuf::from(std::env::var_os("HOME")?).join(".cache/browser-ai-mlops/venv/lib");
    std::fs::read_dir(lib).ok()?.flatten().map(|e| e.path().join("site-packages/miniwob/html")).find(|p| p.is_dir())
}

pub struct MiniwobOptions {
    pub dir: PathBuf,
    pub only: Vec<String>,
    pub seeds: u32,
    pub base_seed: u32,
    pub concurrency: u32,
    pub max_steps: u32,
}

pub async fn run(work: &Path, o: &MiniwobOptions, progress: &impl Fn(&str)) -> Result<MiniwobReport> {
    let mut names = task_names(&o.dir)?;
    if !o.only.is_empty() {
        names.retain(|n| o.only.contains(n));
    }
    if names.is_empty() {
        return Err(Error::Input("no MiniWoB++ task selected".into()));
    }
    let core = Core::open(Settings::in_dir(work)).await?;
    let set = |key: &str, value: String| config_api::SetInput { env: None, key: key.into(), value };
    config_api::set(&core, set("agent.max_steps", o.max_steps.to_string())).await?;
    super::register_baseline(&core, "miniwob-baseline").await?;
    progress(&format!("{} MiniWoB++ tasks × {} seeds on real Chromium…", names.len(), o.seeds));
    let started = Instant::now();
    let request = BenchmarkRequest {
        model: "miniwob-baseline:1".into(),
        suite: "builtin".into(),
        filter: TaskFilter { ids: names.iter().map(|n| format!("miniwob:{n}")).collect(), ..Default::default() },
        repeats: o.seeds,
        concurrency: o.concurrency,
        resume: None,
        miniwob_dir: Some(o.dir.clone()),
        headful: false,
        seed: Some(o.base_seed),
    };
    let summary = run_benchmark(&core, &request, None).await?;
    let seconds = started.elapsed().as_secs_f64();
    let rows = Results::new(core.store().await?.clone()).results(&summary.evaluation.id).await?;
    let mut by_task: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for r in &rows {
        by_task.entry(r.result.task_id.clone()).or_default().push(&r.result);
    }
    let tasks: Vec<TaskRow> = by_task
        .into_iter()
        .map(|(task, rs)| {
            let n = rs.len() as f64;
            TaskRow {
                task: task.strip_prefix("miniwob-").unwrap_or(&task).to_string(),
                attempts: rs.len() as u32,
                passes: rs.iter().filter(|r| r.success).count() as u32,
                mean_score: rs.iter().map(|r| r.score).sum::<f64>() / n,
                mean_steps: rs.iter().map(|r| f64::from(r.steps)).sum::<f64>() / n,
                errors: rs.iter().filter(|r| r.error.is_some()).count() as u32,
            }
        })
        .collect();
    core.shutdown().await?;
    let (attempts, passes) = (summary.attempts, summary.successes);
    Ok(MiniwobReport {
        dir: o.dir.display().to_string(),
        base_seed: o.base_seed,
        seeds: o.seeds,
        max_steps: o.max_steps,
        solved_any: tasks.iter().filter(|t| t.passes > 0).count() as u64,
        solved_all: tasks.iter().filter(|t| t.passes == t.attempts).count() as u64,
        tasks,
        attempts,
        passes,
        success_rate: wilson(passes, attempts),
        seconds,
    })
}

pub fn render(r: &MiniwobReport) -> String {
    let rows = r.tasks.iter().map(|t| {
        vec![
            t.task.clone(),
            format!("{}/{}", t.passes, t.attempts),
            format!("{:.2}", t.mean_score),
            format!("{:.1}", t.mean_steps),
            if t.errors > 0 { t.errors.to_string() } else { String::new() },
        ]
    });
    let mut text = crate::output::table(&["task", "passed", "mean score", "mean steps", "errors"], rows);
    let rate = r
        .success_rate
        .map(|i| format!("{:.1}% [{:.1}%, {:.1}%]", i.estimate * 100.0, i.low * 100.0, i.high * 100.0))
        .unwrap_or_else(|| "-".into());
    text.push_str(&format!(
        "\n\n{} tasks × {} seeds (base seed {}, max {} steps) in {:.0} s: {}/{} attempts passed, {rate}; \
         solved by some seed {}, by every seed {}",
        r.tasks.len(),
        r.seeds,
        r.base_seed,
        r.max_steps,
        r.seconds,
        r.passes,
        r.attempts,
        r.solved_any,
        r.solved_all
    ));
    text
}

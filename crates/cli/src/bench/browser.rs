//! Browser-side figures: DOM state extraction + serialisation on a generated page with many interactive elements,
//! action latency, and the baseline agent's throughput (tasks per minute) over bundled-site tasks at several
//! concurrency levels. Runs in the benchmark's own temporary directory on real Chromium.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::dom::EARLY_CALLS;
use super::dom::{ActionBenchFigures, DomBenchFigures, bench_actions, bench_dom};
use browser_ai_mlops_core::browser::{BrowserOptions, BrowserPool};
use browser_ai_mlops_core::core::{Core, Settings};
use browser_ai_mlops_core::error::Result;
use browser_ai_mlops_core::evaluator::runner::{BenchmarkRequest, run_benchmark};
use browser_ai_mlops_core::evaluator::{Difficulty, TaskFilter};

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct Throughput {
    pub concurrency: u32,
    pub tasks: u64,
    pub passed: u64,
    pub seconds: f64,
    pub tasks_per_min: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct BrowserBenchReport {
    pub dom: DomBenchFigures,
    pub actions: ActionBenchFigures,
    pub throughput: Vec<Throughput>,
}

/// Steady-state `state()` calls measured; V8 keeps optimising the collector for dozens of calls, so 30 measured the
/// warm-up as much as the steady state.
const DOM_REPS: usize = 100;

pub async fn run(dir: &std::path::Path, levels: &[u32], progress: &impl Fn(&str)) -> Result<BrowserBenchReport> {
    let pool = BrowserPool::new(BrowserOptions::default(), 1);
    progress(&format!(
        "browser: DOM state of a 1,000-element page ×{} (after {} first calls)…",
        DOM_REPS,
        DOM_REPS.min(EARLY_CALLS)
    ));
    let dom = bench_dom(&pool, 1_000, DOM_REPS).await?;
    progress("browser: click and input_text latency ×30…");
    let actions = bench_actions(&pool, 200, 30).await?;
    pool.shutdown().await;
    let core = Core::open(Settings::in_dir(&dir.join("agent"))).await?;
    super::register_baseline(&core, "bench-baseline").await?;
    let mut throughput = Vec::new();
    for &concurrency in levels {
        progress(&format!("agent: baseline over the easy built-in tasks at concurrency {concurrency}…"));
        let started = Instant::now();
        let summary = run_benchmark(
            &core,
            &BenchmarkRequest {
                model: "bench-baseline:1".into(),
                suite: "builtin".into(),
                filter: TaskFilter { difficulty: Some(Difficulty::Easy), ..Default::default() },
                repeats: 1,
                concurrency,
                resume: None,
                miniwob_dir: None,
                headful: false,
                seed: None,
            },
            None,
        )
        .await?;
        let seconds = started.elapsed().as_secs_f64();
        throughput.push(Throughput {
            concurrency,
            tasks: summary.attempts,
            passed: summary.successes,
            seconds,
            tasks_per_min: summary.attempts as f64 * 60.0 / seconds,
        });
    }
    core.shutdown().await?;
    Ok(BrowserBenchReport { dom, actions, throughput })
}

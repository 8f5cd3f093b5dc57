//! The tracker's figures and the benchmark driver: the caller's cost of `log_metric`, sustained ingestion through
//! the batching writer, the raw batched-INSERT ceiling of SQLite on the same machine (so the ratio is visible), and
//! run search latency over a generated set of runs; `run` measures them (and the browser's, in `browser.rs`) in a
//! fresh temporary directory. Every figure is measured here and now; nothing is assumed.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use browser_ai_mlops_core::core::{Core, Settings};
use browser_ai_mlops_core::error::{Error, Result};
use browser_ai_mlops_core::tracker::RunStart;
use browser_ai_mlops_core::tracker::search::{SearchQuery, search};

/// The searches `bench` times (filter, order): the example filter first (benchmarks/RESULTS.md names them A–D).
pub const SEARCHES: [(&str, &str); 5] = [
    (
        "metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and tags.env = 'staging' and status = 'finished'",
        "metrics.success_rate desc",
    ),
    ("metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o'", "start_time desc"),
    ("tags.env = 'production' or metrics.cost_usd < 0.01", "metrics.cost_usd asc"),
    ("params.max_steps > 20 and status != 'failed'", "start_time desc"),
    ("", "start_time desc"),
];

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Also measure the browser engine and the agent (needs Chromium); concurrency levels for tasks/min.
    pub browser_levels: Vec<u32>,
    pub points: usize,
    pub runs: usize,
    pub searches: usize,
    pub keep: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct CallCost {
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    /// The slowest call among those that waited for room in the writer's queue (back-pressure).
    pub max_waiting_us: f64,
    /// The slowest call among those that found room at once (what remains is the machine pausing the caller).
    pub max_not_waiting_us: f64,
    /// How many calls waited for room.
    pub waits: u64,
    /// How many of those waited the longest the tracker lets a caller wait and entered on a spare place.
    pub spare_entries: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct SearchFigure {
    pub filter: String,
    pub order_by: String,
    pub total: i64,
    /// The query's first run on this connection pool: pages not yet mapped or cached.
    pub first_ms: f64,
    /// Over the repetitions after the first.
    pub p50_ms: f64,
    pub p95_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct BenchReport {
    pub points: usize,
    pub log_metric: CallCost,
    pub sustained_points_per_s: f64,
    pub raw_insert_points_per_s: f64,
    pub search_runs: usize,
    pub search_experiments: usize,
    pub searches: Vec<SearchFigure>,
    pub browser: Option<super::browser::BrowserBenchReport>,
    pub kept_dir: Option<String>,
}

/// Run every benchmark in a fresh temporary directory; `progress` receives a line per phase.
pub async fn run(options: &BenchOptions, progress: impl Fn(&str)) -> Result<BenchReport> {
    let dir = std::env::temp_dir().join(format!("browser-ai-mlops-bench-{}", browser_ai_mlops_core::util::new_id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let result = run_in(&dir, options, &progress).await;
    let kept_dir = if options.keep {
        Some(dir.display().to_string())
    } else {
        let _ = std::fs::remove_dir_all(&dir);
        None
    };
    result.map(|mut r| {
        r.kept_dir = kept_dir;
        r
    })
}

async fn run_in(dir: &std::path::Path, options: &BenchOptions, progress: &impl Fn(&str)) -> Result<BenchReport> {
    progress(&format!("log_metric: {} points through the writer…", options.points));
    let (log_metric, sustained) = ingest(&dir.join("ingest"), options.points).await?;
    progress(&format!("raw ceiling: {} points in batched INSERT transactions…", options.points));
    let raw =
        browser_ai_mlops_core::tracker::synthetic::raw_insert_rate(&dir.join("raw").join("mlops.db"), options.points)
            .await?;
    progress(&format!("search: generating {} runs…", options.runs));
    let search_dir = dir.join("search");
    let core = Core::open(Settings::in_dir(&search_dir)).await?;
    let store = core.store().await?.clone();
    let experiments = browser_ai_mlops_core::tracker::synthetic::generate_runs(&store, options.runs).await?;
    let mut searches = Vec::new();
    for (filter, order) in SEARCHES {
        progress(&format!("search: {filter:?} ×{}", options.searches));
        searches.push(time_search(&store, filter, order, options.searches).await?);
    }
    core.shutdown().await?;
    let browser = if options.browser_levels.is_empty() {
        None
    } else {
        Some(super::browser::run(dir, &options.browser_levels, progress).await?)
    };
    Ok(BenchReport {
        browser,
        points: options.points,
        log_metric,
        sustained_points_per_s: sustained,
        raw_insert_points_per_s: raw,
        search_runs: options.runs,
        search_experiments: experiments,
        searches,
        kept_dir: None,
    })
}

/// Log `points` metric points from one caller, timing each call; then flush and report the sustained rate.
async fn ingest(dir: &std::path::Path, points: usize) -> Result<(CallCost, f64)> {
    let core = Core::open(Settings::in_dir(dir)).await?;
    let tracker = core.tracker().await?;
    tracker.create_experiment("bench", "log_metric benchmark", &Default::default()).await?;
    let run = tracker.start_run(&RunStart { experiment: "bench".into(), ..Default::default() }).await?;
    let keys = ["loss", "accuracy", "reward", "latency_ms"];
    // Warm up the run cache, the key interner and the writer.
    for i in 0..1_000 {
        tracker.log_metric(&run.id, keys[i % 4], i as f64, i as i64, None).await?;
    }
    tracker.flush().await?;
    let mut nanos: Vec<u64> = Vec::with_capacity(points);
    let (mut max_waiting, mut max_not_waiting) = (0u64, 0u64);
    let waits_before = tracker.room_waits();
    let started = Instant::now();
    for i in 0..points {
        let waits = tracker.room_waits();
        let t = Instant::now();
        tracker.log_metric(&run.id, keys[i % 4], (i as f64).sin(), i as i64, None).await?;
        let took = t.elapsed().as_nanos() as u64;
        nanos.push(took);
        let slowest = if tracker.room_waits() != waits { &mut max_waiting } else { &mut max_not_waiting };
        *slowest = (*slowest).max(took);
    }
    let waits = tracker.room_waits() - waits_before;
    let spare_entries = tracker.spare_entries() as u64;
    tracker.flush().await?;
    let elapsed = started.elapsed().as_secs_f64();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points WHERE run_id = ?")
        .bind(&run.id)
        .fetch_one(core.store().await?.pool())
        .await?;
    if stored != (points + 1_000) as i64 {
        return Err(Error::Failed(format!("benchmark lost points: logged {}, stored {stored}", points + 1_000)));
    }
    core.shutdown().await?;
    nanos.sort_unstable();
    let cost = CallCost {
        p50_us: pct(&nanos, 50) / 1e3,
        p99_us: pct(&nanos, 99) / 1e3,
        max_us: nanos.last().copied().unwrap_or(0) as f64 / 1e3,
        max_waiting_us: max_waiting as f64 / 1e3,
        max_not_waiting_us: max_not_waiting as f64 / 1e3,
        waits,
        spare_entries,
    };
    Ok((cost, points as f64 / elapsed))
}

async fn time_search(
    store: &browser_ai_mlops_core::store::Store,
    filter: &str,
    order: &str,
    reps: usize,
) -> Result<SearchFigure> {
    let query = SearchQuery {
        filter: (!filter.is_empty()).then(|| filter.to_string()),
        order_by: vec![order.to_string()],
        ..Default::default()
    };
    let mut nanos = Vec::with_capacity(reps + 1);
    let mut total = 0;
    for _ in 0..=reps.max(1) {
        let t = Instant::now();
        let page = search(store, &query).await.map_err(|e| Error::Input(e.to_string()))?;
        nanos.push(t.elapsed().as_nanos() as u64);
        total = page.total;
    }
    let first_ms = nanos.remove(0) as f64 / 1e6;
    nanos.sort_unstable();
    Ok(SearchFigure {
        filter: if filter.is_empty() { "(none)".to_string() } else { filter.to_string() },
        order_by: order.to_string(),
        total,
        first_ms,
        p50_ms: pct(&nanos, 50) / 1e6,
        p95_ms: pct(&nanos, 95) / 1e6,
    })
}

/// Nearest-rank percentile (`pct` in 0..=100) of ascending values, as f64; 0 for none.
pub(crate) fn pct(sorted: &[u64], pct: u32) -> f64 {
    browser_ai_mlops_core::stats::nearest_rank(sorted, pct).unwrap_or(0) as f64
}

#[cfg(test)]
mod tests {
    use super::pct;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(pct(&v, 50), 50.0);
        assert_eq!(pct(&v, 99), 99.0);
        assert_eq!(pct(&v, 100), 100.0);
        assert_eq!(pct(&[7], 95), 7.0);
        assert_eq!(pct(&[], 50), 0.0);
    }
}

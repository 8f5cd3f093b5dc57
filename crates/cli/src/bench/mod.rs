//! The `bench` command: measures the tracker (and with `--browser`, the browser engine and the agent) on this
//! machine and prints the figures (never asserted in tests); `bench load` tracks many concurrent agent tasks at once.
//! Runs in a fresh temporary directory so the user's database is never touched. The measurements are in
//! `tracker.rs`, `load.rs`, `browser.rs` and `dom.rs`.

pub mod browser;
pub mod dom;
pub mod llm;
pub mod load;
pub mod miniwob;
pub mod stores;
pub mod sync;
pub mod tracker;
pub mod visibility;

use clap::{Args, Subcommand};

use crate::Output;
use crate::output::{fields, num};
use browser_ai_mlops_core::{Core, Result};
use tracker::{BenchOptions, BenchReport};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: Option<BenchCommand>,
    /// Metric points logged through `log_metric` (and inserted raw for the ceiling)
    #[arg(long, default_value_t = 1_000_000)]
    pub points: usize,
    /// Runs generated for the search benchmark
    #[arg(long, default_value_t = 100_000)]
    pub runs: usize,
    /// Timed repetitions of each search query after its first (cold) run, which is reported apart
    #[arg(long, default_value_t = 40)]
    pub searches: usize,
    /// Also measure the browser engine and the baseline agent's tasks/min at these concurrency levels, e.g. 1,4,8
    #[arg(long, value_delimiter = ',', value_name = "LEVELS")]
    pub browser: Vec<u32>,
    /// Keep the benchmark's temporary directory (its path is printed)
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Track many simulated agent tasks at once through the library: each starts a run, logs points, messages and
    /// actions with yields between calls, and finishes; all are in flight together. Prints the wall time, the
    /// throughput, the peak resident memory and the counts read back from the database (exit 1 on a mismatch)
    Load(LoadArgs),
    /// The offline baseline agent over every MiniWoB++ task of a MiniWoB html/ folder (default: the pip package
    /// `scripts/dev setup` installs), each with several seeds, on real Chromium: one row per task and the totals
    Miniwob(MiniwobArgs),
    /// The LLM planner without a model: reads the built-in corpus of model answers (JSON in prose, fenced,
    /// truncated, tool calls, refusals, string indexes) and counts how many become a plan; with --visibility, also
    /// whether each built-in task's expected answer appears in what a model would be shown on the way to it
    Llm(LlmArgs),
    /// Push metric points from one host's store to a team server on PostgreSQL and pull them into a second host,
    /// over HTTP on 127.0.0.1 (a throw-away PostgreSQL cluster unless --database is given): points per second each
    /// way, and the counts on every store (exit 1 on a mismatch)
    Sync(SyncArgs),
    /// Run search on both stores over the same generated runs: SQLite, and PostgreSQL (a throw-away cluster unless
    /// --database is given) after copying them there; each of the searches `bench` times, on each store, and
    /// whether both return the same first page (exit 1 if not)
    Search(SearchArgs),
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Runs generated (each with params, tags and metric summaries)
    #[arg(long, default_value_t = 100_000)]
    pub runs: usize,
    /// Timed repetitions of each search on each store after its first (cold) run
    #[arg(long, default_value_t = 40)]
    pub searches: usize,
    /// An existing PostgreSQL database to use (it must be empty); default: a throw-away cluster
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Metric points pushed and pulled
    #[arg(long, default_value_t = 1_000_000)]
    pub points: usize,
    /// An existing PostgreSQL database to use (it must be empty); default: a throw-away cluster
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct LlmArgs {
    /// Also walk every built-in task with an answer check on real Chromium (the offline baseline's path) and test
    /// whether the expected answer appears in the user message an LLM version would be sent at some step
    #[arg(long)]
    pub visibility: bool,
}

#[derive(Debug, Args)]
pub struct MiniwobArgs {
    /// MiniWoB++ html/ folder (default: BROWSER_AI_MLOPS_MINIWOB_HTML, else the venv under ~/.cache/browser-ai-mlops)
    #[arg(long, value_name = "DIR")]
    pub miniwob_dir: Option<std::path::PathBuf>,
    /// Only these tasks (repeatable; default: every miniwob/<task>.html)
    #[arg(long = "task", value_name = "NAME")]
    pub tasks: Vec<String>,
    /// Seeds (attempts) per task
    #[arg(long, default_value_t = 3)]
    pub seeds: u32,
    /// Base seed the attempts' seeds are derived from
    #[arg(long, default_value_t = 1)]
    pub base_seed: u32,
    /// Attempts running at once
    #[arg(long, default_value_t = 2)]
    pub concurrency: u32,
    /// Steps the agent may take per episode
    #[arg(long, default_value_t = 15)]
    pub max_steps: u32,
    /// Keep the benchmark's temporary directory (its path is printed)
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Simulated agent tasks, all in flight at once (one tokio task and one run each)
    #[arg(long, default_value_t = 10_000)]
    pub tasks: usize,
    /// Metric points each task logs
    #[arg(long, default_value_t = 100)]
    pub points: usize,
    /// Conversation messages each task logs
    #[arg(long, default_value_t = 10)]
    pub messages: usize,
    /// Browser actions each task logs
    #[arg(long, default_value_t = 10)]
    pub actions: usize,
    /// Keep the benchmark's temporary directory (its path is printed)
    #[arg(long)]
    pub keep: bool,
}

pub async fn run(_core: &Core, args: BenchArgs, out: &Output) -> Result<i32> {
    match args.command {
        Some(BenchCommand::Load(load)) => return run_load(load, out).await,
        Some(BenchCommand::Search(a)) => {
            let spinner = crate::progress::spinner(out, "benchmarking search on both stores");
            let report =
                stores::run(a.runs, a.searches, a.database, &|line| spinner.set_message(line.to_string())).await;
            spinner.finish_and_clear();
            let report = report?;
            out.emit(&report, stores::render)?;
            return Ok(if report.searches.iter().all(|s| s.same_page) { 0 } else { 1 });
        }
        Some(BenchCommand::Sync(a)) => {
            let spinner = crate::progress::spinner(out, "benchmarking sync");
            let report = sync::run(a.points, a.database, &|line| spinner.set_message(line.to_string())).await;
            spinner.finish_and_clear();
            let report = report?;
            out.emit(&report, sync::render)?;
            let whole = report.server_points == a.points as i64 && report.pulled_points == a.points as i64;
            return Ok(if whole { 0 } else { 1 });
        }
        Some(BenchCommand::Miniwob(m)) => return run_miniwob(m, out).await,
        Some(BenchCommand::Llm(a)) => {
            out.emit(&llm::run()?, llm::render)?;
            if a.visibility {
                let work = std::env::temp_dir()
                    .join(format!("browser-ai-mlops-bench-{}", browser_ai_mlops_core::util::new_id()));
                let report = visibility::run(&work, &|line| eprintln!("{line}")).await;
                let _ = std::fs::remove_dir_all(&work);
                out.emit(&report?, visibility::render)?;
            }
            return Ok(0);
        }
        None => {}
    }
    let options = BenchOptions {
        browser_levels: args.browser,
        points: args.points,
        runs: args.runs,
        searches: args.searches,
        keep: args.keep,
    };
    let spinner = crate::progress::spinner(out, "benchmarking");
    let report = tracker::run(&options, |line| spinner.set_message(line.to_string())).await;
    spinner.finish_and_clear();
    let report = report?;
    out.emit(&report, render)?;
    Ok(0)
}

/// Registers `NAME:1`, the offline baseline with default settings, in a benchmark's own store.
async fn register_baseline(core: &Core, name: &str) -> Result<()> {
    use browser_ai_mlops_core::api::models::{RegisterInput, register};
    let input = RegisterInput {
        name: name.into(),
        provider: browser_ai_mlops_core::registry::Provider::Baseline,
        model_id: "label-matcher".into(),
        base_url: None,
        temperature: None,
        max_tokens: None,
        top_p: None,
        system_prompt: None,
        extra_params: Default::default(),
        description: None,
        changelog: None,
    };
    register(core, input).await?;
    Ok(())
}

async fn run_miniwob(args: MiniwobArgs, out: &Output) -> Result<i32> {
    let dir = args.miniwob_dir.or_else(miniwob::default_dir).ok_or_else(|| {
        browser_ai_mlops_core::Error::Input(
            "no MiniWoB++ folder: pass --miniwob-dir or run `scripts/dev setup` (installs the pip package)".into(),
        )
    })?;
    let work = std::env::temp_dir().join(format!("browser-ai-mlops-bench-{}", browser_ai_mlops_core::util::new_id()));
    let options = miniwob::MiniwobOptions {
        dir,
        only: args.tasks,
        seeds: args.seeds,
        base_seed: args.base_seed,
        concurrency: args.concurrency,
        max_steps: args.max_steps,
    };
    let report = miniwob::run(&work, &options, &|line| eprintln!("{line}")).await;
    if args.keep {
        eprintln!("kept: {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    out.emit(&report?, miniwob::render)?;
    Ok(0)
}

async fn run_load(args: LoadArgs, out: &Output) -> Result<i32> {
    let dir = std::env::temp_dir().join(format!("browser-ai-mlops-bench-{}", browser_ai_mlops_core::util::new_id()));
    let shape = load::TaskShape { points: args.points, messages: args.messages, actions: args.actions };
    let report = load::run(&dir.join("mlops.db"), args.tasks, shape, &|line| eprintln!("{line}")).await;
    if args.keep {
        eprintln!("kept: {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let report = report?;
    out.emit(&report, render_load)?;
    load::verdict(&report)?;
    Ok(0)
}

fn render_load(r: &load::LoadReport) -> String {
    let c = &r.counted;
    fields(&[
        (
            "tasks in flight",
            format!(
                "{} (each {} points, {} messages, {} actions)",
                num(r.tasks as f64),
                r.shape.points,
                r.shape.messages,
                r.shape.actions
            ),
        ),
        ("wall time", format!("{:.2} s", r.seconds)),
        ("throughput", format!("{} points/s, {:.0} tasks/s", num(r.points_per_s.round()), r.tasks_per_s)),
        ("peak RSS (VmHWM)", r.peak_rss_bytes.map_or("n/a".to_string(), |b| format!("{:.1} MB", b as f64 / 1e6))),
        (
            "counted back (SQL)",
            format!(
                "{} runs ({} finished), {} points, {} messages, {} actions",
                c.runs, c.finished_runs, c.points, c.messages, c.actions
            ),
        ),
        ("count check", if r.differences.is_empty() { "MATCH".to_string() } else { r.differences.join("; ") }),
        (
            "failed tasks",
            match &r.first_error {
                Some(e) => format!("{} (first: {e})", r.failed_tasks),
                None => "0".to_string(),
            },
        ),
    ])
}

fn render(r: &BenchReport) -> String {
    let mut lines = vec![fields(&[
        (
            "log_metric caller p50",
            format!("{:.2} µs ({} calls in a loop, one caller, each timed)", r.log_metric.p50_us, num(r.points as f64)),
        ),
        ("log_metric caller p99", format!("{:.2} µs", r.log_metric.p99_us)),
        ("log_metric caller max", format!("{:.2} ms (the slowest call of all)", r.log_metric.max_us / 1e3)),
        (
            "  of calls waiting for room",
            format!(
                "{:.2} ms ({} calls found the writer's queue full and waited; {} of them 4 ms, then took a spare place)",
                r.log_metric.max_waiting_us / 1e3,
                num(r.log_metric.waits as f64),
                num(r.log_metric.spare_entries as f64)
            ),
        ),
        (
            "  of calls not waiting",
            format!("{:.2} ms (the machine pausing the caller)", r.log_metric.max_not_waiting_us / 1e3),
        ),
        (
            "sustained ingestion",
            format!("{} points/s ({} points, flushed)", num(r.sustained_points_per_s.round()), r.points),
        ),
        ("raw batched INSERT ceiling", format!("{} points/s", num(r.raw_insert_points_per_s.round()))),
        ("sustained / raw", format!("{:.0} %", 100.0 * r.sustained_points_per_s / r.raw_insert_points_per_s)),
        ("search data", format!("{} runs, {} experiments", r.search_runs, r.search_experiments)),
    ])];
    lines.push(String::new());
    lines.push(crate::output::table(
        &["search filter", "matches", "first ms", "p50 ms", "p95 ms"],
        r.searches.iter().map(|s| {
            vec![
                s.filter.clone(),
                s.total.to_string(),
                format!("{:.2}", s.first_ms),
                format!("{:.2}", s.p50_ms),
                format!("{:.2}", s.p95_ms),
            ]
        }),
    ));
    if let Some(b) = &r.browser {
        lines.push(String::new());
        lines.push(fields(&[
            (
                "DOM state, 1000 elements",
                format!(
                    "median {:.1} ms, p95 {:.1} ms ({} indexed; steady state, {} calls)",
                    b.dom.median_ms, b.dom.p95_ms, b.dom.indexed, b.dom.reps
                ),
            ),
            (
                "  first calls after install",
                format!(
                    "median {:.1} ms ({} calls, V8 still optimising the collector)",
                    b.dom.early_median_ms, b.dom.early_reps
                ),
            ),
            (
                "  of which (medians)",
                format!(
                    "evaluate call {:.1} ms (tab list alongside {:.1} ms), Rust {:.1} ms (parse {:.1}, build {:.1})",
                    b.dom.evaluate_median_ms,
                    b.dom.targets_median_ms,
                    b.dom.rust_median_ms,
                    b.dom.parse_median_ms,
                    b.dom.build_median_ms
                ),
            ),
            (
                "  page script (medians)",
                format!(
                    "{:.1} ms: walk {:.1}, hit tests + attributes {:.1}, index map {:.1}",
                    b.dom.script_median_ms,
                    b.dom.script_walk_median_ms,
                    b.dom.script_output_median_ms,
                    b.dom.script_mark_median_ms
                ),
            ),
            (
                "  first state after a load",
                format!("median {:.1} ms (installs the collector; {} loads)", b.dom.cold_median_ms, b.dom.cold_reps),
            ),
            ("click", format!("median {:.1} ms, p95 {:.1} ms", b.actions.click_median_ms, b.actions.click_p95_ms)),
            (
                "input_text",
                format!("median {:.1} ms, p95 {:.1} ms", b.actions.input_text_median_ms, b.actions.input_text_p95_ms),
            ),
        ]));
        lines.push(crate::output::table(
            &["concurrency", "tasks", "passed", "seconds", "tasks/min"],
            b.throughput.iter().map(|t| {
                vec![
                    t.concurrency.to_string(),
                    t.tasks.to_string(),
                    t.passed.to_string(),
                    format!("{:.1}", t.seconds),
                    format!("{:.1}", t.tasks_per_min),
                ]
            }),
        ));
    }
    if let Some(dir) = &r.kept_dir {
        lines.push(format!("\nkept: {dir}"));
    }
    lines.join("\n")
}

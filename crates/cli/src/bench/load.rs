//! `bench load`: many simulated agent tasks tracked at once through the library's `Tracker`, the calls an agent
//! runner makes. Every task is its own tokio task and all are in flight together: each starts its run, interleaves
//! its metric points, conversation messages and browser actions with yields, and finishes its run. Reports the wall
//! time, the throughput, the process's peak resident memory and the counts read back from the database with SQL.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use browser_ai_mlops_core::error::{Error, Result};
use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::tracker::{Action, Message, Role, RunStart, RunStatus, Tracker};

/// What each simulated task logs.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, specta::Type)]
pub struct TaskShape {
    pub points: usize,
    pub messages: usize,
    pub actions: usize,
}

/// Rows of the load's experiment as counted back from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LoadCounts {
    pub runs: i64,
    pub finished_runs: i64,
    pub points: i64,
    pub messages: i64,
    pub actions: i64,
}

impl LoadCounts {
    /// What `tasks` tasks of `shape` should leave behind.
    pub fn expected(tasks: usize, shape: TaskShape) -> LoadCounts {
        let n = tasks as i64;
        LoadCounts {
            runs: n,
            finished_runs: n,
            points: n * shape.points as i64,
            messages: n * shape.messages as i64,
            actions: n * shape.actions as i64,
        }
    }

    /// `name: counted ≠ expected` for each count that differs.
    pub fn differences(&self, expected: &LoadCounts) -> Vec<String> {
        [
            ("runs", self.runs, expected.runs),
            ("finished runs", self.finished_runs, expected.finished_runs),
            ("metric points", self.points, expected.points),
            ("messages", self.messages, expected.messages),
            ("actions", self.actions, expected.actions),
        ]
        .into_iter()
        .filter(|(_, got, want)| got != want)
        .map(|(name, got, want)| format!("{name}: counted {got}, expected {want}"))
        .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct LoadReport {
    pub tasks: usize,
    pub shape: TaskShape,
    pub seconds: f64,
    pub points_per_s: f64,
    pub tasks_per_s: f64,
    /// Peak resident set of this process (VmHWM), in bytes; `None` where the OS does not report it.
    pub peak_rss_bytes: Option<u64>,
    /// Tasks whose tracking calls returned an error, and the first such error.
    pub failed_tasks: usize,
    pub first_error: Option<String>,
    pub expected: LoadCounts,
    pub counted: LoadCounts,
    pub differences: Vec<String>,
}

/// Run `tasks` simulated agent tasks of `shape` at once against the database at `db`, then count what was stored.
pub async fn run(db: &std::path::Path, tasks: usize, shape: TaskShape, progress: &impl Fn(&str)) -> Result<LoadReport> {
    let store = Store::open(db).await?;
    let tracker = Arc::new(Tracker::new(store.clone()));
    let experiment =
        tracker.create_experiment("load", "bench load: concurrent agent tasks", &Default::default()).await?.id;
    progress(&format!(
        "load: {tasks} tasks in flight at once, each {} points, {} messages, {} actions…",
        shape.points, shape.messages, shape.actions
    ));
    let started = Instant::now();
    let outcomes = simulate(&tracker, &experiment, tasks, shape).await;
    let seconds = started.elapsed().as_secs_f64();
    tracker.shutdown().await?;
    let failed: Vec<String> = outcomes.into_iter().filter_map(|r| r.err()).collect();
    let counted = count(&store, &experiment).await?;
    store.close().await;
    let expected = LoadCounts::expected(tasks, shape);
    Ok(LoadReport {
        tasks,
        shape,
        seconds,
        points_per_s: (tasks * shape.points) as f64 / seconds,
        tasks_per_s: tasks as f64 / seconds,
        peak_rss_bytes: peak_rss_bytes(),
        failed_tasks: failed.len(),
        first_error: failed.into_iter().next(),
        differences: counted.differences(&expected),
        expected,
        counted,
    })
}

/// Spawn `tasks` agent tasks at once (one tokio task each) in `experiment` and wait for all; one outcome per task.
pub async fn simulate(
    tracker: &Arc<Tracker>,
    experiment: &str,
    tasks: usize,
    shape: TaskShape,
) -> Vec<std::result::Result<(), String>> {
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let tracker = tracker.clone();
            let experiment = experiment.to_string();
            tokio::spawn(async move { agent_task(&tracker, &experiment, i, shape).await.map_err(|e| e.to_string()) })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks);
    for h in handles {
        outcomes.push(h.await.unwrap_or_else(|e| Err(format!("task panicked or was cancelled: {e}"))));
    }
    outcomes
}

/// One simulated agent episode: start a run, log its points with messages and actions spread among them (yielding
/// between calls, as a task waiting on a browser or a model would), then finish the run.
async fn agent_task(
    tracker: &Tracker,
    experiment: &str,
    index: usize,
    shape: TaskShape,
) -> std::result::Result<(), browser_ai_mlops_core::tracker::TrackerError> {
    let spec =
        RunStart { experiment: experiment.to_string(), name: Some(format!("task-{index}")), ..Default::default() };
    let run = tracker.start_run(&spec).await?.id;
    let steps = shape.points.max(shape.messages).max(shape.actions);
    // Spread the messages and actions evenly over the steps.
    let due = |count: usize, step: usize| count > 0 && (step * count) / steps != ((step + 1) * count) / steps;
    for step in 0..steps {
        if step < shape.points {
            let value = ((index * 31 + step) % 97) as f64 / 97.0;
            tracker
                .log_metric(&run, if step % 2 == 0 { "reward" } else { "latency_ms" }, value, step as i64, None)
                .await?;
        }
        tokio::task::yield_now().await;
        if due(shape.messages, step) {
            let message = Message {
                role: if step % 2 == 0 { Role::Assistant } else { Role::User },
                content: format!("step {step} of task {index}"),
                tool_calls: serde_json::Value::Null,
                tokens: Default::default(),
                ts_ms: 0,
            };
            tracker.log_conversation(&run, std::slice::from_ref(&message)).await?;
            tokio::task::yield_now().await;
        }
        if due(shape.actions, step) {
            let action = Action {
                action_type: "click".into(),
                target: format!("#item-{step}"),
                success: true,
                duration_ms: 12,
                error: None,
                ts_ms: 0,
            };
            tracker.log_action(&run, &action).await?;
            tokio::task::yield_now().await;
        }
    }
    tracker.complete_run(&run, RunStatus::Finished, None).await?;
    Ok(())
}

/// Count the experiment's runs, finished runs, metric points, messages and actions with SQL.
pub async fn count(store: &Store, experiment: &str) -> Result<LoadCounts> {
    let (runs, finished_runs, points, messages, actions): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM runs WHERE experiment_id = ?1), \
           (SELECT COUNT(*) FROM runs WHERE experiment_id = ?1 AND status = 'finished'), \
           (SELECT COUNT(*) FROM metric_points p JOIN runs r ON r.id = p.run_id WHERE r.experiment_id = ?1), \
           (SELECT COUNT(*) FROM run_messages m JOIN runs r ON r.id = m.run_id WHERE r.experiment_id = ?1), \
           (SELECT COUNT(*) FROM run_actions a JOIN runs r ON r.id = a.run_id WHERE r.experiment_id = ?1)",
    )
    .bind(experiment)
    .fetch_one(store.pool())
    .await?;
    Ok(LoadCounts { runs, finished_runs, points, messages, actions })
}

/// The peak resident set size of this process (`VmHWM` in `/proc/self/status`), where the OS reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// Fail (non-zero exit) unless every count matched and every task succeeded.
pub fn verdict(report: &LoadReport) -> Result<()> {
    if report.differences.is_empty() && report.failed_tasks == 0 {
        return Ok(());
    }
    let mut problems = report.differences.clone();
    if let Some(e) = &report.first_error {
        problems.push(format!("{} tasks failed, the first with: {e}", report.failed_tasks));
    }
    Err(Error::Failed(format!("bench load: {}", problems.join("; "))))
}

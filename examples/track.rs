//! Using the tracker from Rust: create an experiment, start a run, log params and metrics at a high rate, flush,
//! complete the run and read its summary back. Run with `cargo run --example track -- /tmp/track-demo`.

use std::collections::BTreeMap;

use browser_ai_mlops::tracker::{RunStart, RunStatus};
use browser_ai_mlops::{Core, Settings};

#[tokio::main]
async fn main() -> Result<(), browser_ai_mlops::Error> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "track-demo".to_string());
    let core = Core::open(Settings::in_dir(std::path::Path::new(&dir))).await?;
    let tracker = core.tracker().await?;

    let name = format!("from-rust-{}", browser_ai_mlops::util::now_ms());
    tracker.create_experiment(&name, "logged from examples/track.rs", &BTreeMap::new()).await?;
    let run = tracker.start_run(&RunStart { experiment: name.clone(), ..Default::default() }).await?;
    tracker.log_param(&run.id, "optimizer", "sgd").await?;
    for step in 0..10_000 {
        // Queued for the background writer: the caller never waits on disk.
        tracker.log_metric(&run.id, "loss", 1.0 / (1.0 + step as f64), step, None).await?;
    }
    // Completing the run flushes first: every point above is durable when this returns.
    tracker.complete_run(&run.id, RunStatus::Finished, None).await?;

    let summary = tracker.run_summary(&run.id).await?;
    for m in &summary.metrics {
        println!("{}: last {} min {} max {} over {} points", m.key, m.last, m.min, m.max, m.count);
    }
    core.shutdown().await
}

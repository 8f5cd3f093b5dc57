//! Integration tests: metric ingestion through the library (`log_metric` → writer → `flush`), two processes writing
//! one database at once, and a writer killed with SIGKILL mid-stream.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::tracker::{RunStart, RunStatus, Tracker, TrackerError};
use browser_ai_mlops_core::{Core, ErrorKind};

use super::sqlite_count;
use crate::util::Home;

async fn core_with_run(h: &Home) -> (Core, String) {
    let core = Core::open(h.settings()).await.unwrap();
    let tracker = core.tracker().await.unwrap();
    tracker.create_experiment("ingest", "", &Default::default()).await.unwrap();
    let run = tracker.start_run(&RunStart { experiment: "ingest".into(), ..Default::default() }).await.unwrap();
    (core, run.id)
}

/// A run this tracker has logged to (so it believes the run is running) that another process then deletes; returns
/// its id and that other process's store.
async fn run_deleted_elsewhere(h: &Home, tracker: &Tracker) -> (String, Store) {
    let doomed = tracker.start_run(&RunStart { experiment: "ingest".into(), ..Default::default() }).await.unwrap().id;
    tracker.log_metric(&doomed, "x", 1.0, 0, None).await.unwrap();
    tracker.flush().await.unwrap();
    let other = Store::open(&h.db_path()).await.unwrap();
    sqlx::query("DELETE FROM runs WHERE id = ?").bind(&doomed).execute(other.pool()).await.unwrap();
    (doomed, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_points_are_all_written_with_exact_aggregates() {
    let h = Home::new();
    let (core, run) = core_with_run(&h).await;
    let tracker = core.tracker().await.unwrap();
    let n = 50_000i64;
    let value = |i: i64| ((i * 7919) % 1000) as f64 / 8.0 - 20.0;
    for i in 0..n {
        tracker.log_metric(&run, "loss", value(i), i, Some(1_767_225_600_000 + i)).await.unwrap();
        if i % 5 == 0 {
            tracker.log_metric(&run, "lr", 0.5, i, None).await.unwrap();
        }
    }
    tracker.flush().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points WHERE run_id = ? AND key = 'loss'")
        .bind(&run)
        .fetch_one(tracker.store().pool())
        .await
        .unwrap();
    assert_eq!(rows, n);
    let summary = tracker.run_summary(&run).await.unwrap();
    let loss = summary.metrics.iter().find(|m| m.key == "loss").unwrap();
    let values: Vec<f64> = (0..n).map(value).collect();
    assert_eq!(loss.count, n);
    assert_eq!(loss.last, value(n - 1));
    assert_eq!(loss.last_step, n - 1);
    assert_eq!(loss.min, values.iter().cloned().fold(f64::INFINITY, f64::min));
    assert_eq!(loss.max, values.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
    let mean = values.iter().sum::<f64>() / n as f64;
    assert!((loss.mean - mean).abs() < 1e-9, "{} vs {mean}", loss.mean);
    assert_eq!(summary.totals.metric_points, n + n / 5);
    core.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_run_makes_points_durable_for_another_connection() {
    let h = Home::new();
    let (core, run) = core_with_run(&h).await;
    let tracker = core.tracker().await.unwrap();
    for i in 0..10_000 {
        tracker.log_metric(&run, "reward", i as f64, i, None).await.unwrap();
    }
    let ended = tracker.complete_run(&run, RunStatus::Finished, None).await.unwrap();
    assert_eq!(ended.status, RunStatus::Finished);
    // A second pool (as another process would have) sees every point without any further flush.
    let other = Store::open(&h.db_path()).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points WHERE run_id = ?")
        .bind(&run)
        .fetch_one(other.pool())
        .await
        .unwrap();
    assert_eq!(rows, 10_000);
    let err = tracker.log_metric(&run, "reward", 1.0, 0, None).await.unwrap_err();
    assert!(matches!(err, TrackerError::RunNotRunning { .. }), "{err}");
    let err = tracker.log_metric("no-such-run", "reward", 1.0, 0, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = tracker.log_metric(&run, "reward", f64::NAN, 0, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input);
    other.close().await;
    core.shutdown().await.unwrap();
    let err = tracker.flush().await.unwrap_err();
    assert!(matches!(err, TrackerError::WriterStopped), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_run_loses_only_its_points_and_the_error_surfaces_on_flush() {
    let h = Home::new();
    let (core, good) = core_with_run(&h).await;
    let tracker = core.tracker().await.unwrap();
    let (doomed, other) = run_deleted_elsewhere(&h, tracker).await;
    for i in 0..100 {
        tracker.log_metric(&good, "x", i as f64, i, None).await.unwrap();
        tracker.log_metric(&doomed, "x", i as f64, i, None).await.unwrap();
    }
    let err = tracker.flush().await.unwrap_err();
    match &err {
        TrackerError::MetricsNotWritten(failures) => {
            assert_eq!(failures.len(), 1);
            assert_eq!(failures[0].run_id, doomed);
            assert_eq!(failures[0].points, 100);
        }
        other => panic!("expected MetricsNotWritten, got {other}"),
    }
    assert!(err.to_string().contains(&doomed));
    // Reported once; the good run's points are all there.
    tracker.flush().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points WHERE run_id = ?")
        .bind(&good)
        .fetch_one(other.pool())
        .await
        .unwrap();
    assert_eq!(rows, 100);
    other.close().await;
    core.shutdown().await.unwrap();
}

/// A run deleted by another process while this one still logs to it: this process's writer has the run's series id
/// cached, and its next points must be reported lost (not land in another series, not be kept as orphans); a run
/// created afterwards gets a new series id, never the deleted one's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_for_a_run_deleted_elsewhere_are_reported_lost_not_misfiled() {
    let h = Home::new();
    let (core, run) = core_with_run(&h).await;
    let tracker = core.tracker().await.unwrap();
    for i in 0..100 {
        tracker.log_metric(&run, "loss", i as f64, i, None).await.unwrap();
    }
    tracker.flush().await.unwrap();
    let old_series: i64 = sqlx::query_scalar("SELECT id FROM metric_series WHERE run_id = ?")
        .bind(&run)
        .fetch_one(tracker.store().pool())
        .await
        .unwrap();

    // "Another process": a second store on the same file deletes the run, then a new run logs its first point.
    let other = Core::open(h.settings()).await.unwrap();
    other.tracker().await.unwrap().delete_run(&run).await.unwrap();
    let fresh = other
        .tracker()
        .await
        .unwrap()
        .start_run(&RunStart { experiment: "ingest".into(), ..Default::default() })
        .await
        .unwrap();
    other.tracker().await.unwrap().log_metric(&fresh.id, "loss", 7.0, 0, None).await.unwrap();
    other.shutdown().await.unwrap();

    for i in 100..150 {
        tracker.log_metric(&run, "loss", i as f64, i, None).await.unwrap();
    }
    let err = tracker.flush().await.unwrap_err();
    assert!(
        matches!(&err, TrackerError::MetricsNotWritten(f) if f.len() == 1 && f[0].run_id == run && f[0].points == 50),
        "{err:?}"
    );
    let pool = tracker.store().pool();
    let fresh_series: i64 = sqlx::query_scalar("SELECT id FROM metric_series WHERE run_id = ?")
        .bind(&fresh.id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(fresh_series > old_series, "series id {fresh_series} reused (deleted run had {old_series})");
    let (fresh_points, orphans): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM metric_points WHERE run_id = ?), \
                (SELECT COUNT(*) FROM metric_values WHERE series_id NOT IN (SELECT id FROM metric_series))",
    )
    .bind(&fresh.id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((fresh_points, orphans), (1, 0));
    core.shutdown().await.unwrap();
}

#[test]
fn two_processes_logging_to_one_database_lose_nothing() {
    let h = Home::new();
    h.ok(&["experiment", "create", "e"]);
    let runs: Vec<String> = (0..2).map(|_| h.ok(&["run", "start", "--experiment", "e"]).trim().to_string()).collect();
    let per_process = 200_000usize;
    let mut children = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let file = h.path().join(format!("p{i}.jsonl"));
        let mut text = String::new();
        for step in 0..per_process {
            text.push_str(&format!("{{\"type\":\"metric\",\"key\":\"loss\",\"value\":{step},\"step\":{step}}}\n"));
            if step % 1000 == 0 {
                text.push_str(&format!("{{\"type\":\"tag\",\"key\":\"t{step}\",\"value\":\"{i}\"}}\n"));
            }
        }
        std::fs::write(&file, text).unwrap();
        let child = h
            .cmd(&["run", "log-batch", run, "--file", file.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        children.push(child);
    }
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed: {stderr}");
        assert!(!stderr.to_lowercase().contains("locked"), "{stderr}");
    }
    assert_eq!(sqlite_count(&h, "SELECT COUNT(*) FROM metric_points"), 2 * per_process as i64);
    assert_eq!(sqlite_count(&h, "SELECT SUM(count) FROM run_metric_summary"), 2 * per_process as i64);
    assert_eq!(sqlite_count(&h, "SELECT COUNT(*) FROM run_tags"), 2 * (per_process as i64 / 1000));
    for run in &runs {
        let sql = format!("SELECT COUNT(DISTINCT step) FROM metric_points WHERE run_id = '{run}'");
        assert_eq!(sqlite_count(&h, &sql), per_process as i64);
    }
}

#[test]
fn points_acknowledged_by_flush_survive_kill_9() {
    let h = Home::new();
    h.ok(&["experiment", "create", "e"]);
    let run = h.ok(&["run", "start", "--experiment", "e"]).trim().to_string();
    let mut child = h
        .cmd(&["run", "ingest-test", &run, "--points", "100000000", "--flush-every", "5000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acknowledged = 0i64;
    // Keep the pipe open until after the kill, so the child cannot die of a closed stdout first.
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        acknowledged = line.strip_prefix("flushed ").unwrap().parse().unwrap();
        if acknowledged >= 20_000 {
            break;
        }
    }
    assert_eq!(acknowledged, 20_000);
    // SIGKILL: no destructor, no shutdown, no final flush.
    let killed = std::process::Command::new("kill").args(["-9", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(!status.success());
    drop(lines);

    assert_eq!(
        sqlite_count(
            &h,
            "SELECT CASE WHEN (SELECT integrity_check FROM pragma_integrity_check) = 'ok' THEN 1 ELSE 0 END"
        ),
        1
    );
    let sql =
        format!("SELECT COUNT(DISTINCT step) FROM metric_points WHERE run_id = '{run}' AND step < {acknowledged}");
    assert_eq!(sqlite_count(&h, &sql), acknowledged);
    let total = sqlite_count(&h, &format!("SELECT COUNT(*) FROM metric_points WHERE run_id = '{run}'"));
    assert!(total >= acknowledged);
    let summarized = sqlite_count(&h, &format!("SELECT count FROM run_metric_summary WHERE run_id = '{run}'"));
    assert_eq!(summarized, total, "the summary is committed with the points it summarizes");
    // What survives beyond the acknowledged points is the earliest of the rest, in the order they were logged.
    let sql = format!("SELECT COUNT(DISTINCT step) = MAX(step) + 1 FROM metric_points WHERE run_id = '{run}'");
    assert_eq!(sqlite_count(&h, &sql), 1, "the stored steps are 0..{total} without gaps");
    // The orphaned run can be ended as killed.
    h.ok(&["run", "end", &run, "--status", "killed"]);
}

/// One tracker shared by many callers (as the server's is): a point logged through the operation table is one
/// transaction whose result is its own, even while points another caller queued for a run deleted elsewhere are
/// being lost (those stay reported to the tracker's next `flush`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_metric_operation_answers_for_its_own_point_only() {
    use browser_ai_mlops_core::api::runs::{LogMetricInput, log_metric};
    let h = Home::new();
    let (core, good) = core_with_run(&h).await;
    let tracker = core.tracker().await.unwrap();
    let (doomed, other) = run_deleted_elsewhere(&h, tracker).await;
    // Another caller's point, queued and not yet written: it will be lost.
    tracker.log_metric(&doomed, "x", 2.0, 1, None).await.unwrap();

    let input = LogMetricInput {
        run_id: good.clone(),
        key: "loss".into(),
        value: 0.25,
        step: 3,
        ts_ms: Some(1_767_225_600_009),
    };
    let logged = log_metric(&core, input).await.unwrap();
    assert_eq!((logged.value, logged.step, logged.ts_ms), (0.25, 3, 1_767_225_600_009));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points WHERE run_id = ? AND key = 'loss'")
        .bind(&good)
        .fetch_one(other.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let err = tracker.flush().await.unwrap_err();
    assert!(matches!(&err, TrackerError::MetricsNotWritten(f) if f.len() == 1 && f[0].run_id == doomed), "{err}");
    let input = LogMetricInput { run_id: doomed.clone(), key: "x".into(), value: 1.0, step: 2, ts_ms: None };
    let err = log_metric(&core, input).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    other.close().await;
    core.shutdown().await.unwrap();
}

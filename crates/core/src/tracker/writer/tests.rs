//! Unit tests of `writer.rs`.

use super::*;

fn pt(run: &str, key: &str, value: f64, step: i64, ts_ms: i64) -> Point {
    Point { run: Arc::from(run), key: Arc::from(key), value, step, ts_ms }
}

#[test]
fn failures_of_one_run_across_batches_merge_into_one_entry() {
    let f = |run: &str, points| MetricWriteFailure { run_id: run.into(), points, error: "gone".into() };
    let mut pending = Vec::new();
    merge_failures(&mut pending, vec![f("a", 60)]);
    merge_failures(&mut pending, vec![f("a", 40), f("b", 3)]);
    assert_eq!(pending, vec![f("a", 100), f("b", 3)]);
}

#[test]
fn chunks_cover_every_row_with_few_statement_sizes() {
    for len in [0usize, 1, 2, 3, 255, 256, 257, 1000, 70_001] {
        let chunks = chunk_sizes(len, 256);
        assert_eq!(chunks.iter().map(|(_, n)| n).sum::<usize>(), len, "len {len}");
        assert!(chunks.iter().all(|(i, n)| 1usize << i == *n));
    }
    assert_eq!(chunk_sizes(7, 256), vec![(2, 4), (1, 2), (0, 1)]);
}

#[test]
fn aggregate_takes_last_by_step_then_timestamp() {
    let points = [
        pt("r", "loss", 3.0, 5, 100),
        pt("r", "loss", 1.0, 2, 900),
        pt("r", "loss", 2.0, 5, 200),
        pt("r", "acc", 0.5, 0, 1),
        pt("s", "loss", 9.0, 0, 1),
    ];
    let refs: Vec<&Point> = points.iter().collect();
    let (aggs, of_point) = aggregate(&refs);
    assert_eq!(aggs.len(), 3);
    assert_eq!(of_point, vec![0, 0, 0, 1, 2]);
    let (_, loss) = aggs.iter().find(|(p, _)| &*p.run == "r" && &*p.key == "loss").unwrap();
    assert_eq!((loss.last_value, loss.last_step, loss.last_ts_ms), (2.0, 5, 200));
    assert_eq!((loss.min, loss.max, loss.sum, loss.count), (1.0, 3.0, 6.0, 3));
}

/// A fresh store in `dir` with experiment `e` and the running run `run`.
async fn store_with_running_run(dir: &std::path::Path, run: &str) -> Store {
    let store = Store::open(&dir.join("t.db")).await.unwrap();
    sqlx::query("INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES ('e', 'e', 0, 0)")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO runs (id, experiment_id, status, start_ms, updated_at_ms) VALUES (?, 'e', 'running', 0, 0)",
    )
    .bind(run)
    .execute(store.pool())
    .await
    .unwrap();
    store
}

#[tokio::test]
async fn a_bad_run_loses_only_its_own_points() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_running_run(dir.path(), "good").await;
    let mut points = Vec::new();
    for i in 0..300 {
        points.push(pt("good", "loss", i as f64, i, i));
        if i % 3 == 0 {
            points.push(pt("missing", "loss", 1.0, i, i));
        }
    }
    let lost = write_or_isolate(&store, &Statements::new(), &mut SeriesIds::default(), &points).await;
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert_eq!(lost[0].run_id, "missing");
    assert_eq!(lost[0].points, 100);
    assert!(lost[0].error.contains("FOREIGN KEY"), "{}", lost[0].error);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points WHERE run_id = 'good'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 300);
    let (count, sum, last): (i64, f64, f64) = sqlx::query_as(
        "SELECT count, sum_value, last_value FROM run_metric_summary WHERE run_id = 'good' AND key = 'loss'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((count, sum, last), (300, (0..300).sum::<i64>() as f64, 299.0));
    let stray: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points WHERE run_id = 'missing'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(stray, 0);
}

#[tokio::test]
async fn summary_upsert_merges_batches() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_running_run(dir.path(), "r").await;
    let sql = Statements::new();
    let mut series = SeriesIds::default();
    // The second batch holds an older step: it must not replace "last", but must widen min/max and add to sum.
    assert!(
        write_or_isolate(&store, &sql, &mut series, &[pt("r", "k", 5.0, 10, 1), pt("r", "k", 7.0, 11, 2)])
            .await
            .is_empty()
    );
    assert!(write_or_isolate(&store, &sql, &mut series, &[pt("r", "k", -1.0, 3, 50)]).await.is_empty());
    let row: (f64, i64, f64, f64, f64, i64) =
        sqlx::query_as("SELECT last_value, last_step, min_value, max_value, sum_value, count FROM run_metric_summary")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(row, (7.0, 11, -1.0, 7.0, 11.0, 3));
}

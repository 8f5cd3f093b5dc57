//! Integration tests: the runs table at scale. The search orders the UI sorts by walk an index (sort column, id
//! tie-break, experiment_id; migration 20261126120000) so a page at any offset needs no sort step, and the pages
//! concatenate to the exact (key, id) order — checked on a few thousand generated runs in a real SQLite file.

use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::tracker::search::{self, SearchQuery};

/// A store with `n` runs over 4 experiments (names and statuses repeat, so ties are broken by id), analysed like
/// `bench` leaves its database, for checking the plans the runs table relies on at 100k runs.
async fn many_runs(path: &std::path::Path, n: usize) -> Store {
    let store = Store::open(path).await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    for e in 0..4 {
        sqlx::query("INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES (?, ?, 0, 0)")
            .bind(format!("e{e}"))
            .bind(format!("exp-{e}"))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    for i in 0..n {
        sqlx::query(
            "INSERT INTO runs (id, experiment_id, name, status, start_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, 0)",
        )
        .bind(format!("run-{:05}", (i * 7919) % n))
        .bind(format!("e{}", i % 4))
        .bind(format!("name-{}", i % 97))
        .bind(["finished", "failed", "running", "killed"][i % 4])
        .bind((i / 3) as i64)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    store
}

#[tokio::test]
async fn run_table_orders_walk_an_index_and_skip_offsets_without_sorting() {
    let dir = tempfile::tempdir().unwrap();
    let store = many_runs(&dir.path().join("many.db"), 3_000).await;
    for (order, index) in [
        ("start_time desc", "runs_by_start_id"),
        ("start_time asc", "runs_by_start_id"),
        ("name asc", "runs_by_name_id"),
        ("name desc", "runs_by_name_id"),
        ("status desc", "runs_by_status_id"),
    ] {
        let query =
            SearchQuery { order_by: vec![order.into()], offset: Some(1_500), limit: Some(200), ..Default::default() };
        let plan = search::explain(&store, &query).await.unwrap();
        assert!(plan.iter().any(|l| l.contains(&format!("SCAN r USING INDEX {index}"))), "{order}: {plan:#?}");
        assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{order}: no sort step: {plan:#?}");
    }
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT experiment_id, status, COUNT(*) FROM runs GROUP BY experiment_id, status",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(plan.iter().any(|p| p.3.contains("COVERING INDEX runs_by_experiment_status")), "{plan:#?}");
}

#[tokio::test]
async fn run_table_pages_follow_the_order_with_id_tie_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let store = many_runs(&dir.path().join("many.db"), 1_000).await;
    for (order, desc) in [("name asc", false), ("name desc", true), ("status desc", true), ("start_time asc", false)] {
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut offset = 0;
        loop {
            let query = SearchQuery {
                order_by: vec![order.into()],
                offset: Some(offset),
                limit: Some(130),
                ..Default::default()
            };
            let page = search::search(&store, &query).await.unwrap();
            assert_eq!(page.total, 1_000);
            for row in &page.runs {
                let key = match order.split(' ').next() {
                    Some("name") => row.run.name.clone(),
                    Some("status") => row.run.status.as_str().to_string(),
                    _ => format!("{:010}", row.run.start_ms),
                };
                seen.push((key, row.run.id.clone()));
            }
            match page.next_offset {
                Some(next) => offset = next as u32,
                None => break,
            }
        }
        assert_eq!(seen.len(), 1_000, "{order}");
        let mut sorted = seen.clone();
        sorted.sort();
        if desc {
            sorted.reverse();
        }
        assert_eq!(seen, sorted, "{order}: pages concatenate to (key, id) order");
    }
}

#[tokio::test]
async fn unfiltered_totals_leave_out_archived_experiments_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let store = many_runs(&dir.path().join("many.db"), 1_000).await;
    sqlx::query("UPDATE experiments SET archived = 1 WHERE id = 'e3'").execute(store.pool()).await.unwrap();
    let total = |include_archived: bool, offset: u32| {
        let query = SearchQuery { include_archived, offset: Some(offset), limit: Some(100), ..Default::default() };
        let store = &store;
        async move { search::search(store, &query).await.unwrap() }
    };
    // Every fourth run belongs to e3.
    for offset in [0, 500] {
        let page = total(false, offset).await;
        assert_eq!(page.total, 750, "offset {offset}");
        assert!(page.runs.iter().all(|r| r.run.experiment_id != "e3"));
        assert_eq!(total(true, offset).await.total, 1_000, "offset {offset}");
    }
    assert_eq!(total(false, 740).await.runs.len(), 10, "the last page ends at the total");
}

#[tokio::test]
async fn metric_orders_walk_the_summary_index_and_put_runs_without_the_metric_last() {
    let dir = tempfile::tempdir().unwrap();
    let n = 1_000;
    let store = many_runs(&dir.path().join("many.db"), n).await;
    // Two runs in three log `acc`, with many ties (17 distinct values); the others never logged it.
    let runs: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, experiment_id, status FROM runs").fetch_all(store.pool()).await.unwrap();
    let mut acc = std::collections::HashMap::new();
    for (i, (id, _, _)) in runs.iter().enumerate() {
        if i % 3 == 0 {
            continue;
        }
        let v = (i % 17) as f64 / 10.0;
        sqlx::query(
            "INSERT INTO run_metric_summary (run_id, key, last_value, last_step, last_ts_ms, min_value, max_value, \
             sum_value, count) VALUES (?, 'acc', ?, 0, 0, ?, ?, ?, 1)",
        )
        .bind(id)
        .bind(v)
        .bind(v)
        .bind(v)
        .bind(v)
        .execute(store.pool())
        .await
        .unwrap();
        acc.insert(id.clone(), v);
    }
    sqlx::query("UPDATE experiments SET archived = 1 WHERE id = 'e3'").execute(store.pool()).await.unwrap();
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();

    for (order, desc) in [("metrics.acc desc", true), ("metrics.acc asc", false)] {
        for filter in [None, Some("status != 'failed'")] {
            // Expected, from the rows themselves: unarchived, filtered; with the metric by (value, id), then the rest
            // by id; both in the order's direction.
            let mut with: Vec<(f64, String)> = Vec::new();
            let mut without: Vec<String> = Vec::new();
            for (id, exp, status) in &runs {
                if exp == "e3" || (filter.is_some() && status == "failed") {
                    continue;
                }
                match acc.get(id) {
                    Some(v) => with.push((*v, id.clone())),
                    None => without.push(id.clone()),
                }
            }
            with.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            without.sort();
            if desc {
                with.reverse();
                without.reverse();
            }
            let expected: Vec<String> = with.into_iter().map(|(_, id)| id).chain(without).collect();

            let query = |offset: u32, limit: u32| SearchQuery {
                order_by: vec![order.into()],
                filter: filter.map(str::to_string),
                offset: Some(offset),
                limit: Some(limit),
                ..Default::default()
            };
            let plan = search::explain(&store, &query(400, 50)).await.unwrap();
            assert!(plan.iter().any(|l| l.contains("run_metric_summary_by_key_last")), "{order}: {plan:#?}");
            assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{order}: no sort step: {plan:#?}");

            let mut seen = Vec::new();
            let mut offset = 0;
            loop {
                let page = search::search(&store, &query(offset, 130)).await.unwrap();
                assert_eq!(page.total, expected.len() as i64, "{order} {filter:?}");
                seen.extend(page.runs.iter().map(|r| r.run.id.clone()));
                match page.next_offset {
                    Some(next) => offset = next as u32,
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{order} {filter:?}: pages concatenate to the metric order");
            // A page that starts among the runs without the metric (so the ones with it must be counted).
            let far = expected.len() as u32 - 20;
            let page = search::search(&store, &query(far, 50)).await.unwrap();
            let ids: Vec<&str> = page.runs.iter().map(|r| r.run.id.as_str()).collect();
            assert_eq!(ids, expected[far as usize..].iter().map(String::as_str).collect::<Vec<_>>());
            // Metric values reach the rows.
            let first = search::search(&store, &query(0, 1)).await.unwrap();
            assert_eq!(first.runs[0].metrics.get("acc"), acc.get(&expected[0]));
        }
    }
}

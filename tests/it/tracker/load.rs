//! Integration test: many agent tasks tracked at once through the library (the shape `bench load` measures at
//! 10,000 tasks), every run, point, message and action counted back from the database.

use std::sync::Arc;

use browser_ai_mlops_cli::bench::load::{self, TaskShape};
use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::tracker::Tracker;

use crate::util::Home;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_concurrent_agent_tasks_lose_nothing() {
    let h = Home::new();
    let store = Store::open(&h.db_path()).await.unwrap();
    let tracker = Arc::new(Tracker::new(store.clone()));
    let experiment = tracker.create_experiment("load", "", &Default::default()).await.unwrap().id;
    let (tasks, shape) = (300usize, TaskShape { points: 100, messages: 10, actions: 10 });
    let outcomes = load::simulate(&tracker, &experiment, tasks, shape).await;
    let failed: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    assert!(failed.is_empty(), "{} tasks failed: {:?}", failed.len(), failed.first());
    tracker.shutdown().await.unwrap();

    // Counted here, independently of the bench's own count.
    let one = |sql: &'static str| {
        let pool = store.pool().clone();
        let experiment = experiment.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).bind(experiment).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(one("SELECT COUNT(*) FROM runs WHERE experiment_id = ? AND status = 'finished'").await, 300);
    assert_eq!(
        one("SELECT COUNT(*) FROM metric_values v JOIN metric_series s ON s.id = v.series_id \
             JOIN runs r ON r.id = s.run_id WHERE r.experiment_id = ?")
        .await,
        300 * 100
    );
    assert_eq!(
        one("SELECT SUM(m.count) FROM run_metric_summary m JOIN runs r ON r.id = m.run_id WHERE r.experiment_id = ?")
            .await,
        300 * 100
    );
    // Every run has exactly its own 100 distinct steps, 10 messages and 10 actions.
    assert_eq!(
        one("SELECT COUNT(*) FROM runs r WHERE r.experiment_id = ? \
             AND (SELECT COUNT(DISTINCT step) FROM metric_points p WHERE p.run_id = r.id) = 100 \
             AND (SELECT COUNT(*) FROM run_messages m WHERE m.run_id = r.id) = 10 \
             AND (SELECT COUNT(*) FROM run_actions a WHERE a.run_id = r.id) = 10")
        .await,
        300
    );
    let counted = load::count(&store, &experiment).await.unwrap();
    assert!(counted.differences(&load::LoadCounts::expected(tasks, shape)).is_empty(), "{counted:?}");
    store.close().await;
}

//! Integration tests: the store opened from several connections and processes, and damaged database files.

mod postgres;

use browser_ai_mlops_core::store::{Store, StoreError};

use crate::util::Home;

/// Eight independent pools (as eight processes would) opening one fresh file at once all succeed, and the schema is
/// applied exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_open_migrates_once() {
    let home = Home::new();
    let path = home.db_path();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let p = path.clone();
        tasks.push(tokio::spawn(async move { Store::open(&p).await }));
    }
    let mut stores = Vec::new();
    for t in tasks {
        stores.push(t.await.unwrap().unwrap());
    }
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(stores[0].pool()).await.unwrap();
    let known = browser_ai_mlops_core::store::SQLITE_MIGRATIONS.iter().count() as i64;
    assert_eq!(applied, known);
}

/// A database whose pages were overwritten with garbage is reported as an error (not a panic), and the file is left
/// as it was.
#[tokio::test]
async fn corrupt_pages_give_an_error_not_a_panic() {
    let home = Home::new();
    let path = home.db_path();
    {
        let store = Store::open(&path).await.unwrap();
        for i in 0..200 {
            sqlx::query("INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES (?, ?, 0, 0)")
                .bind(format!("id-{i}"))
                .bind(format!("experiment number {i} with a long enough name to fill pages"))
                .execute(store.pool())
                .await
                .unwrap();
        }
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await.unwrap();
        store.close().await;
    }
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8192, "expected a multi-page database, got {} bytes", bytes.len());
    // Keep the 100-byte header intact so the file still claims to be SQLite; wreck everything after it.
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::open(&path).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("mlops.db"), "error should name the file: {msg}");
    assert!(
        matches!(err, StoreError::Corrupt { .. } | StoreError::NotADatabase { .. } | StoreError::Migrate { .. }),
        "unexpected error variant: {err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "a failed open must not modify the file");
}

/// An empty file is a valid (new) database: SQLite treats it as one with no tables.
#[tokio::test]
async fn an_empty_file_becomes_a_fresh_database() {
    let home = Home::new();
    std::fs::create_dir_all(home.data_dir()).unwrap();
    std::fs::write(home.db_path(), b"").unwrap();
    let store = Store::open(&home.db_path()).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), Store::supported_schema_version());
}

/// Points stored by the schema before metric series (one row per point with its run id and key) survive the upgrade:
/// every point keeps its run, key, value, step and timestamp, each (run, key) becomes one series, and a metric's
/// history keeps its order (step, then timestamp, then insertion for equal ones).
#[tokio::test]
async fn points_stored_before_the_series_migration_keep_run_key_value_and_order() {
    let home = Home::new();
    let path = home.db_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // The migrations before the series one, applied by sqlx's own migrator from a copy of their files.
    let old = tempfile::tempdir().unwrap();
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("migrations/sqlite");
    let mut copied = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.as_str() < "20261126180000" {
            std::fs::copy(dir.join(&name), old.path().join(&name)).unwrap();
            copied += 1;
        }
    }
    assert!(copied >= 5);
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true))
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(old.path()).await.unwrap().run(&pool).await.unwrap();
    sqlx::query("INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES ('e', 'e', 0, 0)")
        .execute(&pool)
        .await
        .unwrap();
    for run in ["ra", "rb"] {
        sqlx::query(
            "INSERT INTO runs (id, experiment_id, status, start_ms, updated_at_ms) VALUES (?, 'e', 'finished', 0, 0)",
        )
        .bind(run)
        .execute(&pool)
        .await
        .unwrap();
    }
    // Interleaved runs and keys; ra/loss has a step logged twice with one timestamp (insertion order decides).
    let points: [(&str, &str, f64, i64, i64); 7] = [
        ("ra", "loss", 3.0, 2, 20),
        ("rb", "loss", 9.0, 0, 5),
        ("ra", "acc", 0.5, 0, 1),
        ("ra", "loss", 1.0, 1, 30),
        ("ra", "loss", 2.5, 2, 20),
        ("rb", "acc", 0.25, 7, 70),
        ("ra", "loss", 2.0, 2, 10),
    ];
    for (run, key, value, step, ts) in points {
        sqlx::query("INSERT INTO metric_points (run_id, key, value, step, ts_ms) VALUES (?, ?, ?, ?, ?)")
            .bind(run)
            .bind(key)
            .bind(value)
            .bind(step)
            .bind(ts)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), Store::supported_schema_version());
    let series: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_series").fetch_one(store.pool()).await.unwrap();
    assert_eq!(series, 4);
    for (run, key) in [("ra", "loss"), ("ra", "acc"), ("rb", "loss"), ("rb", "acc")] {
        let mut expected: Vec<(f64, i64, i64, usize)> = points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.0 == run && p.1 == key)
            .map(|(i, p)| (p.2, p.3, p.4, i))
            .collect();
        expected.sort_by_key(|&(_, step, ts, i)| (step, ts, i));
        let expected: Vec<(f64, i64, i64)> = expected.into_iter().map(|(v, s, t, _)| (v, s, t)).collect();
        let stored: Vec<(f64, i64, i64)> = sqlx::query_as(
            "SELECT value, step, ts_ms FROM metric_points WHERE run_id = ? AND key = ? ORDER BY step, ts_ms, id",
        )
        .bind(run)
        .bind(key)
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(stored, expected, "{run}/{key}");
    }
    // Deleting a run takes its series and their points with it.
    sqlx::query("DELETE FROM runs WHERE id = 'ra'").execute(store.pool()).await.unwrap();
    let left: (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM metric_series), (SELECT COUNT(*) FROM metric_values)")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(left, (2, 2));
}

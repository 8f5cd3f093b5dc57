//! Integration tests: the store opened from several connections and processes, and damaged database files.

use browser_ai_mlops::store::{Store, StoreError};

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
    let known = browser_ai_mlops::store::SQLITE_MIGRATIONS.iter().count() as i64;
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

//! The PostgreSQL store on a real, throw-away cluster the test starts itself (`testkit::pg`): migrations applied once
//! under the advisory lock when two servers open a fresh database at once, the same tables and columns as the
//! SQLite file, the same immutability rules, and a newer schema refused with the URL's password masked.

use std::collections::{BTreeMap, BTreeSet};

use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::store::postgres::{PgStore, PgStoreError};
use browser_ai_mlops_testkit::pg::PgCluster;

async fn cluster() -> PgCluster {
    tokio::task::spawn_blocking(PgCluster::start).await.unwrap().unwrap_or_else(|e| panic!("PostgreSQL: {e}"))
}

/// table → column names, of every table (not views) of the SQLite schema.
async fn sqlite_columns() -> BTreeMap<String, BTreeSet<String>> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("mlops.db")).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' \
         AND name NOT LIKE 'sync_%'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let cols: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
            .fetch_all(store.pool())
            .await
            .unwrap();
        out.insert(t, cols.into_iter().collect());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_migrate_a_fresh_database_once_to_the_sqlite_schema() {
    let pg = cluster().await;
    let url = pg.create_database("team").unwrap();
    // Two servers starting at once: the advisory lock lets one migrate; the other finds the schema current.
    let (a, b) = tokio::join!(PgStore::open(&url), PgStore::open(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(a.pool()).await.unwrap();
    assert_eq!(applied as usize, browser_ai_mlops_core::store::postgres::POSTGRES_MIGRATIONS.iter().count());
    assert_eq!(b.schema_version().await.unwrap(), PgStore::supported_schema_version());

    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name IN \
         (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')",
    )
    .fetch_all(a.pool())
    .await
    .unwrap();
    let mut pg_tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Each side keeps its own sync bookkeeping (`sync_*` tables; on the server, a point's id on its origin host and
    // the highest such id a series holds).
    let own = |t: &str, c: &str| {
        t.starts_with("_sqlx")
            || t.starts_with("sync_")
            || matches!((t, c), ("metric_values", "origin_seq") | ("metric_series", "origin_seq_high"))
    };
    for (t, c) in rows.into_iter().filter(|(t, c)| !own(t, c)) {
        pg_tables.entry(t).or_default().insert(c);
    }
    assert_eq!(pg_tables, sqlite_columns().await, "every table and column of the SQLite file, and no other");
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_immutable_deployments_append_only_and_a_newer_schema_is_refused() {
    let pg = cluster().await;
    let url = pg.create_database("rules").unwrap();
    let store = PgStore::open(&url).await.unwrap();
    let p = store.pool();
    sqlx::query("INSERT INTO models (id, name, created_at_ms, updated_at_ms) VALUES ('m1', 'agent', 1, 1)")
        .execute(p)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO model_versions (id, model_id, version, provider, model, temperature, created_at_ms, updated_at_ms) \
         VALUES ('v1', 'm1', 1, 'baseline', 'label-matcher', 0, 1, 1)",
    )
    .execute(p)
    .await
    .unwrap();
    let err = sqlx::query("UPDATE model_versions SET model = 'other' WHERE id = 'v1'").execute(p).await.unwrap_err();
    assert!(err.to_string().contains("model versions are immutable"), "{err}");
    sqlx::query("UPDATE model_versions SET archived_at_ms = 5 WHERE id = 'v1'").execute(p).await.unwrap();
    let err = sqlx::query("UPDATE model_versions SET archived_at_ms = 6 WHERE id = 'v1'").execute(p).await.unwrap_err();
    assert!(err.to_string().contains("already archived"), "{err}");
    sqlx::query(
        "INSERT INTO deployments (id, model_id, target, action, to_version_id, os_user, created_at_ms, updated_at_ms) \
         VALUES ('d1', 'm1', 'staging', 'deploy', 'v1', 'ana', 1, 1)",
    )
    .execute(p)
    .await
    .unwrap();
    let err = sqlx::query("UPDATE deployments SET target = 'production'").execute(p).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");

    // Deleting a run deletes its series and their points (a trigger, where SQLite has a cascading key).
    for sql in [
        "INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES ('e1', 'x', 1, 1)",
        "INSERT INTO runs (id, experiment_id, status, start_ms, updated_at_ms) VALUES ('r1', 'e1', 'running', 1, 1)",
        "INSERT INTO runs (id, experiment_id, status, start_ms, updated_at_ms) VALUES ('r2', 'e1', 'running', 1, 1)",
        "INSERT INTO metric_series (run_id, key) VALUES ('r1', 'loss'), ('r2', 'loss')",
        "INSERT INTO metric_values (series_id, step, ts_ms, value) SELECT s.id, g, 1, 0.5 \
         FROM metric_series s, generate_series(1, 3) g",
        "DELETE FROM runs WHERE id = 'r1'",
    ] {
        sqlx::query(sql).execute(p).await.unwrap();
    }
    let left: Vec<(String, i64)> = sqlx::query_as(
        "SELECT s.run_id, COUNT(*) FROM metric_values v JOIN metric_series s ON s.id = v.series_id GROUP BY s.run_id",
    )
    .fetch_all(p)
    .await
    .unwrap();
    assert_eq!(left, [("r2".to_string(), 3)]);
    let orphans: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM metric_values WHERE series_id NOT IN (SELECT id FROM metric_series)")
            .fetch_one(p)
            .await
            .unwrap();
    assert_eq!(orphans, 0);

    // A schema from a newer program: refused, naming both versions, never the password.
    let newer = PgStore::supported_schema_version() + 1;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from the future', TRUE, '\\x00', 0)",
    )
    .bind(newer)
    .execute(p)
    .await
    .unwrap();
    store.close().await;
    let with_password = url.replace("postgres@", "postgres:canary-pg-secret@");
    let err = PgStore::open(&with_password).await.unwrap_err();
    assert!(matches!(err, PgStoreError::NewerSchema { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&newer.to_string()) && msg.contains(&PgStore::supported_schema_version().to_string()),
        "{msg}"
    );
    assert!(!msg.contains("canary-pg-secret"), "{msg}");
}

/// The harness leaves nothing behind: once the cluster is dropped its port refuses connections and its directory is
/// gone; two clusters at once get their own ports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_cluster_stops_and_removes_its_directory() {
    let (a, b) = (cluster().await, cluster().await);
    assert_ne!(a.port(), b.port());
    let (port, dir) = (a.port(), a.dir().to_path_buf());
    assert!(dir.join("data/PG_VERSION").is_file());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    tokio::task::spawn_blocking(move || drop(a)).await.unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the server still listens");
    assert!(!dir.exists(), "{} is left behind", dir.display());
    drop(b);
}

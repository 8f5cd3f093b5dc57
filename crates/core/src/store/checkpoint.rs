//! Checkpoints beside the writers. SQLite copies the WAL into the database inside the commit that takes the WAL past
//! its automatic threshold, and that commit then takes several ms longer, which a `log_metric` caller waiting for
//! room in the metric writer's queue feels whole. So each pool connection tells the store's checkpointer, through a
//! commit hook, that it committed, and the checkpointer, on a connection of its own, runs a `PASSIVE` checkpoint (it
//! never waits for or blocks a writer) at most `CHECKPOINT_EVERY` later, and nothing while the store is idle. The
//! metric writer also calls for one at once when it leaves the lock free (its pause): a checkpoint that finds no
//! writer behind it completes, and the next transaction starts the WAL over, so the WAL stays the size of a few
//! transactions during sustained ingestion. SQLite's own automatic checkpoint stays as a backstop, at
//! `AUTOCHECKPOINT_PAGES` (16 MB of WAL), for a checkpointer that cannot keep up. When the last handle of the store is
//! dropped the checkpointer checkpoints once more and closes its connection.
//!
//! Measured with `bench` (benchmarks/RESULTS.md): the slowest `log_metric` call under sustained ingestion.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::Notify;

/// SQLite's automatic checkpoint threshold on pool connections, in pages (its default is 1,000).
pub(crate) const AUTOCHECKPOINT_PAGES: &str = "4096";

/// Longest time from a commit to the checkpoint that copies it.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(5);

struct Shared {
    /// Something was committed: checkpoint within `CHECKPOINT_EVERY`.
    wake: Notify,
    /// A writer leaves the lock free for a moment: checkpoint at once.
    now: Notify,
    closed: AtomicBool,
}

/// The store's checkpointer; dropping the last clone of the store (which holds it in an `Arc`) stops it.
pub(crate) struct Checkpointer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Checkpointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Checkpointer")
    }
}

/// What a pool connection's commit hook calls: cheap, never blocks, never touches the committing connection.
#[derive(Clone)]
pub(crate) struct CommitSignal(Arc<Shared>);

impl CommitSignal {
    pub(crate) fn committed(&self) {
        self.0.wake.notify_one();
    }
}

impl Checkpointer {
    /// Start the checkpointer task for the database `options` opens.
    pub(crate) fn start(options: SqliteConnectOptions) -> Checkpointer {
        let shared = Arc::new(Shared { wake: Notify::new(), now: Notify::new(), closed: AtomicBool::new(false) });
        tokio::spawn(run(shared.clone(), options));
        Checkpointer { shared }
    }

    pub(crate) fn signal(&self) -> CommitSignal {
        CommitSignal(self.shared.clone())
    }

    /// A writer is about to leave the write lock free for a moment (the metric writer's pause): a checkpoint run
    /// now can copy everything committed, so the writer's next transaction starts the WAL over.
    pub(crate) fn now(&self) {
        self.shared.now.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.now.notify_one();
    }
}

async fn run(shared: Arc<Shared>, options: SqliteConnectOptions) {
    let mut conn: Option<SqliteConnection> = None;
    loop {
        tokio::select! {
            _ = shared.now.notified() => {}
            _ = shared.wake.notified() => {
                tokio::select! {
                    _ = shared.now.notified() => {}
                    _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
                }
            }
        }
        let closing = shared.closed.load(Ordering::Acquire);
        if conn.is_none() {
            conn = options.connect().await.ok();
        }
        if let Some(c) = conn.as_mut()
            && sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut *c).await.is_err()
        {
            conn = None;
        }
        if closing || shared.closed.load(Ordering::Acquire) {
            break;
        }
    }
    if let Some(c) = conn {
        let _ = c.close().await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::store::Store;

    /// Commits far below SQLite's automatic threshold are copied into the database file anyway: in
    /// WAL mode only a checkpoint writes that file, and nothing here asks for one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_are_checkpointed_in_the_background_without_reaching_the_automatic_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::open(&path).await.unwrap();
        sqlx::query("CREATE TABLE filler (b BLOB)").execute(store.pool()).await.unwrap();
        let db_size = || std::fs::metadata(&path).unwrap().len();
        // Let the checkpointer settle what opening the store wrote, then measure the file.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let before = db_size();
        // About 100 pages, far below the automatic threshold.
        for _ in 0..100 {
            sqlx::query("INSERT INTO filler VALUES (zeroblob(4000))").execute(store.pool()).await.unwrap();
        }
        let mut waited = 0;
        while db_size() < before + 100 * 4000 {
            waited += 1;
            assert!(waited < 500, "the database file stayed at {} bytes ({before} before)", db_size());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM filler").fetch_one(store.pool()).await.unwrap();
        assert_eq!(rows, 100);
    }
}

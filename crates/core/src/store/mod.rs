//! The local store: one SQLite file opened through a single `Store::open` that sets WAL, foreign keys and a busy
//! timeout, refuses files that are not databases or were written by a newer schema, and applies the embedded
//! migrations under a file lock so two processes opening a fresh file at once do not race. A database that cannot be
//! written (a read-only directory, file or mount) is opened read-only when its schema is current: reads work, and a
//! write is refused with `StoreError::ReadOnly` naming the file. The store also answers questions about the schema
//! itself (`Store::row_counts`, from `sqlite_master`). On Unix a data directory it creates is 0700 and the database
//! files (db, -wal, -shm) are 0600: runs, prompts and traces are the owner's alone.
//! A writable store copies its WAL into the database from a background task (`checkpoint`), so commits rarely do.

mod checkpoint;
pub mod db;
pub mod idempotency;
pub mod postgres;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Sqlite, SqlitePool, Transaction};

use self::checkpoint::{Checkpointer, CommitSignal};
use crate::kind::ErrorKind;

/// Migrations for the SQLite backend, embedded in the binary.
pub static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// How long a connection waits for another writer (in this or another process) before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path}: not an SQLite database (the file exists but its header is not SQLite's); move it away or use another data directory"
    )]
    NotADatabase { path: PathBuf },
    #[error("{path}: the database is corrupt ({detail}); restore it from a backup or move it away")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{path}: database schema version {db_version} is newer than this program supports (schema version {supported}); upgrade browser-ai-mlops"
    )]
    NewerSchema { path: PathBuf, db_version: i64, supported: i64 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot open database: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("{path}: migration failed: {source}")]
    Migrate {
        path: PathBuf,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A write to a database that was opened read-only (or that SQLite found read-only).
    #[error(
        "{}the database is read-only (its file or directory cannot be written); reads work, changes are refused: make it writable or use another data directory",
        .path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default()
    )]
    ReadOnly { path: Option<PathBuf> },
    /// A read-only database whose schema is older than this program's: it cannot be brought up to date.
    #[error(
        "{path}: the database is read-only and its schema version {db_version} is older than this program's ({supported}); open it once with write access so it can be upgraded"
    )]
    ReadOnlyOutdated { path: PathBuf, db_version: i64, supported: i64 },
    #[error("database error: {0}")]
    Sqlx(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_read_only(&e) { StoreError::ReadOnly { path: None } } else { StoreError::Sqlx(e) }
    }
}

/// SQLite's SQLITE_READONLY (8) and its extended codes.
fn is_read_only(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().and_then(|c| c.parse::<i64>().ok()).is_some_and(|c| c & 0xff == 8))
}

/// SQLite's SQLITE_CANTOPEN (14) and its extended codes.
fn is_cannot_open(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().and_then(|c| c.parse::<i64>().ok()).is_some_and(|c| c & 0xff == 14))
}

/// Can this process write `path`? False for a permission error or a read-only file system.
fn refused(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem)
}

impl StoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotADatabase { .. }
            | StoreError::NewerSchema { .. }
            | StoreError::ReadOnly { .. }
            | StoreError::ReadOnlyOutdated { .. } => ErrorKind::Input,
            _ => ErrorKind::Failed,
        }
    }
}

/// A handle to the open database; cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    read_only: bool,
    /// Writable stores copy the WAL into the database in the background as well (`checkpoint`).
    checkpointer: Option<Arc<Checkpointer>>,
    /// `begin_write` calls of this process still waiting for SQLite's write lock.
    waiting_writers: Arc<AtomicUsize>,
}

impl Store {
    /// Open (creating if missing) the SQLite database at `path` and bring its schema up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
        }
        check_header(path)?;
        // SQLite gives the -wal and -shm files the database file's mode, so creating it 0600 keeps all three private.
        create_private_file(path).map_err(|source| StoreError::Io { path: path.to_path_buf(), source })?;
        // The first connection switches a fresh file to WAL, which needs an exclusive lock that SQLite does not wait
        // for; so connecting and migrating both happen under one file lock shared by every process. A database this
        // process cannot write needs neither: it is opened read-only, if its schema is current.
        let lock_path = path.with_extension("db.migrate-lock");
        let guard = match lock_file(&lock_path).await {
            Ok(guard) if writable(path)? => guard,
            Err(StoreError::Io { source, .. }) if refused(&source) && path.exists() => {
                return Self::open_read_only(path).await;
            }
            Ok(_) => return Self::open_read_only(path).await,
            Err(e) => return Err(e),
        };
        let options = Self::options(path)?;
        // WAL is a property of the file: set it once here, on one connection, under the lock. Pooled connections do
        // not repeat `PRAGMA journal_mode`, which can fail with "database is locked" without waiting on the busy
        // timeout while another connection writes or checkpoints.
        let first = match options.clone().journal_mode(SqliteJournalMode::Wal).connect().await {
            Ok(first) => first,
            // The file is writable but its directory is not (no room for the WAL): the same as a read-only file.
            Err(e) if path.exists() && (is_read_only(&e) || is_cannot_open(&e)) => {
                drop(guard);
                return Self::open_read_only(path).await;
            }
            Err(e) => return Err(classify(path, e)),
        };
        first.close().await.map_err(|e| classify(path, e))?;
        let checkpointer = Checkpointer::start(options.clone());
        let pooled = options.pragma("wal_autocheckpoint", checkpoint::AUTOCHECKPOINT_PAGES);
        let pool = Self::pool_with(path, pooled, Some(checkpointer.signal())).await?;
        let store = Store {
            pool,
            path: path.to_path_buf(),
            read_only: false,
            checkpointer: Some(Arc::new(checkpointer)),
            waiting_writers: Arc::default(),
        };
        let migrated = store.migrate().await;
        drop(guard);
        migrated?;
        Ok(store)
    }

    /// Open a database this process cannot write: read-only, and only if no migration is pending. SQLite needs to
    /// create the WAL's shared-memory file next to the database; where it cannot, the file is opened as immutable
    /// (nothing can change it while nobody can write it).
    async fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let options = Self::options(path)?.create_if_missing(false).read_only(true);
        let pool = match Self::pool_with(path, options.clone(), None).await {
            Ok(pool) => pool,
            Err(_) => Self::pool_with(path, options.immutable(true), None).await?,
        };
        let store = Store {
            pool,
            path: path.to_path_buf(),
            read_only: true,
            checkpointer: None,
            waiting_writers: Arc::default(),
        };
        let supported = Self::supported_schema_version();
        let applied = applied_version(&store.pool).await.map_err(|e| classify(path, e))?.unwrap_or(0);
        if applied > supported {
            return Err(StoreError::NewerSchema { path: path.to_path_buf(), db_version: applied, supported });
        }
        if applied < supported {
            return Err(StoreError::ReadOnlyOutdated { path: path.to_path_buf(), db_version: applied, supported });
        }
        Ok(store)
    }

    /// The connection pool; with `commits`, each connection tells the checkpointer when it commits.
    async fn pool_with(
        path: &Path,
        options: SqliteConnectOptions,
        commits: Option<CommitSignal>,
    ) -> Result<SqlitePool, StoreError> {
        SqlitePoolOptions::new()
            .after_connect(move |conn, _| {
                let commits = commits.clone();
                Box::pin(async move {
                    if let Some(signal) = commits {
                        conn.lock_handle().await?.set_commit_hook(move || {
                            signal.committed();
                            true
                        });
                    }
                    Ok(())
                })
            })
            .max_connections(8)
            .acquire_timeout(BUSY_TIMEOUT + Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| classify(path, e))
    }

    fn options(path: &Path) -> Result<SqliteConnectOptions, StoreError> {
        Ok(SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?
            .filename(path)
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Reads of a large store (100k runs ≈ 190 MB) go through a memory map instead of a read() per 4 KB page,
            // and each connection may cache up to 32 MB of pages (SQLite's default is 2 MB); both are ceilings that
            // cost nothing on a small database. Measured with `bench` (README "Performance").
            .pragma("mmap_size", "268435456")
            .pragma("cache_size", "-32768"))
    }

    /// True when the database was opened read-only (its file or directory cannot be written).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Begin a write transaction that takes SQLite's write lock up front (`BEGIN IMMEDIATE`), so a transaction that
    /// reads before it writes waits for other writers (busy timeout) instead of failing with "database is locked".
    ///
    /// The `BEGIN` runs in its own task: if the caller is cancelled (a timeout around an agent episode) while the
    /// statement waits for the lock, the task still finishes and drops the transaction, which rolls it back. Awaiting
    /// it inline could leave a pooled connection holding the write lock with nobody to release it.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly { path: Some(self.path.clone()) });
        }
        let pool = self.pool.clone();
        let waiting = self.waiting_writers.clone();
        waiting.fetch_add(1, Ordering::AcqRel);
        let begun = tokio::spawn(async move {
            let tx = pool.begin_with("BEGIN IMMEDIATE").await;
            waiting.fetch_sub(1, Ordering::AcqRel);
            tx
        });
        match begun.await {
            Ok(tx) => Ok(tx?),
            Err(e) => Err(StoreError::Io { path: self.path.clone(), source: std::io::Error::other(e) }),
        }
    }

    /// How many `begin_write` calls of this process are waiting for the write lock right now.
    pub(crate) fn waiting_writers(&self) -> usize {
        self.waiting_writers.load(Ordering::Acquire)
    }

    /// The caller (the metric writer) leaves the write lock free for a moment: checkpoint now (`checkpoint`).
    pub(crate) fn checkpoint_now(&self) {
        if let Some(c) = &self.checkpointer {
            c.now();
        }
    }

    /// The newest migration this binary knows.
    pub fn supported_schema_version() -> i64 {
        SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The newest migration applied to this database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(applied_version(&self.pool).await?.unwrap_or(0))
    }

    /// Close the pool, waiting for connections to be returned (checkpoints the WAL on the last close).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Apply pending migrations; the caller holds the migration file lock.
    async fn migrate(&self) -> Result<(), StoreError> {
        let supported = Self::supported_schema_version();
        let applied = applied_version(&self.pool).await.map_err(|e| classify(&self.path, e))?;
        if let Some(db_version) = applied.filter(|v| *v > supported) {
            return Err(StoreError::NewerSchema { path: self.path.clone(), db_version, supported });
        }
        SQLITE_MIGRATIONS
            .run(&self.pool)
            .await
            .map_err(|source| StoreError::Migrate { path: self.path.clone(), source })
    }
}

/// The row count of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    pub table: String,
    pub rows: i64,
}

impl Store {
    /// Row counts of those of `tables` that exist in the database, in the order given (a name that is not a table is
    /// skipped, so only names found in `sqlite_master` ever reach the `COUNT(*)` statement).
    pub async fn row_counts(&self, tables: &[&str]) -> Result<Vec<TableRows>, StoreError> {
        let existing: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all(&self.pool).await?;
        let mut out = Vec::new();
        for table in tables.iter().filter(|t| existing.iter().any(|e| e == *t)) {
            let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.pool).await?;
            out.push(TableRows { table: table.to_string(), rows });
        }
        Ok(out)
    }
}

/// Take an exclusive advisory lock on `lock_path` (created if missing), waiting for other holders.
/// Create `dir` and any missing parents readable by the owner only (0700 on Unix); an existing directory keeps its
/// mode (the user chose it).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Open options that create a missing file readable and writable by the owner only (0600 on Unix).
fn private_file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Create the database file (empty, 0600) if it does not exist yet, so SQLite never creates it with the umask's mode.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        // An existing file keeps its mode, and one this process may only read must stay readable.
        return Ok(());
    }
    private_file_options().open(path).map(drop)
}

async fn lock_file(lock_path: &Path) -> Result<std::fs::File, StoreError> {
    let lock = private_file_options()
        .open(lock_path)
        .map_err(|source| StoreError::Io { path: lock_path.to_path_buf(), source })?;
    tokio::task::spawn_blocking(move || lock.lock().map(|_| lock))
        .await
        .map_err(|e| StoreError::Io { path: lock_path.to_path_buf(), source: std::io::Error::other(e) })?
        .map_err(|source| StoreError::Io { path: lock_path.to_path_buf(), source })
}

/// Newest successfully applied migration version, or `None` for a database sqlx never migrated.
async fn applied_version(pool: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    let has_table: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_optional(pool)
            .await?;
    if has_table.is_none() {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1").fetch_one(pool).await
}

/// Whether this process may write the database file and create files next to it (the WAL and its index). A missing
/// file is writable when its directory is (it was just created or is creatable).
fn writable(path: &Path) -> Result<bool, StoreError> {
    match std::fs::OpenOptions::new().append(true).open(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) if refused(&e) => Ok(false),
        Err(source) => Err(StoreError::Io { path: path.to_path_buf(), source }),
    }
}

/// Refuse a non-empty file whose first bytes are not SQLite's magic header, before SQLite gets to it.
fn check_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(StoreError::Io { path: path.to_path_buf(), source }),
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(source) => return Err(StoreError::Io { path: path.to_path_buf(), source }),
        }
    }
    if read == 0 || &header == SQLITE_MAGIC {
        Ok(())
    } else {
        Err(StoreError::NotADatabase { path: path.to_path_buf() })
    }
}

/// Turn SQLite's "not a database" (26) and "corrupt" (11) result codes into their own errors.
fn classify(path: &Path, e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.code().as_deref() {
            Some("26") => return StoreError::NotADatabase { path: path.to_path_buf() },
            Some("11") => return StoreError::Corrupt { path: path.to_path_buf(), detail: db.message().to_string() },
            _ if is_read_only(&e) => return StoreError::ReadOnly { path: Some(path.to_path_buf()) },
            _ => {}
        }
    }
    StoreError::Open { path: path.to_path_buf(), source: e }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn open_applies_migrations_and_sets_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        assert_eq!(store.schema_version().await.unwrap(), Store::supported_schema_version());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(store.pool()).await.unwrap();
        assert_eq!(fk, 1);
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(store.pool()).await.unwrap();
        assert_eq!(busy, BUSY_TIMEOUT.as_millis() as i64);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_fresh_store_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data").join("nested");
        let path = data.join("t.db");
        let store = Store::open(&path).await.unwrap();
        sqlx::query("CREATE TABLE canary (x)").execute(store.pool()).await.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700, "data dir");
        assert_eq!(mode(&dir.path().join("data")), 0o700, "created parent");
        for file in ["t.db", "t.db-wal", "t.db-shm", "t.db.migrate-lock"] {
            assert_eq!(mode(&data.join(file)), 0o600, "{file}");
        }
    }

    #[tokio::test]
    async fn a_text_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        std::fs::write(&path, "these are my notes, not a database\n").unwrap();
        let err = Store::open(&path).await.unwrap_err();
        assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
        assert!(err.to_string().contains("notes.db"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "these are my notes, not a database\n");
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused_naming_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::open(&path).await.unwrap();
        let newer = Store::supported_schema_version() + 1;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             VALUES (?, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
        )
        .bind(newer)
        .execute(store.pool())
        .await
        .unwrap();
        store.close().await;
        let err = Store::open(&path).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&newer.to_string()), "{msg}");
        assert!(msg.contains(&Store::supported_schema_version().to_string()), "{msg}");
    }

    #[tokio::test]
    async fn model_versions_cannot_be_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        sqlx::query("INSERT INTO models (id, name, created_at_ms, updated_at_ms) VALUES ('m', 'm', 0, 0)")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO model_versions (id, model_id, version, provider, model, temperature, created_at_ms, updated_at_ms) \
             VALUES ('v', 'm', 1, 'baseline', 'b', 0.0, 0, 0)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let err = sqlx::query("UPDATE model_versions SET temperature = 1.0 WHERE id = 'v'")
            .execute(store.pool())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("immutable"), "{err}");
    }
}

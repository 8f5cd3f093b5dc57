//! The team server's store on PostgreSQL: `PgStore::open(url)` connects, refuses a database whose schema is newer
//! than this program's, and applies the embedded migrations (`migrations/postgres/`, the same tables and rules as the
//! SQLite file) under PostgreSQL's advisory lock, so servers starting at once against a fresh database do not race.
//! The URL's password is never shown: errors name the URL with its credentials masked.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::kind::ErrorKind;

/// Migrations for the PostgreSQL backend, embedded in the binary (applied under an advisory lock by sqlx).
pub static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum PgStoreError {
    #[error("{url}: cannot connect to PostgreSQL: {source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "{url}: database schema version {db_version} is newer than this program supports (schema version {supported}); upgrade browser-ai-mlops"
    )]
    NewerSchema { url: String, db_version: i64, supported: i64 },
    #[error("{url}: migration failed: {source}")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("{url}: {source}")]
    Query {
        url: String,
        #[source]
        source: sqlx::Error,
    },
}

impl PgStoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            PgStoreError::NewerSchema { .. } => ErrorKind::Input,
            _ => ErrorKind::Failed,
        }
    }
}

/// A migrated PostgreSQL database (cheap to clone).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    url: String,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/db`), checks the schema version and migrates.
    pub async fn open(url: &str) -> Result<PgStore, PgStoreError> {
        let shown = crate::util::mask_url(url);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(|source| PgStoreError::Connect { url: shown.clone(), source })?;
        let store = PgStore { pool, url: shown };
        store.refuse_newer_schema().await?;
        POSTGRES_MIGRATIONS
            .run(&store.pool)
            .await
            .map_err(|source| PgStoreError::Migrate { url: store.url.clone(), source })?;
        Ok(store)
    }

    /// The newest migration version this program knows.
    pub fn supported_schema_version() -> i64 {
        POSTGRES_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The newest migration version applied to the database (0 for a fresh one).
    pub async fn schema_version(&self) -> Result<i64, PgStoreError> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&self.pool)
            .await
            .map_err(|source| PgStoreError::Query { url: self.url.clone(), source })?;
        if !exists {
            return Ok(0);
        }
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(|source| PgStoreError::Query { url: self.url.clone(), source })
    }

    async fn refuse_newer_schema(&self) -> Result<(), PgStoreError> {
        let db_version = self.schema_version().await?;
        let supported = Self::supported_schema_version();
        if db_version > supported {
            return Err(PgStoreError::NewerSchema { url: self.url.clone(), db_version, supported });
        }
        Ok(())
    }

    /// A handle over an already migrated pool (the URL is not known: errors say `PostgreSQL`).
    pub fn from_pool(pool: PgPool) -> PgStore {
        PgStore { pool, url: "PostgreSQL".to_string() }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The URL with its credentials masked, as errors show it.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

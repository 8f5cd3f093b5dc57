//! The state behind the `Core` handle: `Settings` (where data and config live, which environment) and `Core`'s lazily
//! opened store, tracker and registry, with accessors (`open_store`, `open_tracker`, `open_registry`) that return the
//! owning domain's typed error. Domains that need
//! the shared handle (the evaluator, config) import it from here; `crate::core` adds the entry points that speak the
//! aggregate `crate::Error` (resolving settings, opening, shutting down) and re-exports both types, so this module
//! never depends on the aggregate error and the domains stay below it.

use std::path::PathBuf;

use tokio::sync::OnceCell;

use crate::registry::Registry;
use crate::store::{Store, StoreError};
use crate::tracker::Tracker;

pub const ENV_DATA_DIR: &str = "BROWSER_AI_MLOPS_DATA_DIR";
pub const ENV_CONFIG_DIR: &str = "BROWSER_AI_MLOPS_CONFIG_DIR";
pub const ENV_ENVIRONMENT: &str = "BROWSER_AI_MLOPS_ENV";
pub const DB_FILE_NAME: &str = "mlops.db";
pub const DEFAULT_ENVIRONMENT: &str = "development";

/// Where things live and which environment is active; resolved once from flags, environment and platform dirs
/// (`Settings::resolve`, in `crate::core`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    pub env: String,
    /// `section.key=value` overrides from the command line, applied over file and environment variables.
    pub overrides: Vec<(String, String)>,
}

impl Settings {
    /// Settings rooted in one directory (data in `dir/data`, config in `dir/config`): for tests and embedding.
    pub fn in_dir(dir: &std::path::Path) -> Settings {
        Settings {
            data_dir: dir.join("data"),
            config_dir: dir.join("config"),
            env: DEFAULT_ENVIRONMENT.to_string(),
            overrides: Vec::new(),
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE_NAME)
    }
}

/// The core: settings plus lazily opened store and tracker.
pub struct Core {
    settings: Settings,
    store: OnceCell<Store>,
    tracker: OnceCell<Tracker>,
}

impl Core {
    pub fn new(settings: Settings) -> Core {
        Core { settings, store: OnceCell::new(), tracker: OnceCell::new() }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store, opened (and migrated) on first use. (`Core::store` is the same with the aggregate error.)
    pub async fn open_store(&self) -> Result<&Store, StoreError> {
        let path = self.settings.db_path();
        self.store.get_or_try_init(|| Store::open(&path)).await
    }

    /// The experiment tracker, with its metric writer task started on first use.
    pub async fn open_tracker(&self) -> Result<&Tracker, StoreError> {
        let store = self.open_store().await?.clone();
        self.tracker.get_or_try_init(|| async { Ok::<_, StoreError>(Tracker::new(store)) }).await
    }

    /// The model registry (stateless over the store).
    pub async fn open_registry(&self) -> Result<Registry, StoreError> {
        Ok(Registry::new(self.open_store().await?.clone()))
    }

    /// The store and tracker if they were opened, for shutting down without opening them.
    pub(crate) fn opened(&self) -> (Option<&Store>, Option<&Tracker>) {
        (self.store.get(), self.tracker.get())
    }
}

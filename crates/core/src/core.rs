//! `Core`: the one object every transport holds. It resolves where data and config live, opens the store lazily
//! (so `config` commands work without touching the database) and owns the tracker's background metric writer.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::store::Store;
use crate::tracker::Tracker;

pub const ENV_DATA_DIR: &str = "BROWSER_AI_MLOPS_DATA_DIR";
pub const ENV_CONFIG_DIR: &str = "BROWSER_AI_MLOPS_CONFIG_DIR";
pub const ENV_ENVIRONMENT: &str = "BROWSER_AI_MLOPS_ENV";
pub const DB_FILE_NAME: &str = "mlops.db";
pub const DEFAULT_ENVIRONMENT: &str = "development";

/// Where things live and which environment is active; resolved once from flags, environment and platform dirs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    pub env: String,
    /// `section.key=value` overrides from the command line, applied over file and environment variables.
    pub overrides: Vec<(String, String)>,
}

impl Settings {
    /// Flags win over environment variables, which win over the platform's data/config directories.
    pub fn resolve(data_dir: Option<PathBuf>, config_dir: Option<PathBuf>, env: Option<String>) -> Result<Settings> {
        let dirs = directories::ProjectDirs::from("ai", "browser-ai", "browser-ai-mlops");
        let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let data_dir = data_dir
            .or_else(|| from_env(ENV_DATA_DIR))
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .ok_or_else(|| Error::Input(format!("no home directory found: pass --data-dir or set {ENV_DATA_DIR}")))?;
        let config_dir = config_dir
            .or_else(|| from_env(ENV_CONFIG_DIR))
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .ok_or_else(|| {
                Error::Input(format!("no home directory found: pass --config-dir or set {ENV_CONFIG_DIR}"))
            })?;
        let env = env
            .or_else(|| std::env::var(ENV_ENVIRONMENT).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| DEFAULT_ENVIRONMENT.to_string());
        Ok(Settings { data_dir, config_dir, env, overrides: Vec::new() })
    }

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

/// The core: settings plus lazily opened store and tracker. Cloning is cheap and every clone is the same core (the
/// state is shared), so a background task can hold its own handle.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    store: OnceCell<Store>,
    tracker: OnceCell<Tracker>,
    /// One value per type for the layers above the domains (e.g. the operation table's evaluation jobs), created on
    /// first use and shared by every transport that serves this core.
    shared: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Core {
    pub fn new(settings: Settings) -> Core {
        let inner =
            Inner { settings, store: OnceCell::new(), tracker: OnceCell::new(), shared: Mutex::new(HashMap::new()) };
        Core { inner: Arc::new(inner) }
    }

    /// This core's one `T` (created with `T::default()` on first use).
    pub fn shared<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut map = self.inner.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let any = map.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default())).clone();
        any.downcast::<T>().unwrap_or_else(|_| unreachable!("the map is keyed by the value's type"))
    }

    /// Create a core and open its store right away (so a bad database is reported before any work).
    pub async fn open(settings: Settings) -> Result<Core> {
        let core = Core::new(settings);
        core.store().await?;
        Ok(core)
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The store, opened (and migrated) on first use.
    pub async fn store(&self) -> Result<&Store> {
        self.inner.store.get_or_try_init(|| async { Ok(Store::open(&self.inner.settings.db_path()).await?) }).await
    }

    /// The experiment tracker, with its metric writer task started on first use.
    pub async fn tracker(&self) -> Result<&Tracker> {
        let store = self.store().await?.clone();
        self.inner.tracker.get_or_try_init(|| async { Ok::<_, Error>(Tracker::new(store)) }).await
    }

    /// The model registry (stateless over the store).
    pub async fn registry(&self) -> Result<Registry> {
        Ok(Registry::new(self.store().await?.clone()))
    }

    /// Make everything logged so far durable and close the database cleanly.
    pub async fn shutdown(&self) -> Result<()> {
        if let Some(tracker) = self.inner.tracker.get() {
            tracker.shutdown().await?;
        }
        if let Some(store) = self.inner.store.get() {
            store.close().await;
        }
        Ok(())
    }
}

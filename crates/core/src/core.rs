//! `Core`: the one object every transport holds. It resolves where data and config live, opens the store lazily
//! (so `config` commands work without touching the database) and owns the tracker's background metric writer.
//! The handle's state and its typed accessors live in `crate::handle` (below the domains that use it); this module
//! adds the entry points that report through the aggregate `crate::Error` and re-exports the types.

use std::path::PathBuf;

pub use crate::handle::{
    Caller, Core, DB_FILE_NAME, DEFAULT_ENVIRONMENT, ENV_CONFIG_DIR, ENV_DATA_DIR, ENV_ENVIRONMENT, Settings,
};

use crate::error::{Error, Result};

impl Settings {
    /// Flags win over environment variables, which win over the platform's data/config directories.
    pub fn resolve(data_dir: Option<PathBuf>, config_dir: Option<PathBuf>, env: Option<String>) -> Result<Settings> {
        let dirs = directories::ProjectDirs::from("ai", "browser-ai", "browser-ai-mlops");
        let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let data_dir = data_dir
            .or_else(|| from_env(ENV_DATA_DIR))
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .ok_or_else(|| Error::NoHomeDir { what: "data", var: ENV_DATA_DIR })?;
        let config_dir = config_dir
            .or_else(|| from_env(ENV_CONFIG_DIR))
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .ok_or_else(|| Error::NoHomeDir { what: "config", var: ENV_CONFIG_DIR })?;
        let env = env
            .or_else(|| std::env::var(ENV_ENVIRONMENT).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| DEFAULT_ENVIRONMENT.to_string());
        Ok(Settings { data_dir, config_dir, env, overrides: Vec::new() })
    }
}

impl Core {
    /// Create a core and open its store right away (so a bad database is reported before any work).
    pub async fn open(settings: Settings) -> Result<Core> {
        let core = Core::new(settings);
        core.store().await?;
        Ok(core)
    }

    /// The store, opened (and migrated) on first use.
    pub async fn store(&self) -> Result<&crate::store::Store> {
        Ok(self.open_store().await?)
    }

    /// The experiment tracker, with its metric writer task started on first use.
    pub async fn tracker(&self) -> Result<&crate::tracker::Tracker> {
        Ok(self.open_tracker().await?)
    }

    /// The model registry (stateless over the store).
    pub async fn registry(&self) -> Result<crate::registry::Registry> {
        Ok(self.open_registry().await?.acting_as(self.user()))
    }

    /// Make everything logged so far durable and close the database cleanly.
    pub async fn shutdown(&self) -> Result<()> {
        let (store, tracker) = self.opened();
        if let Some(tracker) = tracker {
            tracker.shutdown().await?;
        }
        if let Some(store) = store {
            store.close().await;
        }
        if let Some(team) = self.team_database() {
            team.close().await;
        }
        Ok(())
    }
}

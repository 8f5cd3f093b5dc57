//! The state behind the `Core` handle: `Settings` (where data and config live, which environment) and `Core`'s lazily
//! opened store, tracker and registry, with accessors (`open_store`, `open_tracker`, `open_registry`) that return the
//! owning domain's typed error. Domains that need
//! the shared handle (the evaluator, config) import it from here; `crate::core` adds the entry points that speak the
//! aggregate `crate::Error` (resolving settings, opening, shutting down) and re-exports both types, so this module
//! never depends on the aggregate error and the domains stay below it.
//!
//! A handle also says who is calling (`Caller`): the command line acts for the user at this machine and may name any
//! file; the HTTP server and the desktop app's UI serve callers that must not reach the file system through a path
//! or probe the environment, so they hold a handle from `Core::for_remote_callers` (same state, narrower reach).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::registry::Registry;
use crate::store::db::Db;
use crate::store::postgres::PgStore;
use crate::store::{Store, StoreError};
use crate::team::Role;
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

    /// Where suite files live for callers that may not name paths: `CONFIG_DIR/suites`.
    pub fn suites_dir(&self) -> PathBuf {
        self.config_dir.join("suites")
    }
}

/// The core: settings plus lazily opened store and tracker. Cloning is cheap and every clone is the same core (the
/// state is shared), so a background task can hold its own handle.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
    caller: Caller,
    /// The team user a server request is signed in as, with their role (`None`: the machine's own user or the
    /// server's own token, who may do anything).
    user: Option<(Arc<str>, Role)>,
}

/// Who the operations run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Caller {
    /// The user at this machine (the command line): file paths in inputs are theirs to name.
    #[default]
    Local,
    /// A network client or the desktop app's web view: suites come from the built-ins or the suites directory only,
    /// and only the secret references the configs use can be checked.
    Remote,
}

struct Inner {
    settings: Settings,
    store: OnceCell<Store>,
    tracker: OnceCell<Tracker>,
    /// One value per type for the layers above the domains (e.g. the operation table's evaluation jobs), created on
    /// first use and shared by every transport that serves this core.
    shared: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// The team server's PostgreSQL database (`serve --database`), where users, tokens and synced records live.
    team_database: std::sync::OnceLock<PgStore>,
}

impl Core {
    pub fn new(settings: Settings) -> Core {
        let inner = Inner {
            settings,
            store: OnceCell::new(),
            tracker: OnceCell::new(),
            shared: Mutex::new(HashMap::new()),
            team_database: std::sync::OnceLock::new(),
        };
        Core { inner: Arc::new(inner), caller: Caller::Local, user: None }
    }

    /// The same core (same store, jobs and settings) for callers that must not name files or probe secrets.
    pub fn for_remote_callers(&self) -> Core {
        Core { inner: Arc::clone(&self.inner), caller: Caller::Remote, user: self.user.clone() }
    }

    /// The same core acting for a signed-in team user (the server, per request).
    pub fn for_user(&self, user: &str, role: Role) -> Core {
        Core { inner: Arc::clone(&self.inner), caller: self.caller, user: Some((Arc::from(user), role)) }
    }

    /// The team user this handle acts for, if a request signed in as one.
    pub fn user(&self) -> Option<&str> {
        self.user.as_ref().map(|(name, _)| &**name)
    }

    /// The signed-in team user's role (`None`: the machine's own user or the server's own token).
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|(_, role)| *role)
    }

    /// Make this core a team server on `database`: users, tokens and synced records live there. Once only.
    pub fn attach_team_database(&self, database: PgStore) -> bool {
        self.inner.team_database.set(database).is_ok()
    }

    /// The team server's database, when this core serves one.
    pub fn team_database(&self) -> Option<&PgStore> {
        self.inner.team_database.get()
    }

    /// Where users and tokens live: the team database when attached, else the local store.
    pub async fn open_team_db(&self) -> Result<Db, StoreError> {
        match self.team_database() {
            Some(pg) => Ok(Db::Pg(pg.clone())),
            None => Ok(Db::Sqlite(self.open_store().await?.clone())),
        }
    }

    pub fn caller(&self) -> Caller {
        self.caller
    }

    /// This core's one `T` (created with `T::default()` on first use).
    pub fn shared<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut map = self.inner.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let any = map.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default())).clone();
        any.downcast::<T>().unwrap_or_else(|_| unreachable!("the map is keyed by the value's type"))
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The store, opened (and migrated) on first use. (`Core::store` is the same with the aggregate error.)
    pub async fn open_store(&self) -> Result<&Store, StoreError> {
        let path = self.inner.settings.db_path();
        self.inner.store.get_or_try_init(|| Store::open(&path)).await
    }

    /// The experiment tracker, with its metric writer task started on first use.
    pub async fn open_tracker(&self) -> Result<&Tracker, StoreError> {
        let store = self.open_store().await?.clone();
        self.inner.tracker.get_or_try_init(|| async { Ok::<_, StoreError>(Tracker::new(store)) }).await
    }

    /// The model registry (stateless over the store).
    pub async fn open_registry(&self) -> Result<Registry, StoreError> {
        Ok(Registry::new(self.open_store().await?.clone()))
    }

    /// The store and tracker if they were opened, for shutting down without opening them.
    pub(crate) fn opened(&self) -> (Option<&Store>, Option<&Tracker>) {
        (self.inner.store.get(), self.inner.tracker.get())
    }
}

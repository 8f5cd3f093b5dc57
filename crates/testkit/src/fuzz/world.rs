//! The fuzz world: one tokio runtime and one `Core` on a temporary directory (a real SQLite file), seeded with an
//! experiment `exp` holding a running run `r1` (a param, a tag, a metric) and a model `m` with one version. Inputs
//! may write `$run` and `$version` for the seeded ids. The store is rebuilt every `RESET_EVERY` writes so it stays
//! small over millions of inputs. `digest` summarises everything a call could write (every table's rows and every
//! config file) so a refused call can be checked to have written nothing.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use browser_ai_mlops_core::api::op::call_by_name;
use browser_ai_mlops_core::{Core, Settings};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::runtime::Runtime;

/// Inputs handled before the store is rebuilt.
const RESET_EVERY: u64 = 2_000;

struct State {
    core: Core,
    dir: tempfile::TempDir,
    run_id: String,
    version_id: String,
    inputs: u64,
}

/// The shared world of one fuzzing process (or one test binary); see the module header.
pub struct World {
    runtime: Runtime,
    state: Mutex<Option<State>>,
    /// Held for a whole input, so that inputs run one at a time (the test harness runs tests on several threads, and
    /// one input's writes must not land between another's digests).
    turn: Mutex<()>,
}

static WORLD: OnceLock<World> = OnceLock::new();

impl World {
    /// The process's world, created (and seeded) on first use.
    pub fn get() -> &'static World {
        WORLD.get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let world = World { runtime, state: Mutex::new(None), turn: Mutex::new(()) };
            let state = world.runtime.block_on(State::seeded());
            *world.lock() = Some(state);
            world
        })
    }

    /// Wait for this input's turn; the world is this caller's until the guard drops.
    pub fn turn(&self) -> MutexGuard<'_, ()> {
        self.turn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> MutexGuard<'_, Option<State>> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    pub fn core(&self) -> Core {
        self.lock().as_ref().expect("seeded").core.clone()
    }

    /// The seeded running run's id.
    pub fn run_id(&self) -> String {
        self.lock().as_ref().expect("seeded").run_id.clone()
    }

    /// `text` with `$run` and `$version` replaced by the seeded run and model version ids.
    pub fn substitute(&self, text: &str) -> String {
        let guard = self.lock();
        let state = guard.as_ref().expect("seeded");
        text.replace("$run", &state.run_id).replace("$version", &state.version_id)
    }

    /// Count one input; every `RESET_EVERY` inputs, replace the store with a freshly seeded one.
    pub async fn maybe_reset(&self) {
        let old = {
            let mut guard = self.lock();
            let state = guard.as_mut().expect("seeded");
            state.inputs += 1;
            if !state.inputs.is_multiple_of(RESET_EVERY) {
                return;
            }
            guard.take()
        };
        if let Some(old) = old {
            let _ = browser_ai_mlops_core::api::shutdown(&old.core).await;
            drop(old.dir);
        }
        let fresh = State::seeded().await;
        *self.lock() = Some(fresh);
    }

    /// A hash of every row of every table and every file of the config directory, after the metric writer has
    /// flushed what it holds.
    pub async fn digest(&self) -> String {
        let (core, config_dir) = {
            let guard = self.lock();
            let state = guard.as_ref().expect("seeded");
            (state.core.clone(), state.core.settings().config_dir.clone())
        };
        core.open_tracker().await.expect("tracker").flush().await.expect("flush");
        let pool = core.open_store().await.expect("store").pool().clone();
        let mut hash = Sha256::new();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .expect("tables");
        for table in tables {
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind(&table)
                .fetch_all(&pool)
                .await
                .expect("columns");
            let row = columns.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || '|' || ");
            let sql = format!("SELECT {row} FROM \"{table}\" ORDER BY 1");
            let rows: Vec<Option<String>> = sqlx::query_scalar(&sql).fetch_all(&pool).await.expect("rows");
            hash.update(table.as_bytes());
            for r in rows {
                hash.update(r.unwrap_or_default().as_bytes());
                hash.update(b"\n");
            }
        }
        for (path, bytes) in files(&config_dir) {
            hash.update(path.to_string_lossy().as_bytes());
            hash.update(&bytes);
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Every file under `dir`, sorted, with its bytes.
fn files(dir: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

async fn seed(core: &Core, name: &str, input: Value) -> Value {
    match call_by_name(core, name, input).await {
        Ok(answer) => answer,
        Err(e) => panic!("seeding the fuzz store: {name}: {e}"),
    }
}

impl State {
    async fn seeded() -> State {
        let dir = tempfile::tempdir().expect("temp dir");
        let core = Core::new(Settings::in_dir(dir.path()));
        seed(&core, "experiments/create", json!({"name": "exp", "tags": {"team": "fuzz"}})).await;
        let run = seed(
            &core,
            "runs/start",
            json!({"experiment": "exp", "name": "r1", "params": {"lr": "0.1"}, "tags": {"stage": "dev"}}),
        )
        .await;
        let run_id = run["id"].as_str().expect("run id").to_string();
        seed(&core, "runs/log_metric", json!({"run_id": run_id, "key": "loss", "value": 0.5, "step": 1})).await;
        let version =
            seed(&core, "models/register", json!({"name": "m", "provider": "baseline", "model_id": "fuzz"})).await;
        let version_id = version["id"].as_str().expect("version id").to_string();
        State { core, dir, run_id, version_id, inputs: 0 }
    }
}

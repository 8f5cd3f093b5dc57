//! Reading records for sync by (table, key) from either store, with SQL that means the same on SQLite and
//! PostgreSQL (`on_db!`): experiments, models, model versions, runs (with params and tags), deployments and
//! deployment targets, evaluations. Keys that name no row are returned for the caller to turn into tombstones (or to
//! skip). Also the writes both sides make alike — the server applying a push (`receive`) and a host applying a pull
//! (`apply`) — as one SQL text each with a macro that binds a record to it.

use super::SyncError;
use super::wire::{AliasRec, DeploymentRec, EvaluationRec, ExperimentRec, ModelRec, Records, RunRec, VersionRec};
use crate::on_db;
use crate::store::db::Db;

const EXPERIMENT: &str =
    "SELECT id, name, description, tags, archived, created_at_ms, updated_at_ms, origin FROM experiments WHERE id = $1";
const MODEL: &str = "SELECT id, name, description, created_at_ms, updated_at_ms, origin FROM models WHERE id = $1";
const VERSION: &str = "SELECT id, model_id, version, provider, model, base_url, temperature, max_tokens, top_p, \
     system_prompt, extra_params, description, changelog, parent_version_id, config_diff, created_by, archived_at_ms, \
     created_at_ms, updated_at_ms, origin FROM model_versions WHERE id = $1";
const RUN: &str = "SELECT id, experiment_id, name, status, model_version_id, start_ms, end_ms, error, pid, host, \
     updated_at_ms, origin FROM runs WHERE id = $1";
const DEPLOYMENT: &str = "SELECT id, model_id, target, action, from_version_id, to_version_id, os_user, reason, \
     created_at_ms, updated_at_ms, origin FROM deployments WHERE id = $1";
const EVALUATION: &str = "SELECT id, model_version_id, suite, suite_hash, config, status, error, started_at_ms, \
     ended_at_ms, updated_at_ms, origin FROM evaluations WHERE id = $1";
const TASK_RESULTS: &str = "SELECT id, task_id, attempt, run_id, category, difficulty, seed, success, score, steps, \
     input_tokens, output_tokens, cost_usd, duration_ms, final_url, answer, evidence, error, screenshot_hash, \
     created_at_ms, updated_at_ms, origin FROM task_results WHERE evaluation_id = $1 ORDER BY task_id, attempt";
const ALIAS: &str =
    "SELECT model_id, alias, version_id, updated_at_ms, origin FROM model_aliases WHERE model_id = $1 AND alias = $2";

/// Read each (table, key) into `out` (in the order given, each table's records in its own list); returns the keys
/// whose row does not exist.
pub async fn read_records<'k>(
    db: &Db,
    keys: &[(&'k str, &'k str)],
    out: &mut Records,
) -> Result<Vec<(&'k str, String)>, SyncError> {
    let mut missing = Vec::new();
    for &(table, key) in keys {
        let found = match table {
            "experiments" => {
                let row: Option<ExperimentRec> =
                    on_db!(db, |pool| sqlx::query_as(EXPERIMENT).bind(key).fetch_optional(pool).await)?;
                row.map(|r| out.experiments.push(r)).is_some()
            }
            "models" => {
                let row: Option<ModelRec> =
                    on_db!(db, |pool| sqlx::query_as(MODEL).bind(key).fetch_optional(pool).await)?;
                row.map(|r| out.models.push(r)).is_some()
            }
            "model_versions" => {
                let row: Option<VersionRec> =
                    on_db!(db, |pool| sqlx::query_as(VERSION).bind(key).fetch_optional(pool).await)?;
                row.map(|r| out.versions.push(r)).is_some()
            }
            "runs" => match run(db, key).await? {
                Some(r) => {
                    out.runs.push(r);
                    true
                }
                None => false,
            },
            "deployments" => {
                let row: Option<DeploymentRec> =
                    on_db!(db, |pool| sqlx::query_as(DEPLOYMENT).bind(key).fetch_optional(pool).await)?;
                row.map(|r| out.deployments.push(r)).is_some()
            }
            "evaluations" => {
                let row: Option<EvaluationRec> =
                    on_db!(db, |pool| sqlx::query_as(EVALUATION).bind(key).fetch_optional(pool).await)?;
                match row {
                    Some(mut e) => {
                        e.results = on_db!(db, |pool| sqlx::query_as(TASK_RESULTS).bind(key).fetch_all(pool).await)?;
                        out.evaluations.push(e);
                        true
                    }
                    None => false,
                }
            }
            "model_aliases" => {
                let (model_id, alias) = key.split_once('\t').unwrap_or((key, ""));
                let row: Option<AliasRec> =
                    on_db!(db, |pool| sqlx::query_as(ALIAS).bind(model_id).bind(alias).fetch_optional(pool).await)?;
                row.map(|r| out.aliases.push(r)).is_some()
            }
            _ => false,
        };
        if !found {
            missing.push((table, key.to_string()));
        }
    }
    Ok(missing)
}

async fn run(db: &Db, id: &str) -> Result<Option<RunRec>, SyncError> {
    let row: Option<RunRec> = on_db!(db, |pool| sqlx::query_as(RUN).bind(id).fetch_optional(pool).await)?;
    let Some(mut run) = row else { return Ok(None) };
    run.params = on_db!(db, |pool| sqlx::query_as("SELECT key, value FROM run_params WHERE run_id = $1 ORDER BY key")
        .bind(id)
        .fetch_all(pool)
        .await)?;
    run.tags = on_db!(db, |pool| sqlx::query_as(
        "SELECT key, value, updated_at_ms FROM run_tags WHERE run_id = $1 ORDER BY key"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    Ok(Some(run))
}

/// Write an evaluation (the newer `updated_at_ms` wins for its mutable fields), SQL for both stores (`$N`).
pub const EVALUATION_UPSERT: &str = "INSERT INTO evaluations (id, model_version_id, suite, suite_hash, config, status, \
     error, started_at_ms, ended_at_ms, updated_at_ms, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, error = excluded.error, \
     ended_at_ms = excluded.ended_at_ms, updated_at_ms = excluded.updated_at_ms \
     WHERE evaluations.updated_at_ms < excluded.updated_at_ms";

/// Write a task result once (`$1` is its evaluation).
pub const TASK_RESULT_INSERT: &str = "INSERT INTO task_results (evaluation_id, id, task_id, attempt, run_id, category, \
     difficulty, seed, success, score, steps, input_tokens, output_tokens, cost_usd, duration_ms, final_url, answer, \
     evidence, error, screenshot_hash, created_at_ms, updated_at_ms, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
     $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) ON CONFLICT (id) DO NOTHING";

/// Bind an `EvaluationRec` to `EVALUATION_UPSERT`.
#[macro_export]
macro_rules! bind_evaluation {
    ($q:expr, $e:expr) => {
        $q.bind(&$e.id)
            .bind(&$e.model_version_id)
            .bind(&$e.suite)
            .bind(&$e.suite_hash)
            .bind(&$e.config)
            .bind(&$e.status)
            .bind(&$e.error)
            .bind($e.started_at_ms)
            .bind($e.ended_at_ms)
            .bind($e.updated_at_ms)
            .bind(&$e.origin)
    };
}

/// Bind the evaluation id and a `TaskResultRec` to `TASK_RESULT_INSERT`.
#[macro_export]
macro_rules! bind_task_result {
    ($q:expr, $evaluation:expr, $r:expr) => {
        $q.bind($evaluation)
            .bind(&$r.id)
            .bind(&$r.task_id)
            .bind($r.attempt)
            .bind(&$r.run_id)
            .bind(&$r.category)
            .bind(&$r.difficulty)
            .bind($r.seed)
            .bind($r.success)
            .bind($r.score)
            .bind($r.steps)
            .bind($r.input_tokens)
            .bind($r.output_tokens)
            .bind($r.cost_usd)
            .bind($r.duration_ms)
            .bind(&$r.final_url)
            .bind(&$r.answer)
            .bind(&$r.evidence)
            .bind(&$r.error)
            .bind(&$r.screenshot_hash)
            .bind($r.created_at_ms)
            .bind($r.updated_at_ms)
            .bind(&$r.origin)
    };
}

/// Write a model version (a new one only; `$3` is its number, `$21` when its number was confirmed).
pub const VERSION_INSERT: &str = "INSERT INTO model_versions (id, model_id, version, provider, model, base_url, \
     temperature, max_tokens, top_p, system_prompt, extra_params, description, changelog, parent_version_id, \
     config_diff, created_by, archived_at_ms, created_at_ms, updated_at_ms, origin, synced_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";

/// Write a run (the newer `updated_at_ms` wins for name, status, end and error; `$2` is its experiment).
pub const RUN_UPSERT: &str = "INSERT INTO runs (id, experiment_id, name, status, model_version_id, start_ms, end_ms, \
     error, pid, host, updated_at_ms, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status, end_ms = excluded.end_ms, \
     error = excluded.error, updated_at_ms = excluded.updated_at_ms \
     WHERE runs.updated_at_ms < excluded.updated_at_ms";

/// Write a run's param once.
pub const PARAM_INSERT: &str = "INSERT INTO run_params (run_id, key, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// Write a deployment record once.
pub const DEPLOYMENT_INSERT: &str = "INSERT INTO deployments (id, model_id, target, action, from_version_id, \
     to_version_id, os_user, reason, created_at_ms, updated_at_ms, origin) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING";

/// Point a deployment target at a version (`$4` the time, `$5` the origin of the move).
pub const ALIAS_UPSERT: &str = "INSERT INTO model_aliases (model_id, alias, version_id, updated_at_ms, origin) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, \
     updated_at_ms = excluded.updated_at_ms, origin = excluded.origin";

/// Bind a `VersionRec` with its `number` and confirmation time to `VERSION_INSERT`.
#[macro_export]
macro_rules! bind_version {
    ($q:expr, $v:expr, $number:expr, $synced:expr) => {
        $q.bind(&$v.id)
            .bind(&$v.model_id)
            .bind($number)
            .bind(&$v.provider)
            .bind(&$v.model)
            .bind(&$v.base_url)
            .bind($v.temperature)
            .bind($v.max_tokens)
            .bind($v.top_p)
            .bind(&$v.system_prompt)
            .bind(&$v.extra_params)
            .bind(&$v.description)
            .bind(&$v.changelog)
            .bind(&$v.parent_version_id)
            .bind(&$v.config_diff)
            .bind(&$v.created_by)
            .bind($v.archived_at_ms)
            .bind($v.created_at_ms)
            .bind($v.updated_at_ms)
            .bind(&$v.origin)
            .bind($synced)
    };
}

/// Bind a `RunRec` in `experiment` to `RUN_UPSERT`.
#[macro_export]
macro_rules! bind_run {
    ($q:expr, $r:expr, $experiment:expr) => {
        $q.bind(&$r.id)
            .bind($experiment)
            .bind(&$r.name)
            .bind(&$r.status)
            .bind(&$r.model_version_id)
            .bind($r.start_ms)
            .bind($r.end_ms)
            .bind(&$r.error)
            .bind($r.pid)
            .bind(&$r.host)
            .bind($r.updated_at_ms)
            .bind(&$r.origin)
    };
}

/// Bind a `DeploymentRec` to `DEPLOYMENT_INSERT`.
#[macro_export]
macro_rules! bind_deployment {
    ($q:expr, $d:expr) => {
        $q.bind(&$d.id)
            .bind(&$d.model_id)
            .bind(&$d.target)
            .bind(&$d.action)
            .bind(&$d.from_version_id)
            .bind(&$d.to_version_id)
            .bind(&$d.os_user)
            .bind(&$d.reason)
            .bind($d.created_at_ms)
            .bind($d.updated_at_ms)
            .bind(&$d.origin)
    };
}

//! Reading records for sync by (table, key) from either store, with SQL that means the same on SQLite and
//! PostgreSQL (`on_db!`): experiments, models, model versions, runs (with params and tags), deployments and
//! deployment targets. Keys that name no row are returned for the caller to turn into tombstones (or to skip).

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

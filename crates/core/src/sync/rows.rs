//! Reading records for sync by (table, key) from either store, with SQL that means the same on SQLite and
//! PostgreSQL (`on_db!`): experiments, models, model versions, runs (with params and tags), deployments and
//! deployment targets. Keys that name no row are returned for the caller to turn into tombstones (or to skip).

use super::SyncError;
use super::wire::{AliasRec, DeploymentRec, ExperimentRec, ModelRec, Records, RunRec, VersionRec};
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

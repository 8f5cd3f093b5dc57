//! The team server applying a push page to PostgreSQL, in one transaction under an advisory lock (pushes apply one
//! at a time, so the change feed's order is the commit order). Rules, the same for every host:
//! - ids are kept; an experiment whose name the server already holds under another id is merged into that one
//!   (the ack tells the host, which merges its copy the same way); a model name held under another id is refused.
//! - a new model version gets the server's next number for its model (the number the host proposed when that is
//!   the next one), and keeps it for good; an existing one only gains its archive time.
//! - mutable fields (experiment description, tags and archive flag; run name, status, end, error; each run tag) go
//!   to the newer `updated_at_ms`; on a tie the server's copy stays. Params and deployments are insert-only.
//! - a deployment moves its target on the server (deploys are ordered by arrival); its record keeps the user and
//!   host that made it.
//! - deletions are tombstones: a deleted run never comes back from a stale push; a tag deletion beats older writes.
//! - metric points (`points`), messages and actions (`logs`) are written only above the highest origin id held: a
//!   replayed push inserts none twice.
//!   Every changed record is appended to `sync_feed` with the team user whose push changed it.

use std::collections::HashMap;

use sqlx::{Postgres, Transaction};

use super::SyncError;
use super::rows;
use super::wire::{EvaluationRec, PushAck, PushPage, Remap, RunRec, VersionNumber};
use crate::util::now_ms;

type Tx = Transaction<'static, Postgres>;

/// Lock key taken by every push (and by nothing else).
const PUSH_LOCK: i64 = 0x5359_4e43; // "SYNC"

async fn feed(tx: &mut Tx, table: &str, key: &str, user: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sync_feed (tbl, row_key, by_user) VALUES ($1, $2, $3)")
        .bind(table)
        .bind(key)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Who is pushing: the team user, and the targets they may not move (protected ones, unless they are an admin).
pub struct Pusher<'a> {
    pub user: &'a str,
    pub forbidden_targets: &'a [String],
}

/// Apply one page for the signed-in team user. All or nothing.
pub async fn apply(pool: &sqlx::PgPool, pusher: &Pusher<'_>, page: &PushPage) -> Result<PushAck, SyncError> {
    let user = pusher.user;
    page.validate()?;
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PUSH_LOCK).execute(&mut *tx).await?;
    let owner: String = sqlx::query_scalar(
        "INSERT INTO sync_hosts (host, team_user, first_seen_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (host) DO UPDATE SET host = excluded.host RETURNING team_user",
    )
    .bind(&page.host)
    .bind(user)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    if owner != user {
        return Err(SyncError::HostTaken { host: page.host.clone(), user: owner });
    }
    let mut ack = PushAck::default();
    let r = &page.records;
    let mut merged: HashMap<String, String> = HashMap::new();
    for e in &r.experiments {
        experiment(&mut tx, user, e, &mut merged, &mut ack).await?;
    }
    for m in &r.models {
        model(&mut tx, user, m, &mut ack).await?;
    }
    for v in &r.versions {
        version(&mut tx, user, v, &mut ack).await?;
    }
    for run in &r.runs {
        let experiment_id = merged.get(&run.experiment_id).unwrap_or(&run.experiment_id).clone();
        self::run(&mut tx, user, run, &experiment_id, &mut ack).await?;
    }
    for d in &r.deployments {
        if pusher.forbidden_targets.contains(&d.target) {
            ack.refused.push(format!(
                "deployment {} of target {}: the target is protected and user {user} is not an admin",
                d.id, d.target
            ));
            continue;
        }
        deployment(&mut tx, user, d, &mut ack).await?;
    }
    for e in &r.evaluations {
        evaluation(&mut tx, user, e, &mut ack).await?;
    }
    for t in &r.tombstones {
        tombstone(&mut tx, user, t, &mut ack).await?;
    }
    for s in &r.points {
        super::points::receive(&mut tx, s, &mut ack).await?;
    }
    let logs = super::logs::receive(&mut tx, &r.logs).await?;
    ack.entries_inserted = logs.inserted;
    ack.entries_already_held = logs.held;
    ack.missing_blobs = logs.missing_blobs;
    tx.commit().await?;
    ack.experiments_merged = merged.into_iter().map(|(from, to)| Remap { from, to }).collect();
    ack.experiments_merged.sort_by(|a, b| a.from.cmp(&b.from));
    Ok(ack)
}

async fn experiment(
    tx: &mut Tx,
    user: &str,
    e: &super::wire::ExperimentRec,
    merged: &mut HashMap<String, String>,
    ack: &mut PushAck,
) -> Result<(), SyncError> {
    let by_name: Option<String> = sqlx::query_scalar("SELECT id FROM experiments WHERE name = $1")
        .bind(&e.name)
        .fetch_optional(&mut **tx)
        .await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM experiments WHERE id = $1)")
        .bind(&e.id)
        .fetch_one(&mut **tx)
        .await?;
    if !exists {
        if let Some(other) = by_name {
            merged.insert(e.id.clone(), other);
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO experiments (id, name, description, tags, archived, created_at_ms, updated_at_ms, origin) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&e.id)
        .bind(&e.name)
        .bind(&e.description)
        .bind(&e.tags)
        .bind(e.archived)
        .bind(e.created_at_ms)
        .bind(e.updated_at_ms)
        .bind(&e.origin)
        .execute(&mut **tx)
        .await?;
    } else {
        // A rename that would take another experiment's name keeps the server's name.
        let changed = sqlx::query(
            "UPDATE experiments SET description = $2, tags = $3, archived = $4, updated_at_ms = $5, \
             name = CASE WHEN EXISTS (SELECT 1 FROM experiments o WHERE o.name = $6 AND o.id <> $1) \
                    THEN name ELSE $6 END \
             WHERE id = $1 AND updated_at_ms < $5",
        )
        .bind(&e.id)
        .bind(&e.description)
        .bind(&e.tags)
        .bind(e.archived)
        .bind(e.updated_at_ms)
        .bind(&e.name)
        .execute(&mut **tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Ok(());
        }
    }
    ack.records_changed += 1;
    feed(tx, "experiments", &e.id, user).await?;
    Ok(())
}

async fn model(tx: &mut Tx, user: &str, m: &super::wire::ModelRec, ack: &mut PushAck) -> Result<(), SyncError> {
    let by_name: Option<(String, String)> =
        sqlx::query_as("SELECT id, origin FROM models WHERE name = $1").bind(&m.name).fetch_optional(&mut **tx).await?;
    let changed = match by_name {
        Some((id, origin)) if id != m.id => {
            return Err(SyncError::ModelNameTaken { name: m.name.clone(), host: origin });
        }
        Some(_) => {
            sqlx::query("UPDATE models SET description = $2, updated_at_ms = $3 WHERE id = $1 AND updated_at_ms < $3")
                .bind(&m.id)
                .bind(&m.description)
                .bind(m.updated_at_ms)
                .execute(&mut **tx)
                .await?
                .rows_affected()
        }
        None => sqlx::query(
            "INSERT INTO models (id, name, description, created_at_ms, updated_at_ms, origin) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&m.id)
        .bind(&m.name)
        .bind(&m.description)
        .bind(m.created_at_ms)
        .bind(m.updated_at_ms)
        .bind(&m.origin)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
    };
    if changed > 0 {
        ack.records_changed += 1;
        feed(tx, "models", &m.id, user).await?;
    }
    Ok(())
}

async fn version(tx: &mut Tx, user: &str, v: &super::wire::VersionRec, ack: &mut PushAck) -> Result<(), SyncError> {
    let held: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT version, archived_at_ms FROM model_versions WHERE id = $1")
            .bind(&v.id)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some((number, archived)) = held {
        ack.version_numbers.push(VersionNumber { id: v.id.clone(), version: number });
        if archived.is_none() && v.archived_at_ms.is_some() {
            sqlx::query("UPDATE model_versions SET archived_at_ms = $2, updated_at_ms = $3 WHERE id = $1")
                .bind(&v.id)
                .bind(v.archived_at_ms)
                .bind(v.updated_at_ms)
                .execute(&mut **tx)
                .await?;
            ack.records_changed += 1;
            feed(tx, "model_versions", &v.id, user).await?;
        }
        return Ok(());
    }
    let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE model_id = $1")
        .bind(&v.model_id)
        .fetch_one(&mut **tx)
        .await?;
    crate::bind_version!(sqlx::query(rows::VERSION_INSERT), v, next, now_ms()).execute(&mut **tx).await?;
    ack.version_numbers.push(VersionNumber { id: v.id.clone(), version: next });
    ack.records_changed += 1;
    feed(tx, "model_versions", &v.id, user).await?;
    Ok(())
}

async fn run(tx: &mut Tx, user: &str, r: &RunRec, experiment_id: &str, ack: &mut PushAck) -> Result<(), SyncError> {
    let buried: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sync_tombstones WHERE tbl = 'runs' AND row_key = $1)")
            .bind(&r.id)
            .fetch_one(&mut **tx)
            .await?;
    if buried {
        return Ok(());
    }
    let mut changed =
        crate::bind_run!(sqlx::query(rows::RUN_UPSERT), r, experiment_id).execute(&mut **tx).await?.rows_affected();
    for (key, value) in &r.params {
        changed +=
            sqlx::query(rows::PARAM_INSERT).bind(&r.id).bind(key).bind(value).execute(&mut **tx).await?.rows_affected();
    }
    for t in &r.tags {
        let tag_key = format!("{}\t{}", r.id, t.key);
        changed += sqlx::query(
            "INSERT INTO run_tags (run_id, key, value, updated_at_ms) \
             SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM sync_tombstones \
                 WHERE tbl = 'run_tag' AND row_key = $5 AND deleted_at_ms >= $4) \
             ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms \
             WHERE run_tags.updated_at_ms < excluded.updated_at_ms",
        )
        .bind(&r.id)
        .bind(&t.key)
        .bind(&t.value)
        .bind(t.updated_at_ms)
        .bind(&tag_key)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    if changed > 0 {
        ack.records_changed += 1;
        feed(tx, "runs", &r.id, user).await?;
    }
    Ok(())
}

async fn deployment(
    tx: &mut Tx,
    user: &str,
    d: &super::wire::DeploymentRec,
    ack: &mut PushAck,
) -> Result<(), SyncError> {
    let inserted =
        crate::bind_deployment!(sqlx::query(rows::DEPLOYMENT_INSERT), d).execute(&mut **tx).await?.rows_affected();
    if inserted == 0 {
        return Ok(());
    }
    sqlx::query(rows::ALIAS_UPSERT)
        .bind(&d.model_id)
        .bind(&d.target)
        .bind(&d.to_version_id)
        .bind(now_ms())
        .bind(&d.origin)
        .execute(&mut **tx)
        .await?;
    ack.records_changed += 1;
    feed(tx, "deployments", &d.id, user).await?;
    feed(tx, "model_aliases", &format!("{}\t{}", d.model_id, d.target), user).await?;
    Ok(())
}

async fn evaluation(tx: &mut Tx, user: &str, e: &EvaluationRec, ack: &mut PushAck) -> Result<(), SyncError> {
    let mut changed =
        crate::bind_evaluation!(sqlx::query(rows::EVALUATION_UPSERT), e).execute(&mut **tx).await?.rows_affected();
    for r in &e.results {
        let mut r = r.clone();
        if let Some(run) = &r.run_id {
            let (held, buried): (bool, bool) = sqlx::query_as(
                "SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1), \
                 EXISTS (SELECT 1 FROM sync_tombstones WHERE tbl = 'runs' AND row_key = $1)",
            )
            .bind(run)
            .fetch_one(&mut **tx)
            .await?;
            if buried {
                // The run was deleted: the result keeps no link to it (as the run's deletion does elsewhere).
                r.run_id = None;
            } else if !held {
                // Its run is in a later page; the result's own outbox entry comes after the run's, so the result
                // is sent again then.
                continue;
            }
        }
        changed += crate::bind_task_result!(sqlx::query(rows::TASK_RESULT_INSERT), &e.id, r)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    if changed > 0 {
        ack.records_changed += 1;
        feed(tx, "evaluations", &e.id, user).await?;
    }
    Ok(())
}

async fn tombstone(tx: &mut Tx, user: &str, t: &super::wire::Tombstone, ack: &mut PushAck) -> Result<(), SyncError> {
    let fresh = sqlx::query(
        "INSERT INTO sync_tombstones (tbl, row_key, deleted_at_ms, origin) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tbl, row_key) DO UPDATE SET deleted_at_ms = excluded.deleted_at_ms, origin = excluded.origin \
         WHERE sync_tombstones.deleted_at_ms < excluded.deleted_at_ms",
    )
    .bind(&t.table)
    .bind(&t.key)
    .bind(t.deleted_at_ms)
    .bind(&t.origin)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if fresh == 0 {
        return Ok(());
    }
    let run_id = match t.table.as_str() {
        "runs" => {
            sqlx::query("DELETE FROM runs WHERE id = $1").bind(&t.key).execute(&mut **tx).await?;
            t.key.clone()
        }
        _ => {
            let (run_id, key) = t.key.split_once('\t').unwrap_or((&t.key, ""));
            sqlx::query("DELETE FROM run_tags WHERE run_id = $1 AND key = $2 AND updated_at_ms <= $3")
                .bind(run_id)
                .bind(key)
                .bind(t.deleted_at_ms)
                .execute(&mut **tx)
                .await?;
            run_id.to_string()
        }
    };
    ack.records_changed += 1;
    feed(tx, "runs", &run_id, user).await?;
    Ok(())
}

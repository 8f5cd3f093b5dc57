//! The host applying a pulled page to its SQLite file, in one transaction with the cursors it advances (so a pull
//! cut anywhere resumes exactly where the last applied page ended), with the outbox triggers off (nothing pulled is
//! pushed back). The same rules as the server's (`receive`): newer `updated_at_ms` wins for mutable fields, params
//! and deployments are insert-only, tombstones delete, the server's version numbers and deployment targets are
//! taken as they are. An experiment created here under a name the pulled one has is merged into it; a model created
//! here under a pulled model's name is refused (`SyncError::ModelNameTaken`).

use std::sync::Arc;

use sqlx::{Sqlite, Transaction};

use super::SyncError;
use super::local::{applying, make_room, merge_experiment};
use super::rows;
use super::wire::{PullPage, Records};
use crate::store::Store;
use crate::tracker::writer::{Point, SeriesIds, Statements, insert_points};
use crate::util::now_ms;

type Tx = Transaction<'static, Sqlite>;

/// Apply `page` (records named with their origin host; `host` is this one) and move the cursors past it.
pub async fn pulled(store: &Store, host: &str, page: &mut PullPage) -> Result<(), SyncError> {
    page.records.with_origin(|o| if o == host { "local".to_string() } else { o.to_string() });
    let mut tx = store.begin_write().await?;
    applying(&mut tx, true).await?;
    records(&mut tx, &page.records).await?;
    points(&mut tx, &page.records).await?;
    super::logs::insert(&mut tx, &page.records.logs).await?;
    sqlx::query(
        "UPDATE sync_state SET feed_pulled = MAX(feed_pulled, ?), points_pulled = MAX(points_pulled, ?), \
         messages_pulled = MAX(messages_pulled, ?), actions_pulled = MAX(actions_pulled, ?), \
         artifacts_pulled = MAX(artifacts_pulled, ?), last_pull_ms = ?, last_error = NULL, last_error_ms = NULL \
         WHERE id = 1",
    )
    .bind(page.feed_next)
    .bind(page.points_next)
    .bind(page.messages_next)
    .bind(page.actions_next)
    .bind(page.artifacts_next)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    applying(&mut tx, false).await?;
    tx.commit().await?;
    Ok(())
}

async fn records(tx: &mut Tx, r: &Records) -> Result<(), SyncError> {
    for e in &r.experiments {
        let other: Option<String> = sqlx::query_scalar("SELECT id FROM experiments WHERE name = ? AND id <> ?")
            .bind(&e.name)
            .bind(&e.id)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(mine) = other {
            merge_experiment(tx, &mine, &e.id).await?;
        }
        sqlx::query(
            "INSERT INTO experiments (id, name, description, tags, archived, created_at_ms, updated_at_ms, origin) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             description = excluded.description, tags = excluded.tags, archived = excluded.archived, \
             updated_at_ms = excluded.updated_at_ms WHERE experiments.updated_at_ms < excluded.updated_at_ms",
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
    }
    for m in &r.models {
        let other: Option<String> = sqlx::query_scalar("SELECT id FROM models WHERE name = ? AND id <> ?")
            .bind(&m.name)
            .bind(&m.id)
            .fetch_optional(&mut **tx)
            .await?;
        if other.is_some() {
            return Err(SyncError::ModelNameTaken { name: m.name.clone(), host: m.origin.clone() });
        }
        sqlx::query(
            "INSERT INTO models (id, name, description, created_at_ms, updated_at_ms, origin) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET description = excluded.description, updated_at_ms = excluded.updated_at_ms \
             WHERE models.updated_at_ms < excluded.updated_at_ms",
        )
        .bind(&m.id)
        .bind(&m.name)
        .bind(&m.description)
        .bind(m.created_at_ms)
        .bind(m.updated_at_ms)
        .bind(&m.origin)
        .execute(&mut **tx)
        .await?;
    }
    let now = now_ms();
    for v in &r.versions {
        let held: Option<Option<i64>> = sqlx::query_scalar("SELECT archived_at_ms FROM model_versions WHERE id = ?")
            .bind(&v.id)
            .fetch_optional(&mut **tx)
            .await?;
        match held {
            Some(archived) => {
                if archived.is_none() && v.archived_at_ms.is_some() {
                    sqlx::query("UPDATE model_versions SET archived_at_ms = ? WHERE id = ?")
                        .bind(v.archived_at_ms)
                        .bind(&v.id)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            None => {
                make_room(tx, &v.model_id, v.version, &v.id).await?;
                crate::bind_version!(sqlx::query(rows::VERSION_INSERT), v, v.version, now).execute(&mut **tx).await?;
            }
        }
    }
    for run in &r.runs {
        crate::bind_run!(sqlx::query(rows::RUN_UPSERT), run, &run.experiment_id).execute(&mut **tx).await?;
        for (key, value) in &run.params {
            sqlx::query(rows::PARAM_INSERT).bind(&run.id).bind(key).bind(value).execute(&mut **tx).await?;
        }
        for t in &run.tags {
            sqlx::query(
                "INSERT INTO run_tags (run_id, key, value, updated_at_ms) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, \
                 updated_at_ms = excluded.updated_at_ms WHERE run_tags.updated_at_ms < excluded.updated_at_ms",
            )
            .bind(&run.id)
            .bind(&t.key)
            .bind(&t.value)
            .bind(t.updated_at_ms)
            .execute(&mut **tx)
            .await?;
        }
    }
    for d in &r.deployments {
        crate::bind_deployment!(sqlx::query(rows::DEPLOYMENT_INSERT), d).execute(&mut **tx).await?;
    }
    for e in &r.evaluations {
        crate::bind_evaluation!(sqlx::query(rows::EVALUATION_UPSERT), e).execute(&mut **tx).await?;
        for result in &e.results {
            let mut result = result.clone();
            if let Some(run) = &result.run_id {
                let held: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)")
                    .bind(run)
                    .fetch_one(&mut **tx)
                    .await?;
                if !held {
                    result.run_id = None;
                }
            }
            crate::bind_task_result!(sqlx::query(rows::TASK_RESULT_INSERT), &e.id, result).execute(&mut **tx).await?;
        }
    }
    for a in &r.aliases {
        sqlx::query(rows::ALIAS_UPSERT)
            .bind(&a.model_id)
            .bind(&a.alias)
            .bind(&a.version_id)
            .bind(a.updated_at_ms)
            .bind(&a.origin)
            .execute(&mut **tx)
            .await?;
    }
    for t in &r.tombstones {
        if t.table == "runs" {
            sqlx::query("DELETE FROM runs WHERE id = ?").bind(&t.key).execute(&mut **tx).await?;
        } else if let Some((run_id, key)) = t.key.split_once('\t') {
            sqlx::query("DELETE FROM run_tags WHERE run_id = ? AND key = ? AND updated_at_ms <= ?")
                .bind(run_id)
                .bind(key)
                .bind(t.deleted_at_ms)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Insert the page's points of runs this store holds (a run deleted here takes its pulled points with it), and
/// fold them into the runs' metric summaries, as the local writer does.
async fn points(tx: &mut Tx, r: &Records) -> Result<(), SyncError> {
    let mut points = Vec::with_capacity(r.point_count());
    for s in &r.points {
        let held: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)")
            .bind(&s.run_id)
            .fetch_one(&mut **tx)
            .await?;
        if !held {
            continue;
        }
        let (run, key): (Arc<str>, Arc<str>) = (Arc::from(s.run_id.as_str()), Arc::from(s.key.as_str()));
        for i in 0..s.len() {
            points.push(Point {
                run: run.clone(),
                key: key.clone(),
                value: s.value[i],
                step: s.step[i],
                ts_ms: s.ts_ms[i],
            });
        }
    }
    let refs: Vec<&Point> = points.iter().collect();
    insert_points(tx, &Statements::new(), &SeriesIds::default(), &refs).await.map_err(SyncError::from)?;
    Ok(())
}

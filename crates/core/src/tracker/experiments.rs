//! Experiments: create (unique name), list, show with run counts, rename, archive/restore, description and tags.
//! An experiment is addressed by id or by name everywhere (an id match wins).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use super::{Experiment, RunStatus, Tracker, TrackerError, validate};
use crate::util::{new_id, now_ms};

/// Number of runs of an experiment in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RunCounts {
    pub total: i64,
    pub running: i64,
    pub finished: i64,
    pub failed: i64,
    pub killed: i64,
}

impl RunCounts {
    fn add(&mut self, status: RunStatus, n: i64) {
        self.total += n;
        match status {
            RunStatus::Running => self.running += n,
            RunStatus::Finished => self.finished += n,
            RunStatus::Failed => self.failed += n,
            RunStatus::Killed => self.killed += n,
        }
    }
}

/// An experiment with its run counts by status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ExperimentInfo {
    pub experiment: Experiment,
    pub runs: RunCounts,
}

#[derive(sqlx::FromRow)]
struct ExperimentRow {
    id: String,
    name: String,
    description: String,
    tags: String,
    archived: bool,
    created_at_ms: i64,
    updated_at_ms: i64,
}

impl ExperimentRow {
    fn into_experiment(self) -> Result<Experiment, TrackerError> {
        let tags: BTreeMap<String, String> = serde_json::from_str(&self.tags).map_err(|e| {
            TrackerError::Invalid(format!("experiment {}: stored tags are not a JSON object of strings: {e}", self.id))
        })?;
        Ok(Experiment {
            id: self.id,
            name: self.name,
            description: self.description,
            tags,
            archived: self.archived,
            created_at_ms: self.created_at_ms,
            updated_at_ms: self.updated_at_ms,
        })
    }
}

const COLUMNS: &str = "id, name, description, tags, archived, created_at_ms, updated_at_ms";

fn check_name(name: &str) -> Result<(), TrackerError> {
    validate::name("experiment name", name)
}

fn check_description(description: &str) -> Result<(), TrackerError> {
    validate::text("experiment description", description, crate::limits::MAX_DESCRIPTION_CHARS)
}

fn tags_json(tags: &BTreeMap<String, String>) -> Result<String, TrackerError> {
    validate::tags(tags)?;
    serde_json::to_string(tags).map_err(|e| TrackerError::Invalid(format!("experiment tags: {e}")))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Find an experiment by id, then by name.
pub(crate) async fn resolve(pool: &SqlitePool, id_or_name: &str) -> Result<Experiment, TrackerError> {
    let row: Option<ExperimentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM experiments WHERE id = ?1 \
         UNION ALL SELECT {COLUMNS} FROM experiments WHERE name = ?1 AND id <> ?1 LIMIT 1"
    ))
    .bind(id_or_name)
    .fetch_optional(pool)
    .await?;
    row.ok_or_else(|| TrackerError::ExperimentNotFound(id_or_name.to_string()))?.into_experiment()
}

pub(crate) async fn run_counts(pool: &SqlitePool, experiment_id: &str) -> Result<RunCounts, TrackerError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM runs WHERE experiment_id = ? GROUP BY status")
            .bind(experiment_id)
            .fetch_all(pool)
            .await?;
    let mut counts = RunCounts::default();
    for (status, n) in rows {
        if let Some(s) = RunStatus::parse(&status) {
            counts.add(s, n);
        }
    }
    Ok(counts)
}

impl Tracker {
    /// Create an experiment; a name already in use is a `Conflict`.
    pub async fn create_experiment(
        &self,
        name: &str,
        description: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<Experiment, TrackerError> {
        check_name(name)?;
        check_description(description)?;
        let tags_text = tags_json(tags)?;
        let now = now_ms();
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO experiments (id, name, description, tags, archived, created_at_ms, updated_at_ms) \
             VALUES (?, ?, ?, ?, 0, ?, ?)",
        )
        .bind(&id)
        .bind(name)
        .bind(description)
        .bind(&tags_text)
        .bind(now)
        .bind(now)
        .execute(self.store().pool())
        .await;
        match inserted {
            Ok(_) => Ok(Experiment {
                id,
                name: name.to_string(),
                description: description.to_string(),
                tags: tags.clone(),
                archived: false,
                created_at_ms: now,
                updated_at_ms: now,
            }),
            Err(e) if is_unique_violation(&e) => Err(TrackerError::ExperimentExists(name.to_string())),
            Err(e) => Err(e.into()),
        }
    }

    /// Experiments by name with their run counts; archived ones only when `include_archived`.
    pub async fn list_experiments(&self, include_archived: bool) -> Result<Vec<ExperimentInfo>, TrackerError> {
        let pool = self.store().pool();
        let rows: Vec<ExperimentRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM experiments WHERE archived = 0 OR ? ORDER BY name"))
                .bind(include_archived)
                .fetch_all(pool)
                .await?;
        let counts: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT experiment_id, status, COUNT(*) FROM runs GROUP BY experiment_id, status")
                .fetch_all(pool)
                .await?;
        let mut by_exp: BTreeMap<String, RunCounts> = BTreeMap::new();
        for (exp, status, n) in counts {
            if let Some(s) = RunStatus::parse(&status) {
                by_exp.entry(exp).or_default().add(s, n);
            }
        }
        rows.into_iter()
            .map(|row| {
                let runs = by_exp.get(&row.id).copied().unwrap_or_default();
                Ok(ExperimentInfo { experiment: row.into_experiment()?, runs })
            })
            .collect()
    }

    /// One experiment (by id or name) with its run counts by status.
    pub async fn get_experiment(&self, id_or_name: &str) -> Result<ExperimentInfo, TrackerError> {
        let experiment = resolve(self.store().pool(), id_or_name).await?;
        let runs = run_counts(self.store().pool(), &experiment.id).await?;
        Ok(ExperimentInfo { experiment, runs })
    }

    /// Give an experiment a new (unique) name.
    pub async fn rename_experiment(&self, id_or_name: &str, new_name: &str) -> Result<Experiment, TrackerError> {
        check_name(new_name)?;
        let exp = resolve(self.store().pool(), id_or_name).await?;
        let updated = sqlx::query("UPDATE experiments SET name = ?, updated_at_ms = ? WHERE id = ?")
            .bind(new_name)
            .bind(now_ms())
            .bind(&exp.id)
            .execute(self.store().pool())
            .await;
        match updated {
            Ok(_) => resolve(self.store().pool(), &exp.id).await,
            Err(e) if is_unique_violation(&e) => Err(TrackerError::ExperimentExists(new_name.to_string())),
            Err(e) => Err(e.into()),
        }
    }

    /// Archive (hide from `list`, refuse new runs) or restore an experiment. Idempotent.
    pub async fn set_experiment_archived(&self, id_or_name: &str, archived: bool) -> Result<Experiment, TrackerError> {
        let exp = resolve(self.store().pool(), id_or_name).await?;
        sqlx::query("UPDATE experiments SET archived = ?, updated_at_ms = ? WHERE id = ?")
            .bind(archived)
            .bind(now_ms())
            .bind(&exp.id)
            .execute(self.store().pool())
            .await?;
        resolve(self.store().pool(), &exp.id).await
    }

    /// Replace an experiment's description.
    pub async fn describe_experiment(&self, id_or_name: &str, description: &str) -> Result<Experiment, TrackerError> {
        check_description(description)?;
        let exp = resolve(self.store().pool(), id_or_name).await?;
        sqlx::query("UPDATE experiments SET description = ?, updated_at_ms = ? WHERE id = ?")
            .bind(description)
            .bind(now_ms())
            .bind(&exp.id)
            .execute(self.store().pool())
            .await?;
        resolve(self.store().pool(), &exp.id).await
    }

    /// Set (add or replace) one tag of an experiment; read-modify-write inside one write transaction.
    pub async fn set_experiment_tag(
        &self,
        id_or_name: &str,
        key: &str,
        value: &str,
    ) -> Result<Experiment, TrackerError> {
        validate::key("tag", key)?;
        validate::tag_value(key, value)?;
        let mut tx = self.store().begin_write().await?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT id, tags FROM experiments WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1")
                .bind(id_or_name)
                .fetch_optional(&mut *tx)
                .await?;
        let (id, tags) = row.ok_or_else(|| TrackerError::ExperimentNotFound(id_or_name.to_string()))?;
        let mut tags: BTreeMap<String, String> = serde_json::from_str(&tags).map_err(|e| {
            TrackerError::Invalid(format!("experiment {id}: stored tags are not a JSON object of strings: {e}"))
        })?;
        tags.insert(key.to_string(), value.to_string());
        sqlx::query("UPDATE experiments SET tags = ?, updated_at_ms = ? WHERE id = ?")
            .bind(tags_json(&tags)?)
            .bind(now_ms())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        resolve(self.store().pool(), &id).await
    }

    /// Delete an experiment with all its runs and their data. Metrics still queued for its runs are flushed first.
    pub async fn delete_experiment(&self, id_or_name: &str) -> Result<Experiment, TrackerError> {
        self.flush().await?;
        let exp = resolve(self.store().pool(), id_or_name).await?;
        let run_ids: Vec<String> = sqlx::query_scalar("SELECT id FROM runs WHERE experiment_id = ?")
            .bind(&exp.id)
            .fetch_all(self.store().pool())
            .await?;
        sqlx::query("DELETE FROM experiments WHERE id = ?").bind(&exp.id).execute(self.store().pool()).await?;
        for id in run_ids {
            self.forget_run(&id);
        }
        Ok(exp)
    }
}

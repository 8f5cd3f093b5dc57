//! Runs: start (persisted immediately, with this process's pid and host), end, show, delete; immutable params and
//! mutable tags.

use std::collections::BTreeMap;

use sqlx::{Sqlite, SqlitePool, Transaction};

use super::{Run, RunStatus, Tracker, TrackerError, experiments, validate};
use crate::util::{new_id, now_ms};

/// What to start a run with.
#[derive(Debug, Clone, Default)]
pub struct RunStart {
    /// Experiment id or name.
    pub experiment: String,
    pub name: Option<String>,
    /// Registry model version this run uses; must exist in `model_versions`.
    pub model_version_id: Option<String>,
    pub params: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: String,
    experiment_id: String,
    name: String,
    status: String,
    model_version_id: Option<String>,
    start_ms: i64,
    end_ms: Option<i64>,
    error: Option<String>,
    pid: Option<i64>,
    host: String,
}

impl RunRow {
    fn into_run(self) -> Result<Run, TrackerError> {
        let status = RunStatus::parse(&self.status).ok_or_else(|| {
            TrackerError::Invalid(format!("run {}: unknown stored status {:?}", self.id, self.status))
        })?;
        Ok(Run {
            id: self.id,
            experiment_id: self.experiment_id,
            name: self.name,
            status,
            model_version_id: self.model_version_id,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            error: self.error,
            pid: self.pid,
            host: self.host,
        })
    }
}

const RUN_COLUMNS: &str = "id, experiment_id, name, status, model_version_id, start_ms, end_ms, error, pid, host";

pub(crate) async fn fetch_run<'e, E>(exec: E, run_id: &str) -> Result<Run, TrackerError>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let row: Option<RunRow> = sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?"))
        .bind(run_id)
        .fetch_optional(exec)
        .await?;
    row.ok_or_else(|| TrackerError::RunNotFound(run_id.to_string()))?.into_run()
}

/// Fail unless the run exists and is running; `what` names the operation for the error message.
pub(crate) async fn require_running<'e, E>(exec: E, run_id: &str, what: &'static str) -> Result<(), TrackerError>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM runs WHERE id = ?").bind(run_id).fetch_optional(exec).await?;
    match status.as_deref().map(RunStatus::parse) {
        None => Err(TrackerError::RunNotFound(run_id.to_string())),
        Some(Some(RunStatus::Running)) => Ok(()),
        Some(Some(status)) => Err(TrackerError::RunNotRunning { run_id: run_id.to_string(), status, what }),
        Some(None) => Err(TrackerError::Invalid(format!("run {run_id}: unknown stored status"))),
    }
}

/// Insert params inside `tx`: a new key is stored, the same value again is a no-op, a different value is a
/// `ParamConflict`. Returns how many params were newly stored.
pub(crate) async fn insert_params(
    tx: &mut Transaction<'static, Sqlite>,
    run_id: &str,
    params: &BTreeMap<String, String>,
) -> Result<usize, TrackerError> {
    let mut stored = 0;
    for (key, value) in params {
        let existing: Option<String> = sqlx::query_scalar("SELECT value FROM run_params WHERE run_id = ? AND key = ?")
            .bind(run_id)
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
        match existing {
            Some(old) if old == *value => {}
            Some(old) => {
                return Err(TrackerError::ParamConflict {
                    run_id: run_id.to_string(),
                    key: key.clone(),
                    stored: old,
                    new: value.clone(),
                });
            }
            None => {
                sqlx::query("INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?)")
                    .bind(run_id)
                    .bind(key)
                    .bind(value)
                    .execute(&mut **tx)
                    .await?;
                stored += 1;
            }
        }
    }
    Ok(stored)
}

/// Set (insert or replace) tags inside `tx`.
pub(crate) async fn upsert_tags(
    tx: &mut Transaction<'static, Sqlite>,
    run_id: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), TrackerError> {
    let now = now_ms();
    for (key, value) in tags {
        sqlx::query(
            "INSERT INTO run_tags (run_id, key, value, updated_at_ms) VALUES (?, ?, ?, ?) \
             ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms",
        )
        .bind(run_id)
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(crate) async fn params_of(pool: &SqlitePool, run_id: &str) -> Result<BTreeMap<String, String>, TrackerError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM run_params WHERE run_id = ?").bind(run_id).fetch_all(pool).await?;
    Ok(rows.into_iter().collect())
}

pub(crate) async fn tags_of(pool: &SqlitePool, run_id: &str) -> Result<BTreeMap<String, String>, TrackerError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM run_tags WHERE run_id = ?").bind(run_id).fetch_all(pool).await?;
    Ok(rows.into_iter().collect())
}

impl Tracker {
    /// Start a run: it is stored (status `running`, this process's pid and host) before this returns, together with
    /// its initial params and tags, in one transaction.
    pub async fn start_run(&self, spec: &RunStart) -> Result<Run, TrackerError> {
        if let Some(name) = spec.name.as_deref().filter(|n| !n.is_empty()) {
            validate::name("run name", name)?;
        }
        validate::params(&spec.params)?;
        validate::tags(&spec.tags)?;
        let pool = self.store().pool();
        let exp = experiments::resolve(pool, &spec.experiment).await?;
        if exp.archived {
            return Err(TrackerError::ExperimentArchived(exp.name));
        }
        let mut tx = self.store().begin_write().await?;
        if let Some(mv) = &spec.model_version_id {
            let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM model_versions WHERE id = ?")
                .bind(mv)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(TrackerError::ModelVersionNotFound(mv.clone()));
            }
        }
        let now = now_ms();
        let run = Run {
            id: new_id(),
            experiment_id: exp.id,
            name: spec.name.clone().unwrap_or_default(),
            status: RunStatus::Running,
            model_version_id: spec.model_version_id.clone(),
            start_ms: now,
            end_ms: None,
            error: None,
            pid: Some(i64::from(std::process::id())),
            host: crate::util::host_name(),
        };
        sqlx::query(
            "INSERT INTO runs (id, experiment_id, name, status, model_version_id, start_ms, pid, host, updated_at_ms) \
             VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)",
        )
        .bind(&run.id)
        .bind(&run.experiment_id)
        .bind(&run.name)
        .bind(&run.model_version_id)
        .bind(run.start_ms)
        .bind(run.pid)
        .bind(&run.host)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_params(&mut tx, &run.id, &spec.params).await?;
        upsert_tags(&mut tx, &run.id, &spec.tags).await?;
        tx.commit().await?;
        self.remember_running(&run.id);
        Ok(run)
    }

    /// End a running run as finished, failed or killed (with an optional error message). Queued metrics are flushed
    /// first, so every point logged before this call is durable when it returns.
    pub async fn complete_run(
        &self,
        run_id: &str,
        status: RunStatus,
        error: Option<&str>,
    ) -> Result<Run, TrackerError> {
        if status == RunStatus::Running {
            return Err(TrackerError::Invalid(format!(
                "run {run_id}: expected an end status (finished, failed or killed), got running"
            )));
        }
        let flushed = self.flush().await;
        let mut tx = self.store().begin_write().await?;
        require_running(&mut *tx, run_id, "ending").await?;
        let now = now_ms();
        sqlx::query("UPDATE runs SET status = ?, end_ms = ?, error = ?, updated_at_ms = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(now)
            .bind(error)
            .bind(now)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        let run = fetch_run(&mut *tx, run_id).await?;
        tx.commit().await?;
        self.forget_run(run_id);
        flushed?;
        Ok(run)
    }

    /// One run as stored.
    pub async fn get_run(&self, run_id: &str) -> Result<Run, TrackerError> {
        fetch_run(self.store().pool(), run_id).await
    }

    /// Delete a run and everything logged to it. Metrics still queued are flushed first.
    pub async fn delete_run(&self, run_id: &str) -> Result<Run, TrackerError> {
        let flushed = self.flush().await;
        let run = fetch_run(self.store().pool(), run_id).await?;
        sqlx::query("DELETE FROM runs WHERE id = ?").bind(run_id).execute(self.store().pool()).await?;
        self.forget_run(run_id);
        flushed?;
        Ok(run)
    }

    /// Log one param of a running run. Returns true when it was newly stored, false when the same value was already
    /// there; a different stored value is a `ParamConflict` and changes nothing.
    pub async fn log_param(&self, run_id: &str, key: &str, value: &str) -> Result<bool, TrackerError> {
        validate::key("param", key)?;
        validate::param_value(key, value)?;
        let mut tx = self.store().begin_write().await?;
        require_running(&mut *tx, run_id, "logging params").await?;
        let one = BTreeMap::from([(key.to_string(), value.to_string())]);
        let stored = insert_params(&mut tx, run_id, &one).await?;
        tx.commit().await?;
        Ok(stored == 1)
    }

    /// Params of a run by key.
    pub async fn run_params(&self, run_id: &str) -> Result<BTreeMap<String, String>, TrackerError> {
        fetch_run(self.store().pool(), run_id).await?;
        params_of(self.store().pool(), run_id).await
    }

    /// Set (insert or replace) a tag; allowed whatever the run's status.
    pub async fn set_tag(&self, run_id: &str, key: &str, value: &str) -> Result<(), TrackerError> {
        validate::key("tag", key)?;
        validate::tag_value(key, value)?;
        let mut tx = self.store().begin_write().await?;
        fetch_run(&mut *tx, run_id).await?;
        upsert_tags(&mut tx, run_id, &BTreeMap::from([(key.to_string(), value.to_string())])).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remove a tag; a tag that is not there is `TagNotFound`.
    pub async fn delete_tag(&self, run_id: &str, key: &str) -> Result<(), TrackerError> {
        let mut tx = self.store().begin_write().await?;
        fetch_run(&mut *tx, run_id).await?;
        let done = sqlx::query("DELETE FROM run_tags WHERE run_id = ? AND key = ?")
            .bind(run_id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(TrackerError::TagNotFound { run_id: run_id.to_string(), key: key.to_string() });
        }
        tx.commit().await?;
        Ok(())
    }

    /// Tags of a run by key.
    pub async fn run_tags(&self, run_id: &str) -> Result<BTreeMap<String, String>, TrackerError> {
        fetch_run(self.store().pool(), run_id).await?;
        tags_of(self.store().pool(), run_id).await
    }
}

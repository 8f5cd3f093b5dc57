//! Deployments: moving an alias (deployment target) to a version, rolling it back, and the append-only audit log.
//!
//! Each target's history is a stack replayed from the log in insertion order: a deploy pushes the version the alias
//! pointed at before, a rollback pops it and moves the alias there. So rolling back twice undoes the last two deploys
//! that are still in effect, and a target whose stack is empty (or whose first deploy created it) cannot be rolled back.

use sqlx::SqliteConnection;

use super::{DeployAction, Deployment, ModelVersion, Registry, RegistryError, refs, rows, validate_alias};
use crate::util::{new_id, now_ms};

const HISTORY_SELECT: &str = "SELECT d.id, d.model_id, m.name, d.target, d.action, d.from_version_id, fv.version, \
     d.to_version_id, tv.version, d.os_user, d.reason, d.created_at_ms, \
     CASE WHEN d.origin = 'local' THEN COALESCE((SELECT host FROM sync_state WHERE id = 1), '') ELSE d.origin END \
     FROM deployments d JOIN models m ON m.id = d.model_id \
     LEFT JOIN model_versions fv ON fv.id = d.from_version_id JOIN model_versions tv ON tv.id = d.to_version_id";

type HistoryRow =
    (String, String, String, String, String, Option<String>, Option<i64>, String, i64, String, String, i64, String);

fn to_deployment(r: HistoryRow) -> Deployment {
    let (id, model_id, name, target, action, from_id, from_n, to_id, to_n, os_user, reason, created_at_ms, host) = r;
    Deployment {
        id,
        model_id,
        from_reference: from_n.map(|n| rows::reference(&name, n)),
        to_reference: rows::reference(&name, to_n),
        model_name: name,
        target,
        action: if action == "rollback" { DeployAction::Rollback } else { DeployAction::Deploy },
        from_version_id: from_id,
        to_version_id: to_id,
        os_user,
        // A deployment made here names this host as sync knows it, else as the machine does.
        host: if host.is_empty() { crate::util::host_name() } else { host },
        reason,
        created_at_ms,
    }
}

/// Where the alias points now (version id), if it exists.
async fn current(conn: &mut SqliteConnection, model_id: &str, target: &str) -> Result<Option<String>, RegistryError> {
    Ok(sqlx::query_scalar("SELECT version_id FROM model_aliases WHERE model_id = ? AND alias = ?")
        .bind(model_id)
        .bind(target)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Point the alias at `to` and append the audit record, in the caller's transaction.
async fn move_alias(
    conn: &mut SqliteConnection,
    to: &ModelVersion,
    target: &str,
    action: DeployAction,
    from: Option<&str>,
    reason: &str,
    actor: &str,
) -> Result<String, RegistryError> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO model_aliases (model_id, alias, version_id, updated_at_ms) VALUES (?, ?, ?, ?) \
         ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, \
         updated_at_ms = excluded.updated_at_ms",
    )
    .bind(&to.model_id)
    .bind(target)
    .bind(&to.id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO deployments (id, model_id, target, action, from_version_id, to_version_id, os_user, reason, \
         created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&to.model_id)
    .bind(target)
    .bind(action.as_str())
    .bind(from)
    .bind(&to.id)
    .bind(actor)
    .bind(reason)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

async fn record(conn: &mut SqliteConnection, id: &str) -> Result<Deployment, RegistryError> {
    let row: HistoryRow =
        sqlx::query_as(&format!("{HISTORY_SELECT} WHERE d.id = ?")).bind(id).fetch_one(&mut *conn).await?;
    Ok(to_deployment(row))
}

/// Replay a target's log into its rollback stack: the `from` of every deploy still in effect, oldest first.
fn rollback_stack(log: &[(String, Option<String>)]) -> Vec<Option<String>> {
    let mut stack = Vec::new();
    for (action, from) in log {
        if action == "rollback" {
            stack.pop();
        } else {
            stack.push(from.clone());
        }
    }
    stack
}

impl Registry {
    /// Move `target` of the version's model to the version and log it. Archived versions and a no-op move (the
    /// alias already points there) are Conflicts; nothing is written then.
    pub async fn deploy(&self, reference: &str, target: &str, reason: &str) -> Result<Deployment, RegistryError> {
        validate_alias(target)?;
        let mut tx = self.store().begin_write().await?;
        let v = refs::resolve(&mut tx, reference).await?;
        if v.archived_at_ms.is_some() {
            return Err(RegistryError::Archived { reference: v.reference });
        }
        let from = current(&mut tx, &v.model_id, target).await?;
        if from.as_deref() == Some(v.id.as_str()) {
            return Err(RegistryError::AlreadyDeployed { reference: v.reference, target: target.to_string() });
        }
        let id = move_alias(&mut tx, &v, target, DeployAction::Deploy, from.as_deref(), reason, &self.actor()).await?;
        let rec = record(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Move `target` of `model_name` back to where it pointed before the last deploy still in effect.
    pub async fn rollback(&self, model_name: &str, target: &str, reason: &str) -> Result<Deployment, RegistryError> {
        validate_alias(target)?;
        let mut tx = self.store().begin_write().await?;
        let model = rows::require_model(&mut tx, model_name).await?;
        let nothing = |detail: String| RegistryError::NothingToRollBack {
            model: model_name.to_string(),
            target: target.to_string(),
            detail,
        };
        let log: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT action, from_version_id FROM deployments WHERE model_id = ? AND target = ? ORDER BY rowid",
        )
        .bind(&model.id)
        .bind(target)
        .fetch_all(&mut *tx)
        .await?;
        let Some(from) = current(&mut tx, &model.id, target).await? else {
            return Err(nothing("it was never deployed".into()));
        };
        let back_to = match rollback_stack(&log).pop() {
            Some(Some(id)) => id,
            Some(None) | None => {
                let now = rows::version_by_id(&mut tx, &from).await?.map(|v| v.reference).unwrap_or(from);
                return Err(nothing(format!("it points at {now} and there is no earlier deploy to go back to")));
            }
        };
        let to = rows::version_by_id(&mut tx, &back_to)
            .await?
            .ok_or_else(|| nothing(format!("the previous version {back_to} no longer exists")))?;
        if to.archived_at_ms.is_some() {
            return Err(RegistryError::Archived { reference: to.reference });
        }
        let id = move_alias(&mut tx, &to, target, DeployAction::Rollback, Some(&from), reason, &self.actor()).await?;
        let rec = record(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Deployment records, newest first, of one model and/or one target (all of them when both are `None`).
    pub async fn history(
        &self,
        model_name: Option<&str>,
        target: Option<&str>,
    ) -> Result<Vec<Deployment>, RegistryError> {
        let mut conn = self.store().pool().acquire().await?;
        let model_id = match model_name {
            Some(name) => Some(rows::require_model(&mut conn, name).await?.id),
            None => None,
        };
        let rows: Vec<HistoryRow> = sqlx::query_as(&format!(
            "{HISTORY_SELECT} WHERE (?1 IS NULL OR d.model_id = ?1) AND (?2 IS NULL OR d.target = ?2) \
             ORDER BY d.rowid DESC"
        ))
        .bind(model_id)
        .bind(target)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows.into_iter().map(to_deployment).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(entries: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        entries.iter().map(|(a, f)| (a.to_string(), f.map(str::to_string))).collect()
    }

    #[test]
    fn the_stack_pops_one_deploy_per_rollback() {
        let l = log(&[("deploy", None), ("deploy", Some("v1")), ("deploy", Some("v2")), ("rollback", Some("v3"))]);
        assert_eq!(rollback_stack(&l), vec![None, Some("v1".to_string())]);
        let l = log(&[("deploy", None), ("deploy", Some("v1")), ("rollback", Some("v2")), ("deploy", Some("v1"))]);
        assert_eq!(rollback_stack(&l), vec![None, Some("v1".to_string())]);
        assert!(rollback_stack(&[]).is_empty());
    }
}

//! The registry read at a glance, for readers outside it: every model with its version count, its aliases and its
//! latest deployment (the report's registry section), and the model name and number of every version id (to label
//! evaluations by version). Errors are the store's: these reads have no registry-specific failure.

use std::collections::HashMap;

use sqlx::SqliteConnection;

use crate::store::StoreError;

/// One model's current state.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOverview {
    pub name: String,
    /// Versions ever created (archived ones included).
    pub versions: i64,
    /// By alias name.
    pub aliases: Vec<AliasVersion>,
    pub latest_deployment: Option<LatestDeployment>,
}

/// An alias and the version number it points at (also a row of the report's registry section).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct AliasVersion {
    pub alias: String,
    pub version: i64,
    pub updated_at_ms: i64,
}

/// The newest row of a model's deployment log, with version numbers instead of ids (also what the report shows).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct LatestDeployment {
    pub target: String,
    pub action: String,
    /// `None` when the deploy created the target.
    pub from_version: Option<i64>,
    pub to_version: i64,
    /// The OS user who ran it.
    pub by: String,
    pub at_ms: i64,
    pub reason: String,
}

type RawDeployment = (String, String, Option<i64>, i64, String, i64, String);

/// Every model by name, with its version count, aliases and latest deployment.
pub async fn models(conn: &mut SqliteConnection) -> Result<Vec<ModelOverview>, StoreError> {
    let models: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT m.id, m.name, (SELECT COUNT(*) FROM model_versions v WHERE v.model_id = m.id) \
         FROM models m ORDER BY m.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(models.len());
    for (id, name, versions) in models {
        let aliases: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT a.alias, v.version, a.updated_at_ms FROM model_aliases a \
             JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ? ORDER BY a.alias",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?;
        let latest: Option<RawDeployment> = sqlx::query_as(
            "SELECT d.target, d.action, fv.version, tv.version, d.os_user, d.created_at_ms, d.reason \
             FROM deployments d LEFT JOIN model_versions fv ON fv.id = d.from_version_id \
             JOIN model_versions tv ON tv.id = d.to_version_id \
             WHERE d.model_id = ? ORDER BY d.created_at_ms DESC, d.id DESC LIMIT 1",
        )
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?;
        out.push(ModelOverview {
            name,
            versions,
            aliases: aliases
                .into_iter()
                .map(|(alias, version, updated_at_ms)| AliasVersion { alias, version, updated_at_ms })
                .collect(),
            latest_deployment: latest.map(|(target, action, from_version, to_version, by, at_ms, reason)| {
                LatestDeployment { target, action, from_version, to_version, by, at_ms, reason }
            }),
        });
    }
    Ok(out)
}

/// What a version id is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionName {
    /// The model's name (`None` only if the model row were missing, which the foreign key prevents).
    pub model_name: Option<String>,
    pub version: i64,
}

/// The model name and version number of every version, by version id. Versions are never deleted, so a reader that
/// read a version id before calling this finds it here.
pub async fn version_names(conn: &mut SqliteConnection) -> Result<HashMap<String, VersionName>, StoreError> {
    let rows: Vec<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT v.id, m.name, v.version FROM model_versions v LEFT JOIN models m ON m.id = v.model_id")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().map(|(id, model_name, version)| (id, VersionName { model_name, version })).collect())
}

//! Reading registry rows: SQL for models, versions and aliases, turned into domain types. Every function takes a
//! connection so it works the same inside a write transaction and on a pooled connection.

use std::collections::BTreeMap;

use sqlx::SqliteConnection;

use super::{Alias, Model, ModelConfig, ModelVersion, Provider, RegistryError};

const VERSION_SELECT: &str = "SELECT v.id, v.model_id, m.name AS model_name, v.version, v.provider, v.model, \
     v.base_url, v.temperature, v.max_tokens, v.top_p, v.system_prompt, v.extra_params, v.description, v.changelog, \
     v.parent_version_id, pm.name AS parent_model_name, p.version AS parent_version, v.config_diff, v.created_by, \
     v.archived_at_ms, v.created_at_ms \
     FROM model_versions v JOIN models m ON m.id = v.model_id \
     LEFT JOIN model_versions p ON p.id = v.parent_version_id LEFT JOIN models pm ON pm.id = p.model_id";

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: String,
    model_id: String,
    model_name: String,
    version: i64,
    provider: String,
    model: String,
    base_url: Option<String>,
    temperature: f64,
    max_tokens: Option<i64>,
    top_p: Option<f64>,
    system_prompt: String,
    extra_params: String,
    description: String,
    changelog: String,
    parent_version_id: Option<String>,
    parent_model_name: Option<String>,
    parent_version: Option<i64>,
    config_diff: String,
    created_by: String,
    archived_at_ms: Option<i64>,
    created_at_ms: i64,
}

/// `NAME:N`.
pub fn reference(model_name: &str, version: i64) -> String {
    format!("{model_name}:{version}")
}

fn corrupt(id: &str, column: &str, detail: impl std::fmt::Display) -> RegistryError {
    RegistryError::Store(crate::store::StoreError::Sqlx(sqlx::Error::Decode(
        format!("model version {id}: column {column}: {detail}").into(),
    )))
}

impl VersionRow {
    fn into_version(self) -> Result<ModelVersion, RegistryError> {
        let provider = Provider::parse(&self.provider).map_err(|e| corrupt(&self.id, "provider", e))?;
        let extra_params: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&self.extra_params).map_err(|e| corrupt(&self.id, "extra_params", e))?;
        let config_diff = serde_json::from_str(&self.config_diff).map_err(|e| corrupt(&self.id, "config_diff", e))?;
        let parent_reference = match (&self.parent_model_name, self.parent_version) {
            (Some(name), Some(n)) => Some(reference(name, n)),
            _ => None,
        };
        Ok(ModelVersion {
            reference: reference(&self.model_name, self.version),
            id: self.id,
            model_id: self.model_id,
            model_name: self.model_name,
            version: self.version,
            config: ModelConfig {
                provider,
                model_id: self.model,
                base_url: self.base_url,
                temperature: self.temperature,
                max_tokens: self.max_tokens,
                top_p: self.top_p,
                system_prompt: self.system_prompt,
                extra_params,
            },
            description: self.description,
            changelog: self.changelog,
            parent_version_id: self.parent_version_id,
            parent_reference,
            config_diff,
            created_by: self.created_by,
            archived_at_ms: self.archived_at_ms,
            created_at_ms: self.created_at_ms,
            aliases: Vec::new(),
        })
    }
}

/// The model with this name, if any.
pub async fn model_by_name(conn: &mut SqliteConnection, name: &str) -> Result<Option<Model>, RegistryError> {
    let row: Option<(String, String, String, i64)> =
        sqlx::query_as("SELECT id, name, description, created_at_ms FROM models WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(id, name, description, created_at_ms)| Model { id, name, description, created_at_ms }))
}

/// The model with this name, or a NotFound error naming it.
pub async fn require_model(conn: &mut SqliteConnection, name: &str) -> Result<Model, RegistryError> {
    model_by_name(conn, name).await?.ok_or_else(|| RegistryError::ModelNotFound { name: name.to_string() })
}

/// All models, by name.
pub async fn all_models(conn: &mut SqliteConnection) -> Result<Vec<Model>, RegistryError> {
    let rows: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT id, name, description, created_at_ms FROM models ORDER BY name")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, description, created_at_ms)| Model { id, name, description, created_at_ms })
        .collect())
}

/// Attach to each version the aliases of its model that point at it.
async fn with_aliases(
    conn: &mut SqliteConnection,
    mut versions: Vec<ModelVersion>,
) -> Result<Vec<ModelVersion>, RegistryError> {
    let mut by_model: BTreeMap<String, Vec<Alias>> = BTreeMap::new();
    for v in &versions {
        if !by_model.contains_key(&v.model_id) {
            let aliases = aliases_of(conn, &v.model_id).await?;
            by_model.insert(v.model_id.clone(), aliases);
        }
    }
    for v in &mut versions {
        v.aliases = by_model
            .get(&v.model_id)
            .map(|list| list.iter().filter(|a| a.version_id == v.id).map(|a| a.alias.clone()).collect())
            .unwrap_or_default();
    }
    Ok(versions)
}

/// One version by id.
pub async fn version_by_id(conn: &mut SqliteConnection, id: &str) -> Result<Option<ModelVersion>, RegistryError> {
    let row: Option<VersionRow> =
        sqlx::query_as(&format!("{VERSION_SELECT} WHERE v.id = ?")).bind(id).fetch_optional(&mut *conn).await?;
    match row {
        Some(r) => Ok(with_aliases(conn, vec![r.into_version()?]).await?.pop()),
        None => Ok(None),
    }
}

/// One version by model id and number.
pub async fn version_by_number(
    conn: &mut SqliteConnection,
    model_id: &str,
    version: i64,
) -> Result<Option<ModelVersion>, RegistryError> {
    let row: Option<VersionRow> = sqlx::query_as(&format!("{VERSION_SELECT} WHERE v.model_id = ? AND v.version = ?"))
        .bind(model_id)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => Ok(with_aliases(conn, vec![r.into_version()?]).await?.pop()),
        None => Ok(None),
    }
}

/// All versions of a model, oldest first.
pub async fn versions_of(conn: &mut SqliteConnection, model_id: &str) -> Result<Vec<ModelVersion>, RegistryError> {
    let rows: Vec<VersionRow> = sqlx::query_as(&format!("{VERSION_SELECT} WHERE v.model_id = ? ORDER BY v.version"))
        .bind(model_id)
        .fetch_all(&mut *conn)
        .await?;
    let versions = rows.into_iter().map(VersionRow::into_version).collect::<Result<Vec<_>, _>>()?;
    with_aliases(conn, versions).await
}

/// Highest version number of a model, if it has any.
pub async fn latest_number(conn: &mut SqliteConnection, model_id: &str) -> Result<Option<i64>, RegistryError> {
    Ok(sqlx::query_scalar("SELECT MAX(version) FROM model_versions WHERE model_id = ?")
        .bind(model_id)
        .fetch_one(&mut *conn)
        .await?)
}

/// The aliases of a model with the versions they point at, by alias name.
pub async fn aliases_of(conn: &mut SqliteConnection, model_id: &str) -> Result<Vec<Alias>, RegistryError> {
    let rows: Vec<(String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT a.alias, a.version_id, v.version, m.name, a.updated_at_ms FROM model_aliases a \
         JOIN model_versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id \
         WHERE a.model_id = ? ORDER BY a.alias",
    )
    .bind(model_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(alias, version_id, version, name, updated_at_ms)| Alias {
            alias,
            version_id,
            version,
            reference: reference(&name, version),
            updated_at_ms,
        })
        .collect())
}

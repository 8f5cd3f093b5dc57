//! Creating, listing and archiving model versions. Version numbers are assigned inside one `BEGIN IMMEDIATE`
//! transaction per new version, so concurrent writers (other processes too) get 1, 2, 3… with no gaps or duplicates.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use super::{Alias, ConfigChange, Model, ModelConfig, ModelVersion, Provider, Registry, RegistryError, refs, rows};
use crate::util::{new_id, now_ms};

/// A new version with a complete configuration (no parent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct NewVersion {
    /// The model's name; the model is created if it does not exist yet.
    pub model_name: String,
    pub config: ModelConfig,
    pub description: String,
    pub changelog: String,
}

/// Changes to apply to a parent version's configuration; every field left empty is inherited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct ConfigPatch {
    pub provider: Option<Provider>,
    pub model_id: Option<String>,
    pub base_url: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<i64>,
    pub top_p: Option<f64>,
    pub system_prompt: Option<String>,
    /// Parameters to add or replace.
    pub set_params: BTreeMap<String, serde_json::Value>,
    /// Parameters to drop (each must exist in the parent).
    pub remove_params: Vec<String>,
    /// Optional fields to clear: `base_url`, `max_tokens`, `top_p`, `system_prompt`.
    pub unset: Vec<String>,
}

/// Fields `ConfigPatch::unset` may clear.
pub const UNSETTABLE: [&str; 4] = ["base_url", "max_tokens", "top_p", "system_prompt"];

impl ConfigPatch {
    /// The parent's configuration with these changes applied (not yet validated).
    pub fn apply(&self, parent: &ModelConfig) -> Result<ModelConfig, RegistryError> {
        let mut c = parent.clone();
        for field in &self.unset {
            let also_set = match field.as_str() {
                "base_url" => self.base_url.is_some(),
                "max_tokens" => self.max_tokens.is_some(),
                "top_p" => self.top_p.is_some(),
                "system_prompt" => self.system_prompt.is_some(),
                _ => {
                    return Err(RegistryError::InvalidField {
                        field: "unset".into(),
                        expected: format!("one of {}", UNSETTABLE.join(", ")),
                        given: format!("{field:?}"),
                    });
                }
            };
            if also_set {
                return Err(RegistryError::Usage(format!("{field} is both set and unset; pick one")));
            }
            match field.as_str() {
                "base_url" => c.base_url = None,
                "max_tokens" => c.max_tokens = None,
                "top_p" => c.top_p = None,
                _ => c.system_prompt = String::new(),
            }
        }
        if let Some(p) = self.provider {
            c.provider = p;
        }
        if let Some(v) = &self.model_id {
            c.model_id = v.clone();
        }
        if let Some(v) = &self.base_url {
            c.base_url = Some(v.clone());
        }
        if let Some(v) = self.temperature {
            c.temperature = v;
        }
        if let Some(v) = self.max_tokens {
            c.max_tokens = Some(v);
        }
        if let Some(v) = self.top_p {
            c.top_p = Some(v);
        }
        if let Some(v) = &self.system_prompt {
            c.system_prompt = v.clone();
        }
        for key in &self.remove_params {
            if self.set_params.contains_key(key) {
                return Err(RegistryError::Usage(format!("parameter {key:?} is both set and removed; pick one")));
            }
            if c.extra_params.remove(key).is_none() {
                return Err(RegistryError::InvalidField {
                    field: "extra_params".into(),
                    expected: "a parameter the parent version has, to remove".into(),
                    given: format!("{key:?}"),
                });
            }
        }
        c.extra_params.extend(self.set_params.clone());
        Ok(c)
    }
}

/// A model with its version count, latest version number and aliases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ModelSummary {
    pub model: Model,
    pub versions: i64,
    pub latest_version: Option<i64>,
    pub aliases: Vec<Alias>,
}

/// A model with all its versions (oldest first) and aliases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ModelDetail {
    pub model: Model,
    pub versions: Vec<ModelVersion>,
    pub aliases: Vec<Alias>,
}

/// Insert a version of `model_name` (creating the model if missing) with the next version number. Must run inside a
/// write transaction so the number is not taken by a concurrent writer.
async fn insert_version(
    conn: &mut SqliteConnection,
    model_name: &str,
    config: &ModelConfig,
    description: &str,
    changelog: &str,
    parent: Option<(&str, &[ConfigChange])>,
    actor: &str,
) -> Result<String, RegistryError> {
    super::validate_model_name(model_name)?;
    for (field, text) in [("description", description), ("changelog", changelog)] {
        if let Some(problem) = crate::limits::text_problem(text, crate::limits::MAX_DESCRIPTION_CHARS) {
            return Err(RegistryError::Usage(format!("field {field}: {problem}")));
        }
    }
    let now = now_ms();
    let model_id = match rows::model_by_name(conn, model_name).await? {
        Some(m) => m.id,
        None => {
            let id = new_id();
            sqlx::query("INSERT INTO models (id, name, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)")
                .bind(&id)
                .bind(model_name)
                .bind(now)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            id
        }
    };
    let next = rows::latest_number(conn, &model_id).await?.unwrap_or(0) + 1;
    let id = new_id();
    let params = serde_json::to_string(&config.extra_params)
        .map_err(|e| RegistryError::Usage(format!("extra_params cannot be stored: {e}")))?;
    let diff = serde_json::to_string(parent.map(|p| p.1).unwrap_or(&[]))
        .map_err(|e| RegistryError::Usage(format!("config diff cannot be stored: {e}")))?;
    sqlx::query(
        "INSERT INTO model_versions (id, model_id, version, provider, model, base_url, temperature, max_tokens, top_p, \
         system_prompt, extra_params, description, changelog, parent_version_id, config_diff, created_by, \
         created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&model_id)
    .bind(next)
    .bind(config.provider.as_str())
    .bind(&config.model_id)
    .bind(&config.base_url)
    .bind(config.temperature)
    .bind(config.max_tokens)
    .bind(config.top_p)
    .bind(&config.system_prompt)
    .bind(params)
    .bind(description)
    .bind(changelog)
    .bind(parent.map(|p| p.0))
    .bind(diff)
    .bind(actor)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE models SET updated_at_ms = ? WHERE id = ?")
        .bind(now)
        .bind(&model_id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

impl Registry {
    /// Register a new version with a full configuration; validated before anything is written.
    pub async fn register(&self, new: NewVersion) -> Result<ModelVersion, RegistryError> {
        super::validate_model_name(&new.model_name)?;
        let config = new.config.validated()?;
        let mut tx = self.store().begin_write().await?;
        let id =
            insert_version(&mut tx, &new.model_name, &config, &new.description, &new.changelog, None, &self.actor())
                .await?;
        let version = rows::version_by_id(&mut tx, &id).await?;
        tx.commit().await?;
        version.ok_or_else(|| RegistryError::Usage(format!("version {id} vanished after insert")))
    }

    /// Create a version of `model_name` from the parent `from` with `patch` applied. Unchanged fields are inherited
    /// (the description too, unless given); the diff against the parent is recorded; no changes is a Conflict.
    pub async fn create_version(
        &self,
        model_name: &str,
        from: &str,
        patch: &ConfigPatch,
        description: Option<String>,
        changelog: &str,
    ) -> Result<ModelVersion, RegistryError> {
        super::validate_model_name(model_name)?;
        let mut tx = self.store().begin_write().await?;
        let parent = refs::resolve(&mut tx, from).await?;
        let config = patch.apply(&parent.config)?.validated()?;
        let diff = config.diff_from(&parent.config);
        if diff.is_empty() {
            return Err(RegistryError::NoChanges { parent: parent.reference });
        }
        let description = description.unwrap_or_else(|| parent.description.clone());
        let parent_link = Some((parent.id.as_str(), diff.as_slice()));
        let id =
            insert_version(&mut tx, model_name, &config, &description, changelog, parent_link, &self.actor()).await?;
        let version = rows::version_by_id(&mut tx, &id).await?;
        tx.commit().await?;
        version.ok_or_else(|| RegistryError::Usage(format!("version {id} vanished after insert")))
    }

    /// Resolve a version reference (id, `NAME`, `NAME:N`, `NAME@ALIAS`).
    pub async fn version(&self, reference: &str) -> Result<ModelVersion, RegistryError> {
        let mut conn = self.store().pool().acquire().await?;
        refs::resolve(&mut conn, reference).await
    }

    /// All models with their latest version number and aliases, by name.
    pub async fn list_models(&self) -> Result<Vec<ModelSummary>, RegistryError> {
        let mut conn = self.store().pool().acquire().await?;
        let mut out = Vec::new();
        for model in rows::all_models(&mut conn).await? {
            let (versions, latest): (i64, Option<i64>) =
                sqlx::query_as("SELECT COUNT(*), MAX(version) FROM model_versions WHERE model_id = ?")
                    .bind(&model.id)
                    .fetch_one(&mut *conn)
                    .await?;
            let aliases = rows::aliases_of(&mut conn, &model.id).await?;
            out.push(ModelSummary { model, versions, latest_version: latest, aliases });
        }
        Ok(out)
    }

    /// One model with its versions and aliases.
    pub async fn model(&self, name: &str) -> Result<ModelDetail, RegistryError> {
        let mut conn = self.store().pool().acquire().await?;
        let model = rows::require_model(&mut conn, name).await?;
        let versions = rows::versions_of(&mut conn, &model.id).await?;
        let aliases = rows::aliases_of(&mut conn, &model.id).await?;
        Ok(ModelDetail { model, versions, aliases })
    }

    /// Archive a version. A version an alias points at is refused unless `force`; the alias then keeps pointing
    /// at it (nothing moves silently) but it can no longer be deployed or rolled back to.
    pub async fn archive(&self, reference: &str, force: bool) -> Result<ModelVersion, RegistryError> {
        let mut tx = self.store().begin_write().await?;
        let v = refs::resolve(&mut tx, reference).await?;
        if v.archived_at_ms.is_some() {
            return Err(RegistryError::AlreadyArchived { reference: v.reference });
        }
        if !v.aliases.is_empty() && !force {
            return Err(RegistryError::ArchiveAliased { reference: v.reference, aliases: v.aliases.join(", ") });
        }
        let now = now_ms();
        sqlx::query("UPDATE model_versions SET archived_at_ms = ?, updated_at_ms = ? WHERE id = ?")
            .bind(now)
            .bind(now)
            .bind(&v.id)
            .execute(&mut *tx)
            .await?;
        let archived = rows::version_by_id(&mut tx, &v.id).await?;
        tx.commit().await?;
        archived.ok_or_else(|| RegistryError::Usage(format!("version {} vanished while archiving", v.id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent() -> ModelConfig {
        ModelConfig {
            provider: Provider::Openai,
            model_id: "gpt-4o-mini".into(),
            base_url: None,
            temperature: 0.2,
            max_tokens: Some(512),
            top_p: None,
            system_prompt: "be brief".into(),
            extra_params: [("seed".to_string(), serde_json::Value::from(1))].into_iter().collect(),
        }
    }

    #[test]
    fn patch_inherits_what_it_does_not_touch() {
        let patch = ConfigPatch { temperature: Some(0.9), unset: vec!["max_tokens".into()], ..Default::default() };
        let c = patch.apply(&parent()).unwrap();
        assert_eq!(c.temperature, 0.9);
        assert_eq!(c.max_tokens, None);
        assert_eq!(c.system_prompt, "be brief");
        assert_eq!(c.extra_params.get("seed"), Some(&serde_json::Value::from(1)));
    }

    #[test]
    fn patch_refuses_contradictions_and_unknown_removals() {
        let both = ConfigPatch { top_p: Some(0.5), unset: vec!["top_p".into()], ..Default::default() };
        assert!(both.apply(&parent()).unwrap_err().to_string().contains("both set and unset"));
        let missing = ConfigPatch { remove_params: vec!["nope".into()], ..Default::default() };
        assert!(missing.apply(&parent()).unwrap_err().to_string().contains("\"nope\""));
        let bad_unset = ConfigPatch { unset: vec!["temperature".into()], ..Default::default() };
        assert!(bad_unset.apply(&parent()).unwrap_err().to_string().contains("base_url, max_tokens"));
    }
}

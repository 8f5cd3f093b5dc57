//! Operation table: model registry operations (`model …`). Each op takes `&Core` and a typed input and returns a
//! typed output; the CLI calls these, and later Tauri and HTTP will call exactly the same functions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::registry::{
    Comparison, ConfigPatch, Deployment, DocFormat, ModelConfig, ModelDetail, ModelSummary, ModelVersion, NewVersion,
    Provider, VersionDocument,
};
use crate::{Core, Result};

/// Temperature a version gets when none is given (deterministic, for reproducible evaluation).
pub const DEFAULT_TEMPERATURE: f64 = 0.0;

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct RegisterInput {
    /// Model name; the model is created if missing.
    pub name: String,
    pub provider: Provider,
    pub model_id: String,
    #[serde(default)]
    pub base_url: Option<String>,
    /// Defaults to 0.
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub max_tokens: Option<i64>,
    #[serde(default)]
    pub top_p: Option<f64>,
    #[serde(default)]
    pub system_prompt: Option<String>,
    #[serde(default)]
    pub extra_params: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub changelog: Option<String>,
}

/// Register a new version (1, 2, 3… per model) with a full configuration.
pub async fn register(core: &Core, input: RegisterInput) -> Result<ModelVersion> {
    let config = ModelConfig {
        provider: input.provider,
        model_id: input.model_id,
        base_url: input.base_url,
        temperature: input.temperature.unwrap_or(DEFAULT_TEMPERATURE),
        max_tokens: input.max_tokens,
        top_p: input.top_p,
        system_prompt: input.system_prompt.unwrap_or_default(),
        extra_params: input.extra_params,
    };
    let new = NewVersion {
        model_name: input.name,
        config,
        description: input.description.unwrap_or_default(),
        changelog: input.changelog.unwrap_or_default(),
    };
    Ok(core.registry().await?.register(new).await?.masked())
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct CreateVersionInput {
    /// The model the new version belongs to (created if missing).
    pub name: String,
    /// Reference of the parent version.
    pub from: String,
    #[serde(default)]
    pub patch: ConfigPatch,
    /// Inherited from the parent when absent.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub changelog: Option<String>,
}

/// Create a version from a parent with changes; records the config diff; identical to the parent is a Conflict.
pub async fn create_version(core: &Core, input: CreateVersionInput) -> Result<ModelVersion> {
    let registry = core.registry().await?;
    let changelog = input.changelog.unwrap_or_default();
    Ok(registry.create_version(&input.name, &input.from, &input.patch, input.description, &changelog).await?.masked())
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct ListModelsInput {}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ListModelsOutput {
    pub models: Vec<ModelSummary>,
}

/// All models with their latest version number and aliases.
pub async fn list(core: &Core, _input: ListModelsInput) -> Result<ListModelsOutput> {
    Ok(ListModelsOutput { models: core.registry().await?.list_models().await? })
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ModelNameInput {
    pub name: String,
}

/// One model with its versions and aliases.
pub async fn show(core: &Core, input: ModelNameInput) -> Result<ModelDetail> {
    let mut detail = core.registry().await?.model(&input.name).await?;
    detail.versions = detail.versions.into_iter().map(ModelVersion::masked).collect();
    Ok(detail)
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct VersionsOutput {
    pub versions: Vec<ModelVersion>,
}

/// The versions of one model, oldest first.
pub async fn versions(core: &Core, input: ModelNameInput) -> Result<VersionsOutput> {
    let versions = core.registry().await?.model(&input.name).await?.versions;
    Ok(VersionsOutput { versions: versions.into_iter().map(ModelVersion::masked).collect() })
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct VersionRefInput {
    /// A version id, `NAME`, `NAME:N` or `NAME@ALIAS`.
    pub reference: String,
}

/// One version by reference.
pub async fn version_show(core: &Core, input: VersionRefInput) -> Result<ModelVersion> {
    Ok(core.registry().await?.version(&input.reference).await?.masked())
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct CompareInput {
    /// Two or more version references.
    pub references: Vec<String>,
}

/// Config side by side and performance derived from linked runs.
pub async fn compare(core: &Core, input: CompareInput) -> Result<Comparison> {
    let mut comparison = core.registry().await?.compare(&input.references).await?;
    for c in &mut comparison.columns {
        c.version = c.version.clone().masked();
    }
    for f in &mut comparison.fields {
        crate::registry::types::mask_compare_field(&f.field, &mut f.values);
    }
    Ok(comparison)
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct DeployInput {
    pub reference: String,
    pub target: String,
    #[serde(default)]
    pub reason: String,
}

/// Point the target alias of the version's model at the version and log the move.
/// On a team server, moving a target the config marks protected (`deployment.protected_targets`) needs the admin
/// role; the machine's own user and the server's own token may.
pub fn may_move_target(core: &Core, target: &str) -> Result<()> {
    let Some(role) = core.role() else { return Ok(()) };
    if role == crate::team::Role::Admin {
        return Ok(());
    }
    let protected = crate::config::load(core.settings())?.config.deployment.protected_targets;
    if protected.iter().any(|t| t == target) {
        return Err(crate::Error::Forbidden(format!(
            "target {target} is protected: user {} has the role {}, deploying to it needs admin",
            core.user().unwrap_or_default(),
            role.as_str()
        )));
    }
    Ok(())
}

pub async fn deploy(core: &Core, input: DeployInput) -> Result<Deployment> {
    may_move_target(core, &input.target)?;
    Ok(core.registry().await?.deploy(&input.reference, &input.target, &input.reason).await?)
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct RollbackInput {
    pub model: String,
    pub target: String,
    #[serde(default)]
    pub reason: String,
}

/// Move the target back to where it pointed before the last deploy still in effect.
pub async fn rollback(core: &Core, input: RollbackInput) -> Result<Deployment> {
    may_move_target(core, &input.target)?;
    Ok(core.registry().await?.rollback(&input.model, &input.target, &input.reason).await?)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct HistoryInput {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub target: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct HistoryOutput {
    /// Newest first.
    pub deployments: Vec<Deployment>,
}

/// The deployment audit log of a model and/or target, newest first.
pub async fn history(core: &Core, input: HistoryInput) -> Result<HistoryOutput> {
    let registry = core.registry().await?;
    Ok(HistoryOutput { deployments: registry.history(input.model.as_deref(), input.target.as_deref()).await? })
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ArchiveInput {
    pub reference: String,
    /// Archive even if an alias points at the version (the alias keeps pointing there).
    #[serde(default)]
    pub force: bool,
}

/// Archive a version: it stays readable but can no longer be deployed or rolled back to.
pub async fn archive(core: &Core, input: ArchiveInput) -> Result<ModelVersion> {
    Ok(core.registry().await?.archive(&input.reference, input.force).await?.masked())
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ExportInput {
    pub reference: String,
    pub format: DocFormat,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ExportOutput {
    pub document: VersionDocument,
    pub format: DocFormat,
    /// The document serialized in `format`.
    pub text: String,
}

/// A version as a `browser-ai-mlops/model-version@1` document.
pub async fn export(core: &Core, input: ExportInput) -> Result<ExportOutput> {
    let (document, text) = core.registry().await?.export(&input.reference, input.format).await?;
    Ok(ExportOutput { document, format: input.format, text })
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ImportInput {
    /// The document's text.
    pub text: String,
    /// Where it came from (a file name, or `-`), for error messages and the format by extension.
    pub source: String,
    #[serde(default)]
    pub format: Option<DocFormat>,
    /// Import into this model instead of the document's `model`.
    #[serde(default)]
    pub model: Option<String>,
}

/// Create a new version from an export document.
pub async fn import(core: &Core, input: ImportInput) -> Result<ModelVersion> {
    Ok(core.registry().await?.import(&input.text, &input.source, input.format, input.model).await?.masked())
}

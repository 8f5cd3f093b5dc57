//! `api::models` as desktop commands: one-line adapters named `models_<op>`, one per entry of the HTTP route table.

use browser_ai_mlops_core::{api, registry};

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn models_register(core: CoreState<'_>, input: api::models::RegisterInput) -> Edge<registry::ModelVersion> {
    Ok(api::models::register(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_create_version(
    core: CoreState<'_>,
    input: api::models::CreateVersionInput,
) -> Edge<registry::ModelVersion> {
    Ok(api::models::create_version(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_list(
    core: CoreState<'_>,
    input: api::models::ListModelsInput,
) -> Edge<api::models::ListModelsOutput> {
    Ok(api::models::list(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_show(core: CoreState<'_>, input: api::models::ModelNameInput) -> Edge<registry::ModelDetail> {
    Ok(api::models::show(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_versions(
    core: CoreState<'_>,
    input: api::models::ModelNameInput,
) -> Edge<api::models::VersionsOutput> {
    Ok(api::models::versions(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_version_show(
    core: CoreState<'_>,
    input: api::models::VersionRefInput,
) -> Edge<registry::ModelVersion> {
    Ok(api::models::version_show(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_compare(core: CoreState<'_>, input: api::models::CompareInput) -> Edge<registry::Comparison> {
    Ok(api::models::compare(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_deploy(core: CoreState<'_>, input: api::models::DeployInput) -> Edge<registry::Deployment> {
    Ok(api::models::deploy(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_rollback(core: CoreState<'_>, input: api::models::RollbackInput) -> Edge<registry::Deployment> {
    Ok(api::models::rollback(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_history(core: CoreState<'_>, input: api::models::HistoryInput) -> Edge<api::models::HistoryOutput> {
    Ok(api::models::history(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn models_archive(core: CoreState<'_>, input: api::models::ArchiveInput) -> Edge<registry::ModelVersion> {
    Ok(api::models::archive(&core, input).await?)
}

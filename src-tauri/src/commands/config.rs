//! `api::config` as desktop commands: one-line adapters named `config_<op>`, one per entry of the HTTP route table.

use browser_ai_mlops_core::api;

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn config_list_envs(
    core: CoreState<'_>,
    input: api::config::ListEnvsInput,
) -> Edge<api::config::ListEnvsOutput> {
    Ok(api::config::list_envs(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn config_load(core: CoreState<'_>, input: api::config::EnvInput) -> Edge<api::config::LoadOutput> {
    Ok(api::config::load(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn config_show(core: CoreState<'_>, input: api::config::ShowInput) -> Edge<api::config::ShowOutput> {
    Ok(api::config::show(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn config_validate(core: CoreState<'_>, input: api::config::EnvInput) -> Edge<api::config::ValidateOutput> {
    Ok(api::config::validate(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn config_set(core: CoreState<'_>, input: api::config::SetInput) -> Edge<api::config::WriteOutput> {
    Ok(api::config::set(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn config_set_feature_flag(
    core: CoreState<'_>,
    input: api::config::SetFeatureFlagInput,
) -> Edge<api::config::WriteOutput> {
    Ok(api::config::set_feature_flag(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn config_clone(core: CoreState<'_>, input: api::config::CloneInput) -> Edge<api::config::CloneOutput> {
    Ok(api::config::clone(&core, input).await?)
}

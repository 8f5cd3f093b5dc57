//! `api::secrets` as desktop commands: API keys into and out of the OS keychain (set/delete exist only here and in
//! the CLI, never over HTTP), and which key references are resolvable.

use browser_ai_mlops_core::api;

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn secrets_status(
    core: CoreState<'_>,
    input: api::secrets::SecretsStatusInput,
) -> Edge<api::secrets::SecretsStatusOutput> {
    Ok(api::secrets::status(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn secrets_set(
    core: CoreState<'_>,
    input: api::secrets::SetSecretInput,
) -> Edge<api::secrets::SetSecretOutput> {
    Ok(api::secrets::set(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn secrets_delete(
    core: CoreState<'_>,
    input: api::secrets::DeleteSecretInput,
) -> Edge<api::secrets::DeleteSecretOutput> {
    Ok(api::secrets::delete(&core, input).await?)
}

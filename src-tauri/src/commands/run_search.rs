//! `api::run_search` as desktop commands: one-line adapters named `run_search_<op>`, one per entry of the HTTP route table.

use browser_ai_mlops_core::api;

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn run_search_search(
    core: CoreState<'_>,
    input: api::run_search::SearchRunsInput,
) -> Edge<api::run_search::RunPage> {
    Ok(api::run_search::search(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn run_search_list(
    core: CoreState<'_>,
    input: api::run_search::ListRunsInput,
) -> Edge<api::run_search::RunPage> {
    Ok(api::run_search::list(&core, input).await?)
}

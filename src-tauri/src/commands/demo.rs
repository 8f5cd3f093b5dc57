//! `api::demo` as desktop commands: is this a first start (an empty data dir), and load the demo's data into it.

use browser_ai_mlops_core::api;

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn demo_status(core: CoreState<'_>, input: api::demo::DemoStatusInput) -> Edge<api::demo::DemoStatus> {
    Ok(api::demo::status(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn demo_load(core: CoreState<'_>, input: api::demo::LoadDemoInput) -> Edge<api::demo::LoadDemoOutput> {
    Ok(api::demo::load(&core, input).await?)
}

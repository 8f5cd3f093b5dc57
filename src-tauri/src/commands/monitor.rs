//! `api::monitor` as desktop commands: one-line adapters named `monitor_<op>`, one per entry of the HTTP route table.

use browser_ai_mlops_core::{api, metrics};

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn monitor_performance(
    core: CoreState<'_>,
    input: api::monitor::PerformanceInput,
) -> Edge<metrics::summary::PerformanceSummary> {
    Ok(api::monitor::performance(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn monitor_errors(
    core: CoreState<'_>,
    input: api::monitor::ErrorsInput,
) -> Edge<metrics::summary::ErrorList> {
    Ok(api::monitor::errors(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn monitor_resolve_error(
    core: CoreState<'_>,
    input: api::monitor::ResolveErrorInput,
) -> Edge<metrics::collector::ResolvedError> {
    Ok(api::monitor::resolve_error(&core, input).await?)
}

//! `api::health` as desktop commands: one-line adapters named `health_<op>`, one per entry of the HTTP route table.

use browser_ai_mlops_core::{api, metrics};

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn health_health(core: CoreState<'_>, input: api::health::HealthInput) -> Edge<api::health::HealthOutput> {
    Ok(api::health::health(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn health_health_history(
    core: CoreState<'_>,
    input: api::health::HealthHistoryInput,
) -> Edge<api::health::HealthHistoryOutput> {
    Ok(api::health::health_history(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn health_alerts(core: CoreState<'_>, input: api::health::AlertsInput) -> Edge<api::health::AlertsOutput> {
    Ok(api::health::alerts(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn health_evaluate_alerts(
    core: CoreState<'_>,
    input: api::health::EvaluateAlertsInput,
) -> Edge<metrics::alerts::AlertEvaluation> {
    Ok(api::health::evaluate_alerts(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn health_watch_snapshot(
    core: CoreState<'_>,
    input: api::health::WatchInput,
) -> Edge<api::health::WatchSnapshot> {
    Ok(api::health::watch_snapshot(&core, input).await?)
}

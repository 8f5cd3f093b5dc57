//! `api::runs` as desktop commands: one-line adapters named `runs_<op>`, one per entry of the HTTP route table.

use browser_ai_mlops_core::{api, tracker};

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn runs_start_run(core: CoreState<'_>, input: api::runs::StartRunInput) -> Edge<tracker::Run> {
    Ok(api::runs::start_run(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_end_run(core: CoreState<'_>, input: api::runs::EndRunInput) -> Edge<tracker::Run> {
    Ok(api::runs::end_run(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_show_run(core: CoreState<'_>, input: api::runs::RunRef) -> Edge<tracker::RunSummary> {
    Ok(api::runs::show_run(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_delete_run(core: CoreState<'_>, input: api::runs::RunRef) -> Edge<tracker::Run> {
    Ok(api::runs::delete_run(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_compare_runs(
    core: CoreState<'_>,
    input: api::runs::CompareRunsInput,
) -> Edge<tracker::RunComparison> {
    Ok(api::runs::compare_runs(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_log_metric(core: CoreState<'_>, input: api::runs::LogMetricInput) -> Edge<tracker::MetricPoint> {
    Ok(api::runs::log_metric(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_log_param(core: CoreState<'_>, input: api::runs::KeyValueInput) -> Edge<api::runs::ParamLogged> {
    Ok(api::runs::log_param(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_set_tag(core: CoreState<'_>, input: api::runs::KeyValueInput) -> Edge<api::runs::KeyValueInput> {
    Ok(api::runs::set_tag(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_delete_tag(core: CoreState<'_>, input: api::runs::RunKeyInput) -> Edge<api::runs::RunKeyInput> {
    Ok(api::runs::delete_tag(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_metric_history(core: CoreState<'_>, input: api::runs::RunKeyInput) -> Edge<api::runs::MetricHistory> {
    Ok(api::runs::metric_history(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_timeline(core: CoreState<'_>, input: api::runs::RunRef) -> Edge<api::runs::RunTimeline> {
    Ok(api::runs::timeline(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn runs_artifact(core: CoreState<'_>, input: api::runs::ArtifactInput) -> Edge<api::runs::ArtifactContent> {
    Ok(api::runs::artifact(&core, input).await?)
}

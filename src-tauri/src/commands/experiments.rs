//! `api::experiments` as desktop commands: one-line adapters named `experiments_<op>`, one per entry of the HTTP route table.

use browser_ai_mlops_core::{api, tracker};

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn experiments_create_experiment(
    core: CoreState<'_>,
    input: api::experiments::CreateExperimentInput,
) -> Edge<tracker::Experiment> {
    Ok(api::experiments::create_experiment(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn experiments_list_experiments(
    core: CoreState<'_>,
    input: api::experiments::ListExperimentsInput,
) -> Edge<Vec<tracker::ExperimentInfo>> {
    Ok(api::experiments::list_experiments(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn experiments_show_experiment(
    core: CoreState<'_>,
    input: api::experiments::ExperimentRef,
) -> Edge<tracker::ExperimentInfo> {
    Ok(api::experiments::show_experiment(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn experiments_rename_experiment(
    core: CoreState<'_>,
    input: api::experiments::RenameExperimentInput,
) -> Edge<tracker::Experiment> {
    Ok(api::experiments::rename_experiment(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn experiments_archive_experiment(
    core: CoreState<'_>,
    input: api::experiments::ExperimentRef,
) -> Edge<tracker::Experiment> {
    Ok(api::experiments::archive_experiment(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn experiments_restore_experiment(
    core: CoreState<'_>,
    input: api::experiments::ExperimentRef,
) -> Edge<tracker::Experiment> {
    Ok(api::experiments::restore_experiment(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn experiments_set_experiment_tag(
    core: CoreState<'_>,
    input: api::experiments::SetExperimentTagInput,
) -> Edge<tracker::Experiment> {
    Ok(api::experiments::set_experiment_tag(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn experiments_describe_experiment(
    core: CoreState<'_>,
    input: api::experiments::DescribeExperimentInput,
) -> Edge<tracker::Experiment> {
    Ok(api::experiments::describe_experiment(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn experiments_compare_experiments(
    core: CoreState<'_>,
    input: api::experiments::CompareExperimentsInput,
) -> Edge<tracker::ExperimentComparison> {
    Ok(api::experiments::compare_experiments(&core, input).await?)
}

//! `api::evals` as desktop commands: one-line adapters named `evals_<op>`, one per entry of the HTTP route table.

use browser_ai_mlops_core::{api, evaluator};

use super::{CoreState, Edge};

#[tauri::command]
#[specta::specta]
pub async fn evals_list_tasks(
    core: CoreState<'_>,
    input: api::evals::ListTasksInput,
) -> Edge<api::evals::ListTasksOutput> {
    Ok(api::evals::list_tasks(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn evals_results(
    core: CoreState<'_>,
    input: api::evals::EvaluationIdInput,
) -> Edge<api::evals::EvaluationResults> {
    Ok(api::evals::results(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn evals_compare(
    core: CoreState<'_>,
    input: api::evals::CompareEvaluationsInput,
) -> Edge<evaluator::EvaluationComparison> {
    Ok(api::evals::compare(&core, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn evals_list(
    core: CoreState<'_>,
    input: api::evals::ListEvaluationsInput,
) -> Edge<api::evals::ListEvaluationsOutput> {
    Ok(api::evals::list(&core, input).await?)
}

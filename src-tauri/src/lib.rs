//! Browser.AI MLOps desktop shell: a Tauri 2 window over the same `Core` the CLI and the server use. Commands are
//! one-line adapters to `api::` (see `commands`), live evaluation progress arrives as typed events, and the
//! tauri-specta builder here is THE generator of `ui/src/bindings.ts` (see `bindings`).

use std::sync::Arc;

use browser_ai_mlops_core::{Core, Settings};
use tauri::{Manager, RunEvent, Runtime};
use tauri_specta::{Builder, Casing, collect_commands, collect_events};

pub mod bindings;
pub mod commands;

use commands::jobs::{EvalJobEvent, EventSink, JobsState};
use tauri_specta::Event;

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error(transparent)]
    Core(#[from] browser_ai_mlops_core::Error),
    #[error("the desktop window failed: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Every command and event of the app, plus every type that crosses an edge (for the bindings).
pub fn specta_builder<R: Runtime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            commands::config::config_list_envs,
            commands::config::config_load,
            commands::config::config_show,
            commands::config::config_validate,
            commands::config::config_set,
            commands::config::config_set_feature_flag,
            commands::config::config_clone,
            commands::experiments::experiments_create_experiment,
            commands::experiments::experiments_list_experiments,
            commands::experiments::experiments_show_experiment,
            commands::experiments::experiments_rename_experiment,
            commands::experiments::experiments_archive_experiment,
            commands::experiments::experiments_restore_experiment,
            commands::experiments::experiments_set_experiment_tag,
            commands::experiments::experiments_describe_experiment,
            commands::experiments::experiments_compare_experiments,
            commands::runs::runs_start_run,
            commands::runs::runs_end_run,
            commands::runs::runs_show_run,
            commands::runs::runs_delete_run,
            commands::runs::runs_compare_runs,
            commands::runs::runs_log_metric,
            commands::runs::runs_log_param,
            commands::runs::runs_set_tag,
            commands::runs::runs_delete_tag,
            commands::runs::runs_metric_history,
            commands::runs::runs_timeline,
            commands::runs::runs_artifact,
            commands::run_search::run_search_search,
            commands::run_search::run_search_list,
            commands::models::models_register,
            commands::models::models_create_version,
            commands::models::models_list,
            commands::models::models_show,
            commands::models::models_versions,
            commands::models::models_version_show,
            commands::models::models_compare,
            commands::models::models_deploy,
            commands::models::models_rollback,
            commands::models::models_history,
            commands::models::models_archive,
            commands::evals::evals_list_tasks,
            commands::evals::evals_results,
            commands::evals::evals_compare,
            commands::evals::evals_list,
            commands::monitor::monitor_performance,
            commands::monitor::monitor_errors,
            commands::monitor::monitor_resolve_error,
            commands::health::health_health,
            commands::health::health_health_history,
            commands::health::health_alerts,
            commands::health::health_evaluate_alerts,
            commands::health::health_watch_snapshot,
            commands::secrets::secrets_status,
            commands::secrets::secrets_set,
            commands::secrets::secrets_delete,
            commands::demo::demo_status,
            commands::demo::demo_load,
            commands::jobs::evals_launch,
            commands::jobs::evals_jobs,
            commands::jobs::evals_watch
        ])
        .events(collect_events![EvalJobEvent])
        .types(&bindings::edge_types())
        // Accessors keep the IPC names (`commands.models_list`), so `domain/op` maps to them by one replace.
        .function_casing(Casing::SnakeCase)
        // 64-bit integers are UTC milliseconds, counts and token sums, all far below 2^53; serde_json writes them as
        // JSON numbers and ids that could be large are strings, so they are `number` in TypeScript.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type (as the UI has always had), not separate serialize/deserialize shapes.
        .disable_serde_phases()
}

/// Register the state and the commands on a Tauri builder (the real app, or `tauri::test::mock_builder()`); call
/// `attach` on the built app before it runs.
pub fn configure<R: Runtime>(app: tauri::Builder<R>, core: Arc<Core>, specta: &Builder<R>) -> tauri::Builder<R> {
    app.manage(core).manage(JobsState::default()).invoke_handler(specta.invoke_handler())
}

/// Mount the typed events on a built app and give the commands their event sink.
pub fn attach<R: Runtime>(app: &tauri::App<R>, specta: &Builder<R>) {
    specta.mount_events(app);
    let handle = app.handle().clone();
    app.manage(EventSink(Box::new(move |event: &EvalJobEvent| event.emit(&handle))));
}

/// Stop running jobs and make everything durable (the app is exiting).
pub fn shutdown<R: Runtime>(handle: &tauri::AppHandle<R>) {
    let jobs = handle.state::<JobsState>();
    jobs.stop.send_replace(true);
    let core = Arc::clone(&handle.state::<Arc<Core>>());
    let jobs = jobs.jobs.clone();
    tauri::async_runtime::block_on(async move {
        jobs.shutdown().await;
        if let Err(e) = core.shutdown().await {
            eprintln!("browser-ai-mlops-desktop: {e}");
        }
    });
}

/// Open the core from the same data dir the CLI resolves (`BROWSER_AI_MLOPS_DATA_DIR`, else the platform data dir)
/// and run the window until it closes. The store opens on the first command, so a bad database shows in the UI.
pub fn run() -> Result<(), ShellError> {
    let core = Arc::new(Core::new(Settings::resolve(None, None, None)?));
    let specta = specta_builder::<tauri::Wry>();
    let app = configure(tauri::Builder::default(), core, &specta).build(tauri::generate_context!())?;
    attach(&app, &specta);
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            shutdown(handle);
        }
    });
    Ok(())
}

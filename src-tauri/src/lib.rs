//! Browser.AI MLOps desktop shell: a Tauri 2 window over the same `Core` the CLI and the server use. The UI reaches
//! every operation of the core's table through two commands (`dispatch`: `call` for unary operations, `stream` for
//! streaming ones over a channel), and `bindings` generates `ui/src/bindings.ts` from the same table.

use std::sync::Arc;

use browser_ai_mlops_core::{Core, Settings};
use tauri::{Manager, RunEvent, Runtime};

pub mod bindings;
pub mod dispatch;

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error(transparent)]
    Core(#[from] browser_ai_mlops_core::Error),
    #[error("the desktop window failed: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Register the core and the two commands on a Tauri builder (the real app, or `tauri::test::mock_builder()`).
pub fn configure<R: Runtime>(app: tauri::Builder<R>, core: Arc<Core>) -> tauri::Builder<R> {
    app.manage(core).invoke_handler(tauri::generate_handler![dispatch::call, dispatch::stream])
}

/// Stop background work (evaluation jobs) and make everything durable (the app is exiting).
pub fn shutdown<R: Runtime>(handle: &tauri::AppHandle<R>) {
    let core = Arc::clone(&handle.state::<Arc<Core>>());
    tauri::async_runtime::block_on(async move {
        if let Err(e) = browser_ai_mlops_core::api::shutdown(&core).await {
            eprintln!("browser-ai-mlops-desktop: {e}");
        }
    });
}

/// Open the core from the same data dir the CLI resolves (`BROWSER_AI_MLOPS_DATA_DIR`, else the platform data dir)
/// and run the window until it closes. The store opens on the first command, so a bad database shows in the UI.
pub fn run() -> Result<(), ShellError> {
    let core = Arc::new(Core::new(Settings::resolve(None, None, None)?));
    let app = configure(tauri::Builder::default(), core).build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            shutdown(handle);
        }
    });
    Ok(())
}

//! Browser.AI MLOps desktop shell: a Tauri 2 window over the same `Core` the CLI and the server use. The UI reaches
//! every operation of the core's table through two commands (`dispatch`: `call` for unary operations, `stream` for
//! streaming ones over a channel), and `bindings` generates `ui/src/bindings.ts` from the same table.
//!
//! - Failures of both commands cross as `EdgeError` (`crates/core/src/api/edge.rs`), the adjacently tagged error
//!   (`{"kind": "NotFound", "detail": {"message": "…"}}`) the HTTP server also sends.
//! - `bindings.ts` holds every type an operation takes, emits or answers, the edge error, and the `Operations` map;
//!   `tests/bindings.rs` fails when the committed file differs from what the table generates. `ui/src/lib/transport.ts`
//!   is the only UI file importing the bindings' runtime values or `@tauri-apps/*`; it uses IPC when
//!   `'__TAURI_INTERNALS__' in window` and HTTP otherwise. UI calls are typed from the `Operations` map, so
//!   `npm run build` (which type-checks first) fails if a UI call's types differ from the Rust operation's.
//! - Type mapping: 64-bit integers (UTC milliseconds, counts, token sums, all far below 2^53) are exported as `number`;
//!   `f64` fields as `number | null`, because serde_json writes NaN and infinities as `null` (charts draw those as
//!   gaps).
//! - `capabilities/main-window.json` grants exactly the app's two commands (`allow-call`, `allow-stream`: `build.rs`
//!   generates one permission per command) and `core:event:allow-listen` / `core:event:allow-unlisten`.
//!   `tauri.conf.json` sets the CSP: `default-src` and `script-src` `'self'` (styles may also be inline, images also
//!   `data:` and `blob:`, fonts also `data:`), `connect-src ipc: http://ipc.localhost`, `object-src`, `base-uri`,
//!   `form-action`, `frame-src` and `frame-ancestors` `'none'`, and a frozen prototype.
//! - Packaging: `tauri.bundle.json` (merged only when packaging, so a fresh clone builds without the sidecar) adds
//!   `bundle.externalBin = ["binaries/browser-ai-mlops"]`; `scripts/dev package` builds the CLI with the `dist` profile
//!   (release, no debug info, stripped), copies it to `src-tauri/binaries/browser-ai-mlops-<target-triple>`, then runs
//!   `tauri build --bundles deb` with the same profile. The Tauri CLI is pinned in `src-tauri/package.json`.
//! - Icons: drawn as `icons/source/icon.svg`, rendered to the 1024 px `icons/source/icon.png` with `rsvg-convert`, and
//!   the platform set in `icons/` made from it with `npx tauri icon`.

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

/// Register the core and the two commands on a Tauri builder (the real app, or `tauri::test::mock_builder()`). The web
/// view is served as a remote caller: it may not name files outside the suites directory or probe secrets by name.
pub fn configure<R: Runtime>(app: tauri::Builder<R>, core: Arc<Core>) -> tauri::Builder<R> {
    app.manage(Arc::new(core.for_remote_callers()))
        .invoke_handler(tauri::generate_handler![dispatch::call, dispatch::stream])
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
    // `sync.auto`: push and pull with the connected team server in the background while the window is open.
    tauri::async_runtime::spawn(browser_ai_mlops_core::api::sync::background(Core::clone(&core)));
    let app = configure(tauri::Builder::default(), core).build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            shutdown(handle);
        }
    });
    Ok(())
}

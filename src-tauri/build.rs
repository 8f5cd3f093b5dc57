//! Build script of the desktop shell: tauri-build reads `tauri.conf.json`, checks the icons and the UI directory, and
//! generates one permission per app command (`call` and `stream`, the generic dispatch over the core's operation
//! table), so the capability file must grant each by name.

fn main() {
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&["call", "stream"]));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}

//! Build script of the desktop shell: tauri-build reads `tauri.conf.json`, checks the icons and the UI directory, and
//! generates one permission per command listed in the app manifest so capabilities must grant each command by name.

include!("src/commands/names.rs");

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}

//! The desktop app's entry point: run the window; print a startup failure once and exit non-zero.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = browser_ai_mlops_desktop::run() {
        eprintln!("browser-ai-mlops-desktop: {e}");
        std::process::exit(1);
    }
}

//! THE command table. One file per domain; each operation is an async fn taking `&Core` and a typed input and
//! returning a typed output (serde + `specta::Type`). The CLI, and later Tauri and HTTP, call only these.

pub mod config;
pub mod demo;
pub mod edge;
pub mod evals;
pub mod experiments;
pub mod health;
pub mod jobs;
pub mod models;
pub mod monitor;
pub mod reports;
pub mod run_search;
pub mod runs;
pub mod secrets;

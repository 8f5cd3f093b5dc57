//! The desktop app's commands: one module per `api::` domain with one-line adapters (`<domain>_<op>`, the same
//! operations as the HTTP route table), plus the evaluation-job commands in `jobs`. Every command returns
//! `Result<T, EdgeError>`: the same tagged error the HTTP server sends, so the UI has one error union.

use std::sync::Arc;

use browser_ai_mlops_core::api::edge::EdgeError;

pub mod config;
pub mod demo;
pub mod evals;
pub mod experiments;
pub mod health;
pub mod jobs;
pub mod models;
pub mod monitor;
pub mod run_search;
pub mod runs;
pub mod secrets;

include!("names.rs");

/// The one core every command works on (opened from the same data dir the CLI uses).
pub type CoreState<'a> = tauri::State<'a, Arc<browser_ai_mlops_core::Core>>;

/// What every command returns.
pub type Edge<T> = Result<T, EdgeError>;

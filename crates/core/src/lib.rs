//! Browser.AI MLOps core: the domains (store, tracker, registry, config, secrets, evaluator, agent, browser, llm,
//! metrics, reports, statistics, the built-in sites, the demo's data) and `api`, the one operation table every
//! transport serves. Nothing in here knows about clap, axum or Tauri: the CLI, the HTTP server and the desktop shell
//! are crates above this one, and data flows one way: transport → `api` → domain → `store`.

pub mod agent;
pub mod api;
pub mod browser;
pub mod config;
pub mod core;

pub mod error;
pub mod evaluator;
pub mod handle;
pub mod kind;
pub mod limits;
pub mod llm;
pub mod metrics;
pub mod registry;
pub mod report;
pub mod secrets;
pub mod sites;
pub mod stats;
pub mod store;
pub mod sync;
pub mod team;
pub mod text;
pub mod tracker;
pub mod util;

pub use crate::core::{Core, Settings};
pub use crate::error::{Error, Result};
pub use crate::kind::ErrorKind;

//! Browser.AI MLOps core library: the store, the experiment tracker, the model registry and the environment config,
//! behind one command table (`api`). Nothing in here knows about Tauri or HTTP; the CLI (`cli`) is a thin transport
//! over `api` like the others will be.

pub mod agent;
pub mod api;
pub mod bench;
pub mod browser;
pub mod cli;
pub mod config;
pub mod core;
pub mod demo;
pub mod error;
pub mod evaluator;
pub mod llm;
pub mod metrics;
pub mod registry;
pub mod report;
pub mod secrets;
pub mod server;
pub mod sites;
pub mod stats;
pub mod store;
pub mod tracker;
pub mod util;

pub use crate::core::{Core, Settings};
pub use crate::error::{Error, ErrorKind, Result};

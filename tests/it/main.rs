//! The one integration-test binary: each module exercises one area through the real binary or the library, on real
//! SQLite files in temporary directories.

mod agent;
mod browser;
mod browser_state;
mod cli;
mod config;
mod demo_api;
mod evaluate_run;
mod evaluator;
mod health;
mod llm;
mod monitor;
mod readme;
mod registry;
mod remote_cdp;
mod report;
mod search;
mod search_plans;
mod secrets;
mod server;
mod store;
mod tracker;
mod ui_api;
mod util;

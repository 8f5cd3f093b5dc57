//! The one integration-test binary: one module per domain (a folder with its `mod.rs`), each exercising that area
//! through the real binary or the library, on real SQLite files in temporary directories.

mod agent;
mod browser;
mod cli;
mod config;
mod demo;
mod docs;
mod evaluator;
mod hostile;
mod ingest;
mod llm;
mod monitor;
mod registry;
mod report;
mod secrets;
mod server;
mod store;
mod sync;
mod team;
mod tracker;
mod util;

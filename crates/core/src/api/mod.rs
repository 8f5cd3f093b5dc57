//! THE operation table. Every operation is declared once, in `table()` below: its name (`domain/verb`), whether it
//! reads or changes state, whether it is unary or streaming, and the core function that implements it (whose input,
//! event and output types the declaration takes from the function's signature). The HTTP server, the desktop app,
//! the TypeScript bindings, the OpenAPI document and the UI's typed command map are all derived from this table; the
//! CLI calls the functions directly with their typed inputs. One module per domain holds the functions.
//!
//! Adding an operation: write `async fn verb(core: &Core, input: In) -> Result<Out>` (or, streaming,
//! `async fn verb(core: &Core, input: In, sink: Sink<Event>) -> Result<Out>`) in the domain's module, add one line
//! here, regenerate the bindings (`BROWSER_AI_MLOPS_WRITE_BINDINGS=1 cargo test -p browser-ai-mlops-desktop --test
//! bindings`). See docs/architecture.md.

pub mod audit;
pub mod config;
pub mod demo;
pub mod edge;
pub mod evals;
pub mod experiments;
pub mod health;
pub mod jobs;
pub mod models;
pub mod monitor;
pub mod op;
pub mod reports;
pub mod run_search;
pub mod runs;
pub mod secrets;
pub mod sync;

use std::sync::LazyLock;

pub use op::{Access, Operation, Reach, Shape, Sink, StreamMessage};
use op::{streaming, unary};

use Access::{Mutating as M, Read as R};

static TABLE: LazyLock<Vec<Operation>> = LazyLock::new(|| {
    vec![
        unary("config/list_envs", R, config::list_envs),
        unary("config/load", R, config::load),
        unary("config/show", R, config::show),
        unary("config/validate", R, config::validate),
        unary("config/set", M, config::set),
        unary("config/set_flag", M, config::set_flag),
        unary("config/clone", M, config::clone),
        unary("secrets/status", R, secrets::status),
        unary("secrets/set", M, secrets::set).local(),
        unary("secrets/delete", M, secrets::delete).local(),
        unary("experiments/create", M, experiments::create),
        unary("experiments/list", R, experiments::list),
        unary("experiments/show", R, experiments::show),
        unary("experiments/rename", M, experiments::rename),
        unary("experiments/archive", M, experiments::archive),
        unary("experiments/restore", M, experiments::restore),
        unary("experiments/set_tag", M, experiments::set_tag),
        unary("experiments/describe", M, experiments::describe),
        unary("experiments/compare", R, experiments::compare),
        unary("runs/start", M, runs::start),
        unary("runs/end", M, runs::end),
        unary("runs/show", R, runs::show),
        unary("runs/delete", M, runs::delete),
        unary("runs/compare", R, runs::compare),
        unary("runs/log_metric", M, runs::log_metric),
        unary("runs/log_param", M, runs::log_param),
        unary("runs/set_tag", M, runs::set_tag),
        unary("runs/delete_tag", M, runs::delete_tag),
        unary("runs/metric_history", R, runs::metric_history),
        unary("runs/timeline", R, runs::timeline),
        unary("runs/artifact", R, runs::artifact),
        unary("runs/search", R, run_search::search),
        unary("runs/list", R, run_search::list),
        unary("runs/log_batch", M, runs::log_batch).local(),
        unary("runs/log_batch_text", M, runs::log_batch_text),
        unary("models/register", M, models::register),
        unary("models/create_version", M, models::create_version),
        unary("models/list", R, models::list),
        unary("models/show", R, models::show),
        unary("models/versions", R, models::versions),
        unary("models/version_show", R, models::version_show),
        unary("models/compare", R, models::compare),
        unary("models/deploy", M, models::deploy),
        unary("models/rollback", M, models::rollback),
        unary("models/history", R, models::history),
        unary("models/archive", M, models::archive),
        unary("models/export", R, models::export).local(),
        unary("models/import", M, models::import).local(),
        // Reads a suite file by path on the serving machine, so a token is needed even with `--public-read`.
        unary("evals/tasks", M, evals::tasks),
        unary("evals/results", R, evals::results),
        unary("evals/compare", R, evals::compare),
        unary("evals/list", R, evals::list),
        streaming("evals/benchmark", M, evals::benchmark),
        unary("evals/launch", M, evals::launch),
        unary("evals/jobs", R, evals::jobs),
        streaming("evals/watch", R, evals::watch),
        unary("monitor/performance", R, monitor::performance),
        unary("monitor/errors", R, monitor::errors),
        unary("monitor/resolve_error", M, monitor::resolve_error),
        unary("monitor/health", R, health::health),
        unary("monitor/health_history", R, health::health_history),
        unary("monitor/alerts", R, health::alerts),
        unary("monitor/evaluate_alerts", M, health::evaluate_alerts),
        unary("monitor/snapshot", R, health::snapshot),
        streaming("monitor/watch", R, health::watch),
        unary("reports/generate", M, reports::generate).local(),
        unary("audit/list", R, audit::list),
        unary("sync/connect", M, sync::connect).local(),
        unary("sync/status", R, sync::status),
        unary("sync/push", M, sync::push).local(),
        unary("sync/pull", M, sync::pull).local(),
        unary("sync/receive", M, sync::receive),
        unary("sync/send", R, sync::send),
        unary("demo/status", R, demo::status),
        streaming("demo/load", M, demo::load),
    ]
});

/// Every declared operation, in table order.
pub fn table() -> &'static [Operation] {
    &TABLE
}

/// Stop what runs in the background for this core (evaluation jobs), then make everything durable and close the
/// store. Transports that stay up (the server, the desktop app) call this on exit.
pub async fn shutdown(core: &crate::Core) -> crate::Result<usize> {
    let stopped = core.shared::<jobs::Jobs>().shutdown().await;
    core.shutdown().await?;
    Ok(stopped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_domain_slash_verb_in_snake_case() {
        let mut names: Vec<&str> = table().iter().map(|op| op.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "an operation is declared twice");
        let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        for op in table() {
            assert!(word(op.domain()) && word(op.verb()), "{} is not domain/verb", op.name);
        }
    }

    #[test]
    fn streaming_operations_declare_their_event_type_and_unary_ones_do_not() {
        for op in table() {
            assert_eq!(op.event.is_some(), op.shape() == Shape::Streaming, "{}", op.name);
        }
        let streaming: Vec<&str> =
            table().iter().filter(|op| op.shape() == Shape::Streaming).map(|op| op.name).collect();
        assert_eq!(streaming, ["evals/benchmark", "evals/watch", "monitor/watch", "demo/load"]);
    }
}

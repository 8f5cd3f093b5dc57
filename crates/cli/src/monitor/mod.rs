//! The `monitor` command group: the performance summary and the error list of the last N hours (rendered in
//! `summary.rs`), resolving an error, and system health, alerts and the live view (in `health.rs`). Arguments →
//! `api::monitor` / `api::health` → text and tables, or `--json`.

pub mod health;
pub mod summary;

use clap::Subcommand;

use crate::Output;
use browser_ai_mlops_core::api::monitor::{self as api, ErrorsInput, PerformanceInput, ResolveErrorInput};
use browser_ai_mlops_core::util::fmt_ms;
use browser_ai_mlops_core::{Core, Result};

#[derive(Debug, Subcommand)]
pub enum MonitorCmd {
    /// Tasks, success and error rates, duration and LLM latency percentiles, tokens, cost, actions, page loads and
    /// top errors over the last N hours
    Performance {
        /// Window length in hours, ending now
        #[arg(long, default_value_t = 24)]
        hours: u32,
    },
    /// Errors of the last N hours, newest first, with counts by type and each type's most recent message
    Errors {
        /// Window length in hours, ending now
        #[arg(long, default_value_t = 24)]
        hours: u32,
        /// Only errors not resolved yet
        #[arg(long)]
        unresolved: bool,
        /// Most errors listed (counts cover all of them)
        #[arg(long, default_value_t = api::DEFAULT_ERROR_LIMIT)]
        limit: u32,
    },
    /// Mark an error resolved
    ResolveError {
        /// Error id (from `monitor errors`)
        id: String,
    },
    /// System health now: CPU, memory, disk of the data dir, network, this process; status from the thresholds
    Health(health::HealthArgs),
    /// Alerts fired from the config's thresholds (open ones unless --all)
    Alerts(health::AlertsArgs),
    /// Live view: health, open alerts and the last hour's tasks, refreshed in place (Ctrl-C to stop)
    Watch(health::WatchArgs),
}

pub async fn run(core: &Core, cmd: MonitorCmd, out: &Output) -> Result<i32> {
    match cmd {
        MonitorCmd::Health(_) => return health::health(core, out).await,
        MonitorCmd::Alerts(args) => return health::alerts(core, out, args).await,
        MonitorCmd::Watch(args) => return health::watch(core, out, args).await,
        MonitorCmd::Performance { hours } => {
            let summary = api::performance(core, PerformanceInput { hours }).await?;
            out.emit(&summary, summary::render_performance)?;
        }
        MonitorCmd::Errors { hours, unresolved, limit } => {
            let list =
                api::errors(core, ErrorsInput { hours, unresolved_only: unresolved, limit: Some(limit) }).await?;
            out.emit(&list, summary::render_errors)?;
        }
        MonitorCmd::ResolveError { id } => {
            let resolved = api::resolve_error(core, ResolveErrorInput { id }).await?;
            out.emit(&resolved, |r| {
                let when = fmt_ms(r.error.resolved_at_ms);
                if r.was_already_resolved {
                    format!("error {} was already resolved at {when}", r.error.id)
                } else {
                    format!("error {} ({}) resolved at {when}", r.error.id, r.error.error_type)
                }
            })?;
        }
    }
    Ok(0)
}

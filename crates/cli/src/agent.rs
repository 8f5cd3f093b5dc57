//! `agent run "TASK"`: one ad-hoc task on real Chromium, tracked as a run.

use clap::Subcommand;

use crate::Output;
use crate::output::fields;
use browser_ai_mlops_core::api::evals as api;
use browser_ai_mlops_core::evaluator::adhoc::AdhocRequest;
use browser_ai_mlops_core::{Core, Result};

#[derive(Debug, Subcommand)]
pub enum AgentCmd {
    /// Run one task with a model version (default: the offline baseline) and record everything as a run
    Run {
        /// What the agent should do
        task: String,
        /// Model version reference (NAME:N, NAME@alias, NAME, id); default: the offline baseline
        #[arg(long)]
        model: Option<String>,
        /// Start URL: any URL, or site://<site>/ for a bundled site (default site://search/)
        #[arg(long)]
        start_url: Option<String>,
        /// Show the browser window
        #[arg(long)]
        headful: bool,
        /// Time limit in seconds
        #[arg(long, default_value_t = 120)]
        timeout: u32,
    },
}

pub async fn run(core: &Core, cmd: AgentCmd, out: &Output) -> Result<i32> {
    match cmd {
        AgentCmd::Run { task, model, start_url, headful, timeout } => {
            let r =
                api::agent_run(core, AdhocRequest { task, model, start_url, headful, timeout_secs: timeout }).await?;
            out.emit(&r, |r| {
                let o = &r.outcome;
                fields(&[
                    ("run", r.run_id.clone()),
                    ("planner", r.planner.clone()),
                    ("start", r.start_url.clone()),
                    ("stopped", o.stop_reason.as_str().to_string()),
                    (
                        "agent says",
                        format!(
                            "{}{}",
                            if o.success { "done" } else { "not done" },
                            o.answer.as_ref().map(|a| format!(": {a}")).unwrap_or_default()
                        ),
                    ),
                    ("steps", format!("{} ({} actions, {} failed)", o.steps, o.actions, o.failed_actions)),
                    ("final url", o.final_url.clone()),
                    ("error", o.error.clone().unwrap_or_else(|| "-".into())),
                ])
            })?;
        }
    }
    Ok(0)
}

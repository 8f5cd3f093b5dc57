//! The command line: clap derive, one file per command group. Each group turns its arguments into an `api::` input,
//! calls the operation table and renders the typed output (a table, or JSON with `--json`).

pub mod agent;
pub mod bench;
pub mod completions;
pub mod config;
pub mod demo;
pub mod eval;
pub mod exit;
pub mod experiments;
pub mod hint;
pub mod models;
pub mod monitor;
pub mod output;
pub mod progress;
pub mod reference;
pub mod report;
pub mod run_search;
pub mod run_steps;
pub mod runs;
pub mod secrets;
pub mod serve;
pub mod sync;
pub mod team;

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

use browser_ai_mlops_core::core::{Core, Settings};
use browser_ai_mlops_core::error::{Error, Result};
pub use output::Output;

#[derive(Debug, Parser)]
#[command(name = "browser-ai-mlops", version, about = "MLOps workbench for LLM browser agents", max_term_width = 110)]
pub struct Cli {
    /// Directory holding the database (default: the platform data dir; env BROWSER_AI_MLOPS_DATA_DIR)
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Directory holding environment configs (default: the platform config dir; env BROWSER_AI_MLOPS_CONFIG_DIR)
    #[arg(long, global = true, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Active environment: development, staging, production or any config in the config dir
    #[arg(long = "env", global = true, value_name = "ENV")]
    pub environment: Option<String>,
    /// Override one config value for this invocation, e.g. --set llm.temperature=0.2 (repeatable)
    #[arg(long = "set", global = true, value_name = "SECTION.KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Print stable machine-readable JSON instead of tables
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Environment configs and feature flags
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// Experiments: named groups of runs
    #[command(subcommand)]
    Experiment(experiments::ExperimentCmd),
    /// Runs: params, tags, metrics, search and comparison
    #[command(subcommand)]
    Run(runs::RunCmd),
    /// Model registry: versions, aliases, deployments
    #[command(subcommand)]
    Model(models::ModelCmd),
    /// Evaluations: task suites, benchmark runs, results and comparisons
    #[command(subcommand, visible_alias = "evaluate")]
    Eval(eval::EvalCmd),
    /// Provider API keys in the OS keychain: set (value from stdin or a hidden prompt), delete, status
    #[command(subcommand)]
    Secrets(secrets::SecretsCmd),
    /// Run the browser agent on one ad-hoc task
    #[command(subcommand)]
    Agent(agent::AgentCmd),
    /// Monitoring: performance and errors of agent tasks, system health, alerts and a live view
    #[command(subcommand)]
    Monitor(monitor::MonitorCmd),
    /// Exercise the whole product end to end on a fresh data dir and print what happened
    Demo(demo::DemoArgs),
    /// Measure tracker ingestion and search performance
    Bench(bench::BenchArgs),
    /// Serve the operation table over HTTP, with /metrics for Prometheus
    Serve(serve::ServeArgs),
    /// The team server's users and API tokens
    Server(team::ServerArgs),
    /// Sync this machine's store with a team server
    #[command(subcommand)]
    Sync(sync::SyncCmd),
    /// Reports of the last N days: HTML with inline charts, Markdown with PNG charts, or JSON
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// The former spelling of `report generate`, kept for scripts
    #[command(hide = true)]
    GenerateReport(report::ReportArgs),
    /// Print a shell completion script
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print this command line's Markdown reference (docs/reference/cli.md is this output)
    #[command(hide = true)]
    Reference,
}

/// Run one parsed command line; returns the process exit code for non-error outcomes.
pub async fn run(cli: Cli) -> Result<i32> {
    let out = Output { json: cli.json };
    if let Command::Completions { shell } = cli.command {
        output::write_stdout(&completions::script(shell))?;
        return Ok(0);
    }
    if let Command::Reference = cli.command {
        output::write_stdout(&reference::markdown(&Cli::command()))?;
        return Ok(0);
    }
    let mut settings = Settings::resolve(cli.data_dir, cli.config_dir, cli.environment)?;
    settings.overrides = parse_overrides(&cli.overrides)?;
    let core = Core::new(settings);
    let command = match cli.command {
        // The server owns its core and closes it on shutdown.
        Command::Serve(args) => return serve::run(core, args).await,
        other => other,
    };
    let result = match command {
        Command::Config(cmd) => config::run(&core, cmd, &out).await,
        Command::Experiment(cmd) => experiments::run(&core, cmd, &out).await,
        Command::Run(cmd) => runs::run(&core, cmd, &out).await,
        Command::Model(cmd) => models::run(&core, cmd, &out).await,
        Command::Eval(cmd) => eval::run(&core, cmd, &out).await,
        Command::Agent(cmd) => agent::run(&core, cmd, &out).await,
        Command::Secrets(cmd) => secrets::run(&core, cmd, &out).await,
        Command::Monitor(cmd) => monitor::run(&core, cmd, &out).await,
        Command::Demo(args) => demo::run(&core, args, &out).await,
        Command::Bench(args) => bench::run(&core, args, &out).await,
        Command::Server(cmd) => team::run(&core, cmd, &out).await,
        Command::Sync(cmd) => sync::run(&core, cmd, &out).await,
        Command::Report(report::ReportCmd::Generate(args)) | Command::GenerateReport(args) => {
            report::generate(&core, args, &out).await
        }
        Command::Completions { .. } | Command::Serve(_) | Command::Reference => Ok(0),
    };
    let closed = core.shutdown().await;
    let code = result?;
    closed?;
    Ok(code)
}

fn parse_overrides(raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(Error::Input(format!("--set {s:?}: expected SECTION.KEY=VALUE, e.g. --set llm.temperature=0.2"))),
        })
        .collect()
}

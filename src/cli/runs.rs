//! `run …` commands.
use clap::Subcommand;

use crate::{Core, Result, cli::Output};

#[derive(Debug, Subcommand)]
pub enum RunCmd {
    /// Search runs with a filter expression
    Search(super::run_search::SearchArgs),
    /// List runs, newest first
    List(super::run_search::ListArgs),
}

pub async fn run(core: &Core, cmd: RunCmd, out: &Output) -> Result<i32> {
    match cmd {
        RunCmd::Search(args) => super::run_search::search(core, args, out).await,
        RunCmd::List(args) => super::run_search::list(core, args, out).await,
    }
}

//! `experiment …` commands.
use clap::Subcommand;

use crate::{Core, Result, cli::Output};

#[derive(Debug, Subcommand)]
pub enum ExperimentCmd {
    /// List experiments
    List,
}

pub async fn run(_core: &Core, _cmd: ExperimentCmd, _out: &Output) -> Result<i32> {
    Ok(0)
}

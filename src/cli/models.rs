//! `model …` commands.
use clap::Subcommand;

use crate::{Core, Result, cli::Output};

#[derive(Debug, Subcommand)]
pub enum ModelCmd {
    /// List models
    List,
}

pub async fn run(_core: &Core, _cmd: ModelCmd, _out: &Output) -> Result<i32> {
    Ok(0)
}

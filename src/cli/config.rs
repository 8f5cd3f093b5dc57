//! `config …` commands.
use clap::Subcommand;

use crate::{Core, Result, cli::Output};

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// List the environments in the config dir
    ListEnvs,
}

pub async fn run(_core: &Core, _cmd: ConfigCmd, _out: &Output) -> Result<i32> {
    Ok(0)
}

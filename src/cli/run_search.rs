//! `run search`: filter expression, order and pagination over runs.
use clap::Args;

use crate::{Core, Result, cli::Output};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Filter expression, e.g. "metrics.success_rate > 0.8 and status = 'finished'"
    pub filter: Option<String>,
}

pub async fn search(_core: &Core, _args: SearchArgs, _out: &Output) -> Result<i32> {
    Ok(0)
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only runs of this experiment (id or name)
    #[arg(long)]
    pub experiment: Option<String>,
}

pub async fn list(_core: &Core, _args: ListArgs, _out: &Output) -> Result<i32> {
    Ok(0)
}

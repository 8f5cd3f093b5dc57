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

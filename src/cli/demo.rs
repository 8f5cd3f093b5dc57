//! `demo`: the README's main job.
use clap::Args;

use crate::{Core, Result, cli::Output};

#[derive(Debug, Args)]
pub struct DemoArgs {}

pub async fn run(_core: &Core, _args: DemoArgs, _out: &Output) -> Result<i32> {
    Ok(0)
}

//! `bench`: tracker performance figures.
use clap::Args;

use crate::{Core, Result, cli::Output};

#[derive(Debug, Args)]
pub struct BenchArgs {}

pub async fn run(_core: &Core, _args: BenchArgs, _out: &Output) -> Result<i32> {
    Ok(0)
}

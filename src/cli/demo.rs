//! `demo`: the README's main job — runs `crate::demo` and prints its narrative (or the report with `--json`).
use clap::Args;

use crate::{Core, Result, cli::Output};

#[derive(Debug, Args)]
pub struct DemoArgs {}

pub async fn run(core: &Core, _args: DemoArgs, out: &Output) -> Result<i32> {
    let json = out.json;
    let mut say = |line: &str| {
        if !json {
            let _ = super::output::write_stdout(&format!("{line}\n"));
        }
    };
    let report = crate::demo::run(core, &mut say).await?;
    if json {
        out.emit(&report, |_| String::new())?;
    }
    Ok(0)
}

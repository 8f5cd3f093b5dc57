//! `demo`: the README's main job — runs `browser_ai_mlops_core::api::demo::script` and prints its narrative (or the
//! report with `--json`), with a spinner on a terminal's stderr while a step runs.
use clap::Args;

use crate::Output;
use browser_ai_mlops_core::api::Sink;
use browser_ai_mlops_core::api::demo::{LoadDemoInput, load};
use browser_ai_mlops_core::evaluator::Category;
use browser_ai_mlops_core::{Core, Error, Result};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Skip the browser-agent evaluation (no Chromium needed)
    #[arg(long)]
    pub no_eval: bool,
    /// Evaluate only this task category instead of every easy task
    #[arg(long)]
    pub category: Option<String>,
    /// Task attempts running at once
    #[arg(long, default_value_t = 2)]
    pub concurrency: u32,
}

pub async fn run(core: &Core, args: DemoArgs, out: &Output) -> Result<i32> {
    let category = args
        .category
        .map(|c| {
            serde_json::from_value::<Category>(serde_json::Value::String(c.clone())).map_err(|_| {
                Error::Input(format!("--category {c:?}: expected a task category such as dynamic or search"))
            })
        })
        .transpose()?;
    let input = LoadDemoInput { no_eval: args.no_eval, category, concurrency: Some(args.concurrency) };
    let json = out.json;
    // While a step runs (the browser step takes a while), a spinner on a terminal's stderr names the last line.
    let spinner = crate::progress::spinner(out, "starting the demo");
    // The narrative arrives line by line as the demo does each step (the streaming operation `demo/load`); a closed
    // stdout stops the demo.
    let say = {
        let spinner = spinner.clone();
        Sink::new(move |line: String| {
            if json {
                return true;
            }
            let written =
                spinner.suspend(|| super::output::write_stdout(&format!("{}\n", super::output::escape_lines(&line))));
            if !line.trim().is_empty() {
                spinner.set_message(line.trim().to_string());
            }
            written.is_ok()
        })
    };
    let loaded = load(core, input, say).await;
    spinner.finish_and_clear();
    let loaded = loaded?;
    if json {
        out.emit(&loaded.report, |_| String::new())?;
    }
    Ok(0)
}

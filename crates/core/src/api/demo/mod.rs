//! Operation table: the demo's data. `status` tells a first start (an empty data dir: no experiments, no models) so the
//! desktop app and the web UI can offer to load the demo; `load` runs the same script (`script`) the CLI's `demo` runs
//! (a real sweep, registry round and, unless skipped, a real browser-agent evaluation on Chromium) and returns its
//! narrative with the report, so the UI shows exactly what was stored.

use futures::future::BoxFuture;

use super::op::Sink;
use serde::{Deserialize, Serialize};

pub mod evaluation;
pub mod script;
pub mod sweep;

use crate::evaluator::Category;
use crate::{Core, Result};
use evaluation::DemoEvalOptions;
use script::DemoReport;

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct DemoStatusInput {}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct DemoStatus {
    /// Nothing is stored yet (no experiments, archived ones included, and no models): offer the demo.
    pub empty: bool,
    pub experiments: u32,
    pub models: u32,
}

/// Is this a first start?
pub async fn status(core: &Core, _input: DemoStatusInput) -> Result<DemoStatus> {
    let experiments = core.tracker().await?.list_experiments(true).await?.len();
    let models = crate::api::models::list(core, Default::default()).await?.models.len();
    Ok(DemoStatus {
        empty: experiments == 0 && models == 0,
        experiments: u32::try_from(experiments).unwrap_or(u32::MAX),
        models: u32::try_from(models).unwrap_or(u32::MAX),
    })
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct LoadDemoInput {
    /// Skip the browser-agent evaluation (no Chromium needed; much faster).
    #[serde(default)]
    pub no_eval: bool,
    /// Evaluate only this task category instead of every easy task.
    #[serde(default)]
    pub category: Option<Category>,
    /// Task attempts running at once (default 2).
    #[serde(default)]
    pub concurrency: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct LoadDemoOutput {
    /// The demo's narrative, line by line (what `browser-ai-mlops demo` prints).
    pub narrative: Vec<String>,
    pub report: DemoReport,
}

/// Run the demo on this data dir; each line of its narrative is sent as it happens. (A boxed `Send` future: the
/// demo's narrative callback is a `dyn FnMut(&str)`, and checking `Send` here, where the lifetimes are concrete,
/// spares the operation table a higher-ranked `Send` proof the compiler cannot make.)
pub fn load(core: &Core, input: LoadDemoInput, sink: Sink<String>) -> BoxFuture<'_, Result<LoadDemoOutput>> {
    Box::pin(async move {
        let eval = (!input.no_eval).then_some(DemoEvalOptions {
            category: input.category,
            concurrency: input.concurrency.unwrap_or(2).max(1),
        });
        let mut narrative = Vec::new();
        let mut say = |text: &str| {
            for line in text.lines() {
                sink.send(line.to_string());
                narrative.push(line.to_string());
            }
        };
        let report = script::run(core, eval.as_ref(), &mut say).await?;
        Ok(LoadDemoOutput { narrative, report })
    })
}

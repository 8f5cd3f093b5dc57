//! `api::demo` on a real SQLite file: a fresh data dir is a first start, loading the demo (without the browser part)
//! stores what its report says, and the data dir is no longer empty afterwards.

use browser_ai_mlops_core::Core;
use browser_ai_mlops_core::api::demo::{LoadDemoInput, load, status};
use browser_ai_mlops_core::api::experiments::{self, ExperimentRef};
use browser_ai_mlops_core::api::models::{ModelNameInput, versions};
use browser_ai_mlops_core::api::runs::{self, RunRef};

use crate::util::Home;

#[tokio::test]
async fn a_fresh_data_dir_is_a_first_start_until_the_demo_is_loaded() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let before = status(&core, Default::default()).await.unwrap();
    assert!(before.empty);
    assert_eq!((before.experiments, before.models), (0, 0));

    let streamed = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = {
        let streamed = std::sync::Arc::clone(&streamed);
        browser_ai_mlops_core::api::Sink::new(move |line: String| {
            streamed.lock().unwrap().push(line);
            true
        })
    };
    let out = load(&core, LoadDemoInput { no_eval: true, ..Default::default() }, sink).await.unwrap();
    // The narrative was streamed line by line as it happened, and the answer repeats it whole.
    assert_eq!(*streamed.lock().unwrap(), out.narrative);
    assert!(out.report.evaluation.is_none(), "no_eval must skip the browser part");
    assert!(
        out.narrative.iter().any(|l| l.contains(&out.report.experiment)),
        "the narrative names the experiment it created"
    );

    // What the report says was stored is in the store.
    let exp = experiments::show(&core, ExperimentRef { experiment: out.report.experiment.clone() }).await.unwrap();
    assert!(exp.runs.total as usize >= out.report.runs.len(), "{exp:?}");
    for r in &out.report.runs {
        let stored = runs::show(&core, RunRef { run_id: r.run_id.clone() }).await.unwrap();
        assert_eq!(stored.run.status, r.status, "run {} as reported", r.run_id);
    }
    let v = versions(&core, ModelNameInput { name: out.report.model.clone() }).await.unwrap();
    assert!(v.versions.len() >= 2, "the registry round creates a second version");

    let after = status(&core, Default::default()).await.unwrap();
    assert!(!after.empty);
    assert_eq!(after.experiments, 1);
    assert!(after.models >= 1);
}

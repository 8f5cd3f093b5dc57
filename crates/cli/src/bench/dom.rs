//! Benchmarks of the engine on a generated page (run by hand or by the CLI bench, never asserted in tests): DOM
//! state extraction + serialisation for N interactive elements, and the latency of `click` and `input_text`.

use std::time::Instant;

use serde::Serialize;

use browser_ai_mlops_core::browser::dom::ScriptProfile;
use browser_ai_mlops_core::browser::pool::BrowserPool;
use browser_ai_mlops_core::browser::session::{StateOptions, StateTimings};
use browser_ai_mlops_core::browser::types::BrowserAction;
use browser_ai_mlops_core::browser::{BrowserError, Result};
use browser_ai_mlops_testkit::TestServer;

/// Timings of `Session::state` on a page with `elements` interactive elements.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, specta::Type)]
pub struct DomBenchFigures {
    pub elements: usize,
    /// Elements the state actually listed (all of them fit in the viewport).
    pub indexed: usize,
    pub reps: usize,
    /// `state()` on a page whose document already has the collector installed (every step but the first after a
    /// navigation), in steady state: measured after the `early_reps` calls below.
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub serialized_bytes: usize,
    /// The `early_reps` calls right after the collector was installed, while V8 is still optimising it (median).
    pub early_median_ms: f64,
    pub early_reps: usize,
    /// The first `state()` after a (re)load: installs the collector and runs it cold (median of `cold_reps`).
    pub cold_median_ms: f64,
    pub cold_reps: usize,
    /// Where a state's time goes, medians over the same runs as `median_ms`: `Target.getTargets` (concurrent with
    /// the collector), the collector's whole `Runtime.evaluate` round trip (script + CDP transfer of its JSON), and
    /// the Rust side (parsing that JSON; building the elements, the serialisation and its hash).
    pub targets_median_ms: f64,
    pub evaluate_median_ms: f64,
    pub parse_median_ms: f64,
    pub build_median_ms: f64,
    /// Parse + build (kept for comparison with earlier figures).
    pub rust_median_ms: f64,
    /// The page script's own phases (`performance.now()` in the page), medians of extra runs with profiling on:
    /// the whole call, the tree walk, the occlusion tests + attributes of listed elements, the index map.
    pub script_median_ms: f64,
    pub script_walk_median_ms: f64,
    pub script_output_median_ms: f64,
    pub script_mark_median_ms: f64,
}

/// Timings of single actions on the same kind of page.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, specta::Type)]
pub struct ActionBenchFigures {
    pub reps: usize,
    pub click_median_ms: f64,
    pub click_p95_ms: f64,
    pub input_text_median_ms: f64,
    pub input_text_p95_ms: f64,
}

/// A page with `n` small buttons, inputs and links in a grid that fits a 1280×900 viewport.
pub fn generated_page(n: usize) -> String {
    let mut html = String::from(
        "<!doctype html><html><head><title>bench</title><style>body{margin:0;font:9px sans-serif}\
         .g{display:grid;grid-template-columns:repeat(40,31px);gap:1px}.g>*{width:30px;height:18px;padding:0;\
         margin:0;font-size:8px;overflow:hidden;box-sizing:border-box}</style></head><body><div class=g>",
    );
    for i in 0..n {
        match i % 4 {
            0 => html
                .push_str(&format!("<button id=b{i} onclick=\"this.dataset.n=(+this.dataset.n||0)+1\">b{i}</button>")),
            1 => html.push_str(&format!("<input id=i{i} name=f{i} placeholder=p{i}>")),
            2 => html.push_str(&format!("<a href=#a{i}>a{i}</a>")),
            _ => html.push_str(&format!("<span role=button tabindex=0>s{i}</span>")),
        }
    }
    html.push_str("</div></body></html>");
    html
}

/// Nearest-rank percentile (`pct` in 0..=100) of ascending values; 0 for none.
fn pct(sorted: &[f64], pct: u32) -> f64 {
    browser_ai_mlops_core::stats::nearest_rank(sorted, pct).unwrap_or(0.0)
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Calls timed apart right after the collector is installed, before the steady-state ones (at most `reps`).
pub const EARLY_CALLS: usize = 10;

/// Median/p95 of `state()` (tab list + extraction + serialisation + hash) over `reps` runs on a page with `elements`
/// elements and the split of that time, after (and apart from) the first `min(reps, EARLY_CALLS)` calls; then the page
/// script's phases and the first state after a reload (cold).
pub async fn bench_dom(pool: &BrowserPool, elements: usize, reps: usize) -> Result<DomBenchFigures> {
    let server = TestServer::start(None, vec![("/bench.html".into(), generated_page(elements))])
        .await
        .map_err(|source| BrowserError::Io { context: "starting the bench server".into(), source })?;
    let mut session = pool.session().await?;
    let url = server.url("/bench.html");
    session.goto(&url).await?;
    let first = session.state(StateOptions::default()).await?;
    let reps = reps.max(1);
    let early_reps = reps.clamp(1, EARLY_CALLS);
    let mut early = Vec::with_capacity(early_reps);
    for _ in 0..early_reps {
        let t = Instant::now();
        std::hint::black_box(session.state(StateOptions::default()).await?);
        early.push(ms_since(t));
    }
    let early = sorted(early);
    let mut runs: Vec<StateTimings> = Vec::with_capacity(reps);
    for _ in 0..reps {
        let (state, timings) = session.state_timed(StateOptions::default(), false).await?;
        std::hint::black_box(state);
        runs.push(timings);
    }
    let column = |f: fn(&StateTimings) -> f64| sorted(runs.iter().map(f).collect());
    let times = column(|t| t.total_ms);
    let targets = column(|t| t.targets_ms);
    let evaluate = column(|t| t.evaluate_ms);
    let parse = column(|t| t.parse_ms);
    let build = column(|t| t.build_ms);
    let rust = column(|t| t.parse_ms + t.build_ms);
    let mut profiles = Vec::with_capacity(reps);
    for _ in 0..reps {
        let (_, timings) = session.state_timed(StateOptions::default(), true).await?;
        profiles.push(timings.script.unwrap_or_default());
    }
    let phase = |f: fn(&ScriptProfile) -> f64| pct(&sorted(profiles.iter().map(f).collect()), 50);
    let cold_reps = reps.clamp(1, 10);
    let mut cold = Vec::with_capacity(cold_reps);
    for _ in 0..cold_reps {
        session.goto(&url).await?;
        let t = Instant::now();
        std::hint::black_box(session.state(StateOptions::default()).await?);
        cold.push(ms_since(t));
    }
    let cold = sorted(cold);
    session.close().await?;
    Ok(DomBenchFigures {
        elements,
        indexed: first.elements.len(),
        reps: times.len(),
        median_ms: pct(&times, 50),
        p95_ms: pct(&times, 95),
        max_ms: times.last().copied().unwrap_or(0.0),
        serialized_bytes: first.serialized.len(),
        early_median_ms: pct(&early, 50),
        early_reps: early.len(),
        cold_median_ms: pct(&cold, 50),
        cold_reps: cold.len(),
        targets_median_ms: pct(&targets, 50),
        evaluate_median_ms: pct(&evaluate, 50),
        parse_median_ms: pct(&parse, 50),
        build_median_ms: pct(&build, 50),
        rust_median_ms: pct(&rust, 50),
        script_median_ms: phase(|p| p.total),
        script_walk_median_ms: phase(|p| p.walk),
        script_output_median_ms: phase(|p| p.output),
        script_mark_median_ms: phase(|p| p.mark),
    })
}

/// Median/p95 latency of `click` (a button, no navigation) and `input_text` on a page with `elements` elements,
/// including the change detection each action does.
pub async fn bench_actions(pool: &BrowserPool, elements: usize, reps: usize) -> Result<ActionBenchFigures> {
    let server = TestServer::start(None, vec![("/bench.html".into(), generated_page(elements.max(4)))])
        .await
        .map_err(|source| BrowserError::Io { context: "starting the bench server".into(), source })?;
    let mut session = pool.session().await?;
    session.goto(&server.url("/bench.html")).await?;
    session.state(StateOptions::default()).await?;
    let (mut clicks, mut inputs) = (Vec::new(), Vec::new());
    for i in 0..reps.max(1) {
        let t = Instant::now();
        session.execute(&BrowserAction::Click { index: 0 }).await?;
        clicks.push(ms_since(t));
        let t = Instant::now();
        session.execute(&BrowserAction::InputText { index: 1, text: format!("text {i}") }).await?;
        inputs.push(ms_since(t));
    }
    let (clicks, inputs) = (sorted(clicks), sorted(inputs));
    session.close().await?;
    Ok(ActionBenchFigures {
        reps: clicks.len(),
        click_median_ms: pct(&clicks, 50),
        click_p95_ms: pct(&clicks, 95),
        input_text_median_ms: pct(&inputs, 50),
        input_text_p95_ms: pct(&inputs, 95),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let v = sorted((1..=20).rev().map(f64::from).collect());
        assert_eq!(pct(&v, 50), 10.0);
        assert_eq!(pct(&v, 95), 19.0);
        assert_eq!(pct(&[], 50), 0.0);
    }

    #[test]
    fn generated_page_has_the_requested_elements() {
        let html = generated_page(8);
        assert_eq!(html.matches("<button").count(), 2);
        assert_eq!(html.matches("<input").count(), 2);
        assert_eq!(html.matches("<a href").count(), 2);
        assert_eq!(html.matches("role=button").count(), 2);
    }
}

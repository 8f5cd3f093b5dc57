//! Benchmarks of the engine on a generated page (run by hand or by the CLI bench, never asserted in tests): DOM
//! state extraction + serialisation for N interactive elements, and the latency of `click` and `input_text`.

use std::time::Instant;

use serde::Serialize;

use super::dom::{DOM_JS, build_state, parse_raw};
use super::pool::BrowserPool;
use super::session::StateOptions;
use super::testserver::TestServer;
use super::types::BrowserAction;
use super::{BrowserError, Result};

/// Timings of `Session::state` on a page with `elements` interactive elements.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, specta::Type)]
pub struct DomBenchFigures {
    pub elements: usize,
    /// Elements the state actually listed (all of them fit in the viewport).
    pub indexed: usize,
    pub reps: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub serialized_bytes: usize,
    /// Where a state's time goes, measured separately in extra runs of the collector (medians): the script itself
    /// (`performance.now()` in the page), the whole `Runtime.evaluate` call around it (script + CDP transfer of its
    /// JSON), and the Rust side (parsing that JSON, building the serialisation, hashing it).
    pub script_median_ms: f64,
    pub evaluate_median_ms: f64,
    pub rust_median_ms: f64,
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Median/p95 of `state()` (tab list + extraction + serialisation + hash) over `reps` runs on a page with `elements`
/// elements, then the split of the time between the page script, the CDP call and the Rust side.
pub async fn bench_dom(pool: &BrowserPool, elements: usize, reps: usize) -> Result<DomBenchFigures> {
    let server = TestServer::start(None, vec![("/bench.html".into(), generated_page(elements))])
        .await
        .map_err(|source| BrowserError::Io { context: "starting the bench server".into(), source })?;
    let mut session = pool.session().await?;
    session.goto(&server.url("/bench.html")).await?;
    let first = session.state(StateOptions::default()).await?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let state = session.state(StateOptions::default()).await?;
        times.push(ms_since(t));
        std::hint::black_box(state);
    }
    times.sort_by(f64::total_cmp);
    let (mut script, mut evaluate, mut rust) = (Vec::new(), Vec::new(), Vec::new());
    let timed = format!(
        "(() => {{ const t0 = performance.now(); const r = ({DOM_JS})({{mark: true}}); \
         window.__bamBenchMs = performance.now() - t0; return r; }})()"
    );
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let value = session.eval_internal("reading the page", timed.clone()).await?;
        evaluate.push(ms_since(t));
        let t = Instant::now();
        let raw = parse_raw(value.as_str().unwrap_or_default())
            .map_err(|e| BrowserError::Cdp { op: "reading the page".into(), reason: e.to_string() })?;
        std::hint::black_box(build_state(raw, Vec::new()));
        rust.push(ms_since(t));
        script.push(session.eval_internal("bench timing", "window.__bamBenchMs".into()).await?.as_f64().unwrap_or(0.0));
    }
    for v in [&mut script, &mut evaluate, &mut rust] {
        v.sort_by(f64::total_cmp);
    }
    session.close().await?;
    Ok(DomBenchFigures {
        elements,
        indexed: first.elements.len(),
        reps: times.len(),
        median_ms: percentile(&times, 0.5),
        p95_ms: percentile(&times, 0.95),
        max_ms: times.last().copied().unwrap_or(0.0),
        serialized_bytes: first.serialized.len(),
        script_median_ms: percentile(&script, 0.5),
        evaluate_median_ms: percentile(&evaluate, 0.5),
        rust_median_ms: percentile(&rust, 0.5),
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
    clicks.sort_by(f64::total_cmp);
    inputs.sort_by(f64::total_cmp);
    session.close().await?;
    Ok(ActionBenchFigures {
        reps: clicks.len(),
        click_median_ms: percentile(&clicks, 0.5),
        click_p95_ms: percentile(&clicks, 0.95),
        input_text_median_ms: percentile(&inputs, 0.5),
        input_text_p95_ms: percentile(&inputs, 0.95),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 10.0);
        assert_eq!(percentile(&v, 0.95), 19.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
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

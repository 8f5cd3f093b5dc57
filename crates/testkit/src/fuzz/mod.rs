//! Fuzzing entry points: one function per fuzz target, each taking arbitrary bytes and checking that the parser (or
//! the operation) behind it neither panics nor breaks its invariants. The libFuzzer binaries in `fuzz/` call these,
//! and `tests/fuzz_corpus.rs` replays the committed corpora (`fuzz/corpus/<target>/`) and crash reproducers
//! (`fuzz/regressions/<target>/`) through them in the normal test suite. A broken invariant panics with the input
//! shown, which libFuzzer records as a crash.
//!
//! | target | what it runs | invariants beyond "no panic" |
//! |---|---|---|
//! | `filter` | the run search filter and order-by parsers, then a search on a small store | error columns lie inside the text; a filter that parses runs as SQL (never a `Failed` error) |
//! | `suite_yaml` | the benchmark suite parser | a parsed suite saved as YAML parses back to the same suite |
//! | `config_yaml` | the environment config validator | a valid config saved as YAML is valid and equal when read back |
//! | `batch_jsonl` | the batch (JSONL) parser, then the batch logged into a store | a refused batch writes nothing |
//! | `http_body` | any served operation's JSON input through the operation table | no `Failed` answer; a refused call or a read writes nothing |

mod http;
mod world;

use browser_ai_mlops_core::ErrorKind;
use browser_ai_mlops_core::config;
use browser_ai_mlops_core::evaluator::suite;
use browser_ai_mlops_core::tracker::batch;
use browser_ai_mlops_core::tracker::search::{self, SearchQuery};

pub use http::http_body;
pub use world::World;

/// The fuzz targets, by name (also the names of `fuzz/corpus/<target>/`).
pub const TARGETS: [&str; 5] = ["filter", "suite_yaml", "config_yaml", "batch_jsonl", "http_body"];

/// Run the entry point of `target` on `data`; false when `target` is not one of `TARGETS`.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "filter" => filter(data),
        "suite_yaml" => suite_yaml(data),
        "config_yaml" => config_yaml(data),
        "batch_jsonl" => batch_jsonl(data),
        "http_body" => http_body(data),
        _ => return false,
    }
    true
}

/// Text from bytes: invalid UTF-8 is replaced rather than skipped, so every input reaches the parser.
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Filter language: the input is a filter; its first line is also tried as an order-by.
pub fn filter(data: &[u8]) {
    let text = text(data);
    let width = text.chars().count() + 1;
    let filter = search::validate_filter(&text);
    if let Err(e) = &filter {
        let column = e.column().unwrap_or(1);
        assert!((1..=width).contains(&column), "filter {text:?}: column {column} outside 1..={width}: {e}");
    }
    let order = text.lines().next().unwrap_or("").to_string();
    let order_ok = search::validate_order_by(&order);
    if let Err(e) = &order_ok {
        let column = e.column().unwrap_or(1);
        let width = order.chars().count() + 1;
        assert!((1..=width).contains(&column), "order-by {order:?}: column {column} outside 1..={width}: {e}");
    }
    if filter.is_err() {
        return;
    }
    let order_by = if order_ok.is_ok() { vec![order] } else { Vec::new() };
    let query = SearchQuery { filter: Some(text.clone()), order_by, limit: Some(5), ..SearchQuery::default() };
    let world = World::get();
    let _turn = world.turn();
    let core = world.core();
    let answer = world.block_on(async { search::search(core.open_store().await.expect("store"), &query).await });
    if let Err(e) = answer {
        assert_ne!(e.kind(), ErrorKind::Failed, "filter {text:?} parsed but did not run: {e}");
    }
}

/// Benchmark suite YAML: parse, and a parsed suite round-trips through YAML.
pub fn suite_yaml(data: &[u8]) {
    let text = text(data);
    let Ok(parsed) = suite::parse(&text, "fuzz.yaml") else { return };
    let saved = serde_yaml_ng::to_string(&parsed).expect("a parsed suite can be saved");
    match suite::parse(&saved, "saved.yaml") {
        Ok(again) => assert_eq!(again, parsed, "suite changed when saved and read back:\n{saved}"),
        Err(e) => panic!("a parsed suite, saved, does not parse: {e}\ninput: {text:?}\nsaved:\n{saved}"),
    }
}

/// Environment config YAML: validate, and a valid config round-trips through YAML.
pub fn config_yaml(data: &[u8]) {
    let text = text(data);
    let (config, problems) = config::validate_text(&text, "fuzz.yaml", "development");
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let Some(config) = config.filter(|_| errors == 0) else { return };
    let saved = serde_yaml_ng::to_string(&config).expect("a valid config can be saved");
    let (again, problems) = config::validate_text(&saved, "saved.yaml", "development");
    let errors: Vec<String> = problems.iter().filter(|p| p.is_error()).map(|p| p.to_string()).collect();
    assert!(errors.is_empty(), "a valid config, saved, is invalid: {errors:?}\ninput: {text:?}\nsaved:\n{saved}");
    assert_eq!(again.as_ref(), Some(&config), "config changed when saved and read back:\n{saved}");
}

/// Batch JSONL: parse (lines without `run` go to the world's running run), then log into the store; a refused
/// batch must leave the store as it was.
pub fn batch_jsonl(data: &[u8]) {
    let world = World::get();
    let _turn = world.turn();
    let text = world.substitute(&text(data));
    let run_id = world.run_id();
    let Ok(parsed) = batch::parse_text("fuzz.jsonl", &text, Some(&run_id)) else { return };
    let non_blank = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(parsed.lines.len(), non_blank, "a parsed batch dropped or added lines");
    world.block_on(async {
        let before = world.digest().await;
        let core = world.core();
        let tracker = core.open_tracker().await.expect("tracker");
        if let Err(e) = tracker.log_batch(&parsed, None).await {
            tracker.flush().await.expect("flush");
            assert_ne!(e.kind(), ErrorKind::Failed, "batch {text:?} failed: {e}");
            assert_eq!(world.digest().await, before, "a refused batch wrote something: {e}\n{text}");
        }
        world.maybe_reset().await;
    });
}

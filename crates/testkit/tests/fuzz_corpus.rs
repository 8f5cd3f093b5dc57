//! The fuzz corpora in the normal test suite: every committed seed (`fuzz/corpus/<target>/`) and every saved crash
//! reproducer (`fuzz/regressions/<target>/`) goes through the same entry point its libFuzzer target calls, which
//! panics on a broken invariant (see `browser_ai_mlops_testkit::fuzz`).

use std::path::{Path, PathBuf};

use browser_ai_mlops_testkit::fuzz;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted (none when the folder does not exist).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

/// Replay the corpus and the reproducers of `target`; the corpus must not be empty.
fn replay(target: &str) {
    let corpus = inputs("corpus", target);
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ has no seeds");
    for path in corpus.iter().chain(&inputs("regressions", target)) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{target}: {}", path.display());
        assert!(fuzz::run(target, &data), "unknown target {target}");
    }
}

#[test]
fn every_target_has_a_corpus_folder_and_nothing_else_does() {
    let mut found: Vec<String> = std::fs::read_dir(fuzz_dir().join("corpus"))
        .expect("fuzz/corpus")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut targets = fuzz::TARGETS.map(str::to_string).to_vec();
    targets.sort();
    assert_eq!(found, targets);
}

#[test]
fn filter_corpus() {
    replay("filter");
}

#[test]
fn suite_yaml_corpus() {
    replay("suite_yaml");
}

#[test]
fn config_yaml_corpus() {
    replay("config_yaml");
}

#[test]
fn batch_jsonl_corpus() {
    replay("batch_jsonl");
}

#[test]
fn http_body_corpus() {
    replay("http_body");
}

/// Findings too large to commit as files, built here. Each reached SQLite's own limits and came back as an internal
/// error (HTTP 500) before the search refused it or stayed inside them.
mod findings {
    use super::fuzz;
    use serde_json::json;

    fn search(body: serde_json::Value) {
        fuzz::http_body(format!("runs/search\n{body}").as_bytes());
    }

    #[test]
    fn a_filter_with_more_conditions_than_sqlite_joins_tables_is_refused() {
        let conditions: Vec<String> = (0..70).map(|i| format!("metrics.m{i} > 0")).collect();
        fuzz::filter(conditions.join(" and ").as_bytes());
    }

    #[test]
    fn a_long_or_chain_is_refused_before_it_exceeds_sqlites_expression_depth() {
        let conditions: Vec<String> = (0..1500).map(|i| format!("name = 'a{i}'")).collect();
        fuzz::filter(conditions.join(" or ").as_bytes());
    }

    #[test]
    fn an_in_list_longer_than_sqlites_parameters_is_refused() {
        let values: Vec<String> = (0..40_000).map(|i| format!("'a{i}'")).collect();
        fuzz::filter(format!("name in ({})", values.join(",")).as_bytes());
    }

    #[test]
    fn a_search_at_every_limit_runs() {
        // Every condition matches the seeded run, so the 60-table join really runs.
        let conditions: Vec<String> = (0..50).map(|i| format!("metrics.loss > -{i}")).collect();
        let order = ["metrics.a desc, metrics.b, metrics.c, metrics.d", "params.p, tags.t, params.q, tags.u"];
        search(json!({"filter": conditions.join(" and "), "order_by": order, "include_archived": true}));
    }

    #[test]
    fn an_experiment_or_status_named_many_times_counts_once() {
        search(json!({"experiments": vec!["exp"; 40_000], "statuses": vec!["running"; 40_000]}));
        fuzz::http_body(
            format!("runs/list\n{}", json!({"experiment": "exp", "statuses": vec!["running"; 40_000]})).as_bytes(),
        );
    }
}

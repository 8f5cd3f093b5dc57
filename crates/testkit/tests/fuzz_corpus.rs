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

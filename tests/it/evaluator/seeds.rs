//! Real MiniWoB++ pages (the pip package `miniwob`, installed by `scripts/dev setup` into the cache dir's venv):
//! every attempt gets its own recorded seed, so repeats are different episodes and the same `--seed` replays the same
//! ones; the suite hash is computed from the files run; MiniWoB tasks carry no invented difficulty; and `run steps`
//! shows what the agent did.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::util::Home;

/// The `html/` folder of the pip package: `BROWSER_AI_MLOPS_MINIWOB_HTML` (exported by `scripts/dev`), else the
/// venv `scripts/dev setup` creates.
pub(crate) fn pip_miniwob_html() -> PathBuf {
    if let Some(dir) = std::env::var_os("BROWSER_AI_MLOPS_MINIWOB_HTML") {
        return PathBuf::from(dir);
    }
    let lib = dirs_home().join(".cache/browser-ai-mlops/venv/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries
            .flatten()
            .map(|e| e.path().join("site-packages/miniwob/html"))
            .find(|p| p.join("core/core.js").is_file())
    });
    found.unwrap_or_else(|| {
        panic!("MiniWoB++ from PyPI is not installed under {}: run `scripts/dev setup`", lib.display())
    })
}

fn dirs_home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").expect("HOME"))
}

/// (seed, utterance) of each attempt of an evaluation's output, by attempt number.
fn episodes(home: &Home, out: &Value) -> Vec<(u64, String)> {
    let mut rows: Vec<&Value> = out["results"].as_array().unwrap().iter().collect();
    rows.sort_by_key(|r| r["attempt"].as_u64());
    rows.iter()
        .map(|r| {
            let steps = home.json(&["run", "steps", r["run_id"].as_str().unwrap()]);
            let first = steps["messages"][0]["content"].as_str().unwrap_or_default().to_string();
            let utterance = first.lines().find_map(|l| l.strip_prefix("task: ")).unwrap_or_default().to_string();
            assert!(!utterance.is_empty(), "no utterance in {first}");
            (r["seed"].as_u64().unwrap_or_else(|| panic!("no seed in {r}")), utterance)
        })
        .collect()
}

#[test]
fn each_attempt_has_its_own_seed_and_the_same_seed_replays_the_same_episodes() {
    let html = pip_miniwob_html();
    let home = Home::new();
    home.ok(&["model", "register", "mw", "baseline", "label-matcher"]);
    let run = |seed: &str| {
        home.json(&[
            "eval",
            "benchmark",
            "mw:1",
            "--miniwob-dir",
            html.to_str().unwrap(),
            "--task",
            "miniwob:click-button",
            "--repeats",
            "4",
            "--concurrency",
            "1",
            "--seed",
            seed,
        ])
    };
    let first = run("42");
    let a = episodes(&home, &first);
    assert_eq!(a.len(), 4);
    let seeds: BTreeSet<u64> = a.iter().map(|(s, _)| *s).collect();
    assert_eq!(seeds.len(), 4, "every attempt has its own seed: {a:?}");
    // click-button draws its button labels from the seeded generator: four seeds give more than one episode.
    let utterances: BTreeSet<&String> = a.iter().map(|(_, u)| u).collect();
    assert!(utterances.len() > 1, "repeats ran the same episode: {a:?}");
    assert_eq!(first["summary"]["evaluation"]["config"]["seed"], 42);

    // The same base seed replays exactly the same episodes; another gives other seeds.
    assert_eq!(episodes(&home, &run("42")), a);
    let other: BTreeSet<u64> = episodes(&home, &run("43")).iter().map(|(s, _)| *s).collect();
    assert!(other.is_disjoint(&seeds), "{other:?} vs {seeds:?}");

    // No invented difficulty: the results carry none and the runs have no difficulty tag.
    for r in first["results"].as_array().unwrap() {
        assert_eq!(r["difficulty"], "", "{r}");
        let shown = home.json(&["run", "show", r["run_id"].as_str().unwrap()]);
        assert!(shown["tags"].get("difficulty").is_none(), "{shown}");
        assert_eq!(shown["params"]["seed"].as_str().map(|s| s.parse::<u64>().unwrap()), r["seed"].as_u64());
    }
}

#[test]
fn the_miniwob_suite_hash_is_the_hash_of_the_files_run() {
    let home = Home::new();
    home.ok(&["model", "register", "mw", "baseline", "label-matcher"]);
    // A copy of the fixture folder, so one page can be edited.
    let dir = home.path().join("mw-html");
    let src = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/fixtures/miniwob");
    for sub in ["core", "miniwob"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(src.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    let hash = |task: &str| {
        let out = home.json(&["eval", "model", "mw:1", task, "--miniwob-dir", dir.to_str().unwrap()]);
        out["summary"]["evaluation"]["suite_hash"].as_str().unwrap().to_string()
    };
    let button = hash("miniwob:click-button");
    assert_eq!(button.len(), 64, "a SHA-256, not a label: {button}");
    assert_eq!(hash("miniwob:click-button"), button, "the same files hash the same");
    assert_ne!(hash("miniwob:click-partial"), button, "another task's page");
    // Editing the page run, or a shared script, changes the hash.
    let page = dir.join("miniwob/click-button.html");
    std::fs::write(&page, std::fs::read_to_string(&page).unwrap().replace("Cancel", "Abort")).unwrap();
    let edited = hash("miniwob:click-button");
    assert_ne!(edited, button);
    let core = dir.join("core/core.js");
    std::fs::write(&core, std::fs::read_to_string(&core).unwrap() + "\n// edited\n").unwrap();
    assert_ne!(hash("miniwob:click-button"), edited);
}

#[test]
fn run_steps_shows_the_messages_actions_and_evidence_of_an_attempt() {
    let html = pip_miniwob_html();
    let home = Home::new();
    home.ok(&["model", "register", "mw", "baseline", "label-matcher"]);
    let out = home.json(&[
        "eval",
        "model",
        "mw:1",
        "miniwob:click-button",
        "--miniwob-dir",
        html.to_str().unwrap(),
        "--seed",
        "7",
    ]);
    let row = &out["results"][0];
    let run_id = row["run_id"].as_str().unwrap();
    let text = home.ok(&["run", "steps", run_id]);
    let seed = row["seed"].as_u64().unwrap();
    assert!(text.contains(&format!("attempt 1 · seed {seed}")), "{text}");
    assert!(text.contains("step 1\n  user ") && text.contains("\n  assistant "), "{text}");
    // The baseline clicks the button the utterance names: the action line carries its target and outcome.
    let steps = home.json(&["run", "steps", run_id]);
    let utterance = steps["messages"][0]["content"].as_str().unwrap();
    let label = utterance.split('"').nth(1).unwrap_or_else(|| panic!("{utterance}"));
    assert!(text.contains("action     click [") && text.contains(&format!("\"{label}\" → ok")), "{text}");
    let evidence = row["evidence"][0]["observed"].as_str().unwrap();
    assert!(text.contains("check\n  ok     ") && text.contains(evidence), "{text}");
    // An unknown run is an error, not an empty view.
    let err = home.fails(&["run", "steps", "01a0a0a0-0000-7000-8000-000000000000"], 2);
    assert!(err.contains("not found"), "{err}");
}

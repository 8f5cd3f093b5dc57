//! Integration tests: run search. A fixed set of runs is inserted with plain SQL into a real SQLite file (the tracker's
//! writers are built elsewhere); filters, ordering, pagination and scoping are checked against the run ids that data
//! implies, both through `tracker::search::search` and through the real binary.

use std::collections::BTreeSet;

use browser_ai_mlops_core::ErrorKind;
use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::tracker::RunStatus;
use browser_ai_mlops_core::tracker::search::{self, SearchError, SearchQuery};

use crate::util::Home;

/// (id, experiment id, name, status, start_ms, end_ms)
pub(crate) type RunRecord = (&'static str, &'static str, &'static str, &'static str, i64, Option<i64>);
pub(crate) const RUNS: &[RunRecord] = &[
    ("r1", "e1", "alpha", "finished", 1000, Some(5000)),
    ("r2", "e1", "beta", "finished", 2000, Some(3000)),
    ("r3", "e1", "gamma", "failed", 3000, Some(3500)),
    ("r4", "e2", "delta", "running", 4000, None),
    ("r5", "e2", "epsilon", "finished", 5000, Some(9000)),
    ("r6", "e2", "zeta", "killed", 6000, Some(6100)),
    ("r7", "e3", "eta", "finished", 7000, Some(8000)),
];

pub(crate) const PARAMS: &[(&str, &str, &str)] = &[
    ("r1", "llm_model", "gpt-4o"),
    ("r1", "max_steps", "10"),
    ("r1", "temperature", "0.2"),
    ("r2", "llm_model", "gpt-4o"),
    ("r2", "max_steps", "20"),
    ("r3", "llm_model", "claude-3"),
    ("r3", "max_steps", "9"),
    ("r4", "llm_model", "GPT-4o-mini"),
    ("r4", "max_steps", "abc"),
    ("r5", "llm_model", "gpt-4o"),
    ("r5", "a.b", "x"),
    ("r6", "llm_model", "gpt_4o"),
    ("r7", "llm_model", "gpt-4o"),
];

pub(crate) const TAGS: &[(&str, &str, &str)] = &[
    ("r1", "env", "staging"),
    ("r1", "team", "a"),
    ("r2", "env", "prod"),
    ("r3", "env", "staging"),
    ("r4", "env", "staging"),
    ("r5", "env", "staging"),
    ("r5", "note", "it's"),
    ("r7", "env", "staging"),
];

/// (run, key, last, min, max, sum, count)
pub(crate) type SummaryRecord = (&'static str, &'static str, f64, f64, f64, f64, i64);
pub(crate) const METRICS: &[SummaryRecord] = &[
    ("r1", "success_rate", 0.9, 0.5, 0.9, 2.1, 3),
    ("r1", "cost", 1.5, 1.5, 1.5, 1.5, 1),
    ("r1", "val/loss", 0.1, 0.1, 0.1, 0.1, 1),
    ("r2", "success_rate", 0.7, 0.7, 0.7, 0.7, 1),
    ("r2", "cost", 0.5, 0.5, 0.5, 0.5, 1),
    ("r3", "success_rate", 0.95, 0.95, 0.95, 0.95, 1),
    ("r5", "success_rate", 0.85, 0.85, 0.85, 0.85, 1),
    ("r5", "cost", 2.0, 2.0, 2.0, 2.0, 1),
    ("r6", "success_rate", 0.85, 0.85, 0.85, 0.85, 1),
    ("r7", "success_rate", 0.99, 0.99, 0.99, 0.99, 1),
];

/// Open (creating) the store at `path` and insert the experiments, runs, params, tags and metric summaries above.
pub(crate) async fn filled_store(path: &std::path::Path) -> Store {
    let store = Store::open(path).await.unwrap();
    let pool = store.pool();
    for (id, name, archived) in [("e1", "web-nav", 0), ("e2", "forms", 0), ("e3", "old", 1)] {
        sqlx::query(
            "INSERT INTO experiments (id, name, archived, created_at_ms, updated_at_ms) VALUES (?, ?, ?, 0, 0)",
        )
        .bind(id)
        .bind(name)
        .bind(archived)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query("INSERT INTO models (id, name, created_at_ms, updated_at_ms) VALUES ('m', 'agent', 0, 0)")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO model_versions (id, model_id, version, provider, model, temperature, created_at_ms, updated_at_ms) \
         VALUES ('v1', 'm', 1, 'openai', 'gpt-4o', 0.2, 0, 0)",
    )
    .execute(pool)
    .await
    .unwrap();
    for (id, exp, name, status, start, end) in RUNS {
        sqlx::query(
            "INSERT INTO runs (id, experiment_id, name, status, model_version_id, start_ms, end_ms, updated_at_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
        )
        .bind(id)
        .bind(exp)
        .bind(name)
        .bind(status)
        .bind((*id == "r1").then_some("v1"))
        .bind(start)
        .bind(end)
        .execute(pool)
        .await
        .unwrap();
    }
    for (table, rows) in [("run_params", PARAMS), ("run_tags", TAGS)] {
        let extra = if table == "run_tags" { ", updated_at_ms) VALUES (?, ?, ?, 0)" } else { ") VALUES (?, ?, ?)" };
        for (run, key, value) in rows {
            sqlx::query(&format!("INSERT INTO {table} (run_id, key, value{extra}"))
                .bind(run)
                .bind(key)
                .bind(value)
                .execute(pool)
                .await
                .unwrap();
        }
    }
    for (run, key, last, min, max, sum, count) in METRICS {
        sqlx::query(
            "INSERT INTO run_metric_summary (run_id, key, last_value, last_step, last_ts_ms, min_value, max_value, \
             sum_value, count) VALUES (?, ?, ?, 0, 0, ?, ?, ?, ?)",
        )
        .bind(run)
        .bind(key)
        .bind(last)
        .bind(min)
        .bind(max)
        .bind(sum)
        .bind(count)
        .execute(pool)
        .await
        .unwrap();
    }
    store
}

fn ids(page: &search::RunPage) -> Vec<String> {
    page.runs.iter().map(|r| r.run.id.clone()).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn filter(text: &str) -> SearchQuery {
    SearchQuery { filter: Some(text.to_string()), ..SearchQuery::default() }
}

async fn matching(store: &Store, query: SearchQuery) -> BTreeSet<String> {
    let page = search::search(store, &query).await.unwrap_or_else(|e| panic!("{query:?}: {e}"));
    assert_eq!(page.total as usize, page.runs.len(), "{query:?}: all matches fit one page");
    ids(&page).into_iter().collect()
}

/// Filters and the runs the data above implies for each (the search oracle; the first one is `bench`'s example).
pub(crate) const FILTER_CASES: &[(&str, &[&str])] = &[
    (
        "metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and tags.env = 'staging' and status = 'finished'",
        &["r1", "r5"],
    ),
    ("params.llm_model like 'gpt-4o%'", &["r1", "r2", "r5"]),
    ("params.llm_model ilike 'gpt-4o%'", &["r1", "r2", "r4", "r5"]),
    ("params.llm_model like 'gpt_4o'", &["r1", "r2", "r5", "r6"]),
    ("params.llm_model like 'gpt\\_4o'", &["r6"]),
    ("params.llm_model not like 'gpt%'", &["r3", "r4"]),
    ("params.max_steps > 9", &["r1", "r2"]),
    ("params.max_steps > '9'", &["r4"]),
    ("params.max_steps in (9, 20)", &["r2", "r3"]),
    ("params.temperature = 0.20", &["r1"]),
    ("params.temperature = '0.20'", &[]),
    ("metrics.cost is null", &["r3", "r4", "r6"]),
    ("metrics.cost IS NOT NULL", &["r1", "r2", "r5"]),
    ("not metrics.success_rate > 0.8", &["r2", "r4"]),
    ("metrics.success_rate = 0.85", &["r5", "r6"]),
    ("metrics.success_rate not in (0.85, 0.9)", &["r2", "r3"]),
    ("params.llm_model != 'gpt-4o'", &["r3", "r4", "r6"]),
    ("status in ('failed', 'killed') or name = 'alpha'", &["r1", "r3", "r6"]),
    ("status not in ('finished')", &["r3", "r4", "r6"]),
    ("(status = 'finished' or status = 'running') and not experiment = 'web-nav'", &["r4", "r5"]),
    ("duration_ms > 1000", &["r1", "r5"]),
    ("not duration_ms > 1000", &["r2", "r3", "r4", "r6"]),
    ("end_time is null", &["r4"]),
    ("start_time >= 3000 and start_time < 6000", &["r3", "r4", "r5"]),
    ("experiment = 'forms'", &["r4", "r5", "r6"]),
    ("experiment_id = 'e1'", &["r1", "r2", "r3"]),
    ("run_id in ('r1', 'r3') or id = 'r2'", &["r1", "r2", "r3"]),
    ("model_version = 'v1'", &["r1"]),
    ("model_version is null and experiment = 'web-nav'", &["r2", "r3"]),
    ("params.`a.b` = 'x'", &["r5"]),
    ("metrics.`val/loss` < 0.5", &["r1"]),
    ("tags.note = \"it's\"", &["r5"]),
    ("tags.team is null and tags.env = 'staging'", &["r3", "r4", "r5"]),
    ("metrics.success_rate.mean < 0.8", &["r1", "r2"]),
    ("metrics.success_rate.min <= 0.5 or metrics.success_rate.count >= 3", &["r1"]),
    ("metrics.success_rate.max > 0.9", &["r3"]),
    ("name like 'e%' or name ilike 'Z%'", &["r5", "r6"]),
    ("", &["r1", "r2", "r3", "r4", "r5", "r6"]),
];

#[tokio::test]
async fn filters_select_exactly_the_runs_the_data_implies() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(&dir.path().join("s.db")).await;
    let cases = FILTER_CASES;
    for (text, expected) in cases {
        assert_eq!(matching(&store, filter(text)).await, set(expected), "filter: {text}");
    }
    // Every pair joined by `and` selects the intersection of the two sets above, whichever conditions become joins,
    // which one drives and whatever is left as a probe or subquery (three-way chains too, with the example).
    let example = cases[0];
    for (i, (a, in_a)) in cases.iter().enumerate().filter(|(_, c)| !c.0.is_empty()) {
        for (b, in_b) in cases[i + 1..].iter().filter(|c| !c.0.is_empty()) {
            let both: BTreeSet<String> = set(in_a).intersection(&set(in_b)).cloned().collect();
            let text = format!("({a}) and ({b})");
            assert_eq!(matching(&store, filter(&text)).await, both, "filter: {text}");
            let all: BTreeSet<String> = both.intersection(&set(example.1)).cloned().collect();
            let text = format!("({a}) and {} and ({b})", example.0);
            assert_eq!(matching(&store, filter(&text)).await, all, "filter: {text}");
        }
    }
}

#[tokio::test]
async fn injection_attempts_are_plain_values() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(&dir.path().join("s.db")).await;
    for text in [
        "params.llm_model = 'a'' OR 1=1 --'",
        "name = 'x'' OR ''1''=''1'",
        "params.`x') OR 1=1 --` = 'gpt-4o'",
        "tags.env in ('staging''); DROP TABLE runs; --')",
    ] {
        assert_eq!(matching(&store, filter(text)).await, set(&[]), "{text}");
    }
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM runs").fetch_one(store.pool()).await.unwrap();
    assert_eq!(runs, 7);
}

/// Orders and the runs (of non-archived experiments) in the order the data implies.
pub(crate) const ORDER_CASES: &[(&[&str], &[&str])] = &[
    (&[], &["r6", "r5", "r4", "r3", "r2", "r1"]),
    (&["metrics.success_rate desc"], &["r3", "r1", "r6", "r5", "r2", "r4"]),
    (&["metrics.success_rate"], &["r2", "r5", "r6", "r1", "r3", "r4"]),
    (&["experiment asc", "metrics.success_rate desc"], &["r6", "r5", "r4", "r3", "r1", "r2"]),
    (&["experiment, name desc"], &["r6", "r5", "r4", "r3", "r2", "r1"]),
    (&["params.max_steps asc"], &["r3", "r1", "r2", "r4", "r5", "r6"]),
    (&["duration_ms desc"], &["r5", "r1", "r2", "r3", "r6", "r4"]),
    (&["metrics.cost.max desc"], &["r5", "r1", "r2", "r6", "r4", "r3"]),
];

#[tokio::test]
async fn ordering_puts_nulls_last_and_breaks_ties_by_run_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(&dir.path().join("s.db")).await;
    let ordered = |order: &[&str]| SearchQuery {
        order_by: order.iter().map(|s| s.to_string()).collect(),
        ..SearchQuery::default()
    };
    let cases = ORDER_CASES;
    for (order, expected) in cases {
        let page = search::search(&store, &ordered(order)).await.unwrap();
        assert_eq!(ids(&page), *expected, "order: {order:?}");
    }
}

#[tokio::test]
async fn pages_concatenate_to_the_full_ordered_list() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(&dir.path().join("s.db")).await;
    let query = |limit, offset| SearchQuery {
        order_by: vec!["metrics.success_rate desc".into()],
        limit: Some(limit),
        offset: Some(offset),
        include_archived: true,
        ..SearchQuery::default()
    };
    let full = ids(&search::search(&store, &query(50, 0)).await.unwrap());
    assert_eq!(full, ["r7", "r3", "r1", "r6", "r5", "r2", "r4"]);
    for limit in [1, 2, 3] {
        let mut seen = Vec::new();
        let mut offset = Some(0);
        while let Some(o) = offset {
            let page = search::search(&store, &query(limit, o as u32)).await.unwrap();
            assert_eq!(page.total, 7);
            assert_eq!((page.offset, page.limit), (o, i64::from(limit)));
            assert!(page.runs.len() <= limit as usize);
            seen.extend(ids(&page));
            offset = page.next_offset;
        }
        assert_eq!(seen, full, "limit {limit}");
    }
    let past = search::search(&store, &query(5, 100)).await.unwrap();
    assert_eq!((past.runs.len(), past.total, past.next_offset), (0, 7, None));
}

#[tokio::test]
async fn rows_carry_params_tags_and_latest_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(&dir.path().join("s.db")).await;
    let page = search::search(&store, &filter("id = 'r1'")).await.unwrap();
    let row = &page.runs[0];
    assert_eq!(row.experiment_name, "web-nav");
    assert_eq!(row.run.status, RunStatus::Finished);
    assert_eq!((row.run.start_ms, row.run.end_ms), (1000, Some(5000)));
    assert_eq!(row.run.model_version_id.as_deref(), Some("v1"));
    assert_eq!(row.params.get("max_steps").map(String::as_str), Some("10"));
    assert_eq!(row.params.len(), 3);
    assert_eq!(row.tags.get("team").map(String::as_str), Some("a"));
    assert_eq!(row.metrics.get("success_rate"), Some(&0.9));
    assert_eq!(row.metrics.get("val/loss"), Some(&0.1));
}

#[tokio::test]
async fn scope_hides_archived_experiments_unless_asked_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(&dir.path().join("s.db")).await;
    let scoped = |experiments: &[&str], include_archived: bool| SearchQuery {
        experiments: experiments.iter().map(|s| s.to_string()).collect(),
        include_archived,
        ..SearchQuery::default()
    };
    assert_eq!(matching(&store, scoped(&[], false)).await, set(&["r1", "r2", "r3", "r4", "r5", "r6"]));
    assert_eq!(matching(&store, scoped(&[], true)).await, set(&["r1", "r2", "r3", "r4", "r5", "r6", "r7"]));
    assert_eq!(matching(&store, scoped(&["web-nav"], false)).await, set(&["r1", "r2", "r3"]));
    assert_eq!(matching(&store, scoped(&["e2", "web-nav"], false)).await, set(&["r1", "r2", "r3", "r4", "r5", "r6"]));
    assert_eq!(matching(&store, scoped(&["old"], false)).await, set(&["r7"]));
    let example = "metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and tags.env = 'staging'";
    let with_archived = SearchQuery { include_archived: true, ..filter(example) };
    assert_eq!(matching(&store, with_archived).await, set(&["r1", "r5", "r7"]));
    let finished = SearchQuery { statuses: vec![RunStatus::Finished, RunStatus::Killed], ..SearchQuery::default() };
    assert_eq!(matching(&store, finished).await, set(&["r1", "r2", "r5", "r6"]));

    let err = search::search(&store, &scoped(&["nope"], false)).await.unwrap_err();
    assert!(matches!(err, SearchError::UnknownExperiment(ref n) if n == "nope"), "{err}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn bad_requests_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(&dir.path().join("s.db")).await;
    let err = search::search(&store, &filter("status = 'done'")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input);
    assert_eq!(err.column(), Some(10));
    assert!(err.to_string().contains("expected one of running, finished, failed, killed"), "{err}");
    for limit in [0, 10_001] {
        let err = search::search(&store, &SearchQuery { limit: Some(limit), ..SearchQuery::default() }).await;
        assert!(matches!(err, Err(SearchError::Limit(l)) if l == limit));
    }
    let max = search::search(&store, &SearchQuery { limit: Some(10_000), ..SearchQuery::default() }).await.unwrap();
    assert_eq!(max.limit, 10_000);
    let bad_order = SearchQuery { order_by: vec!["metrics.x sideways".into()], ..SearchQuery::default() };
    let err = search::search(&store, &bad_order).await.unwrap_err();
    assert!(err.to_string().starts_with("order-by error at column 11:"), "{err}");
}

/// The example query joins its key/value conditions on their primary keys, starting from the one with the fewest
/// matches (counted here independently), and reads a run only after all of them matched.
#[tokio::test]
async fn the_example_query_joins_from_its_rarest_condition_on_primary_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(&dir.path().join("s.db")).await;
    let example =
        "metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and tags.env = 'staging' and status = 'finished'";
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM run_metric_summary WHERE key = 'success_rate' AND last_value > 0.8), \
                (SELECT COUNT(*) FROM run_params WHERE key = 'llm_model' AND value = 'gpt-4o'), \
                (SELECT COUNT(*) FROM run_tags WHERE key = 'env' AND value = 'staging')",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    let fewest = [counts.0, counts.1, counts.2].into_iter().min().unwrap();
    let driver_index = if counts.0 == fewest {
        "run_metric_summary_by_key_last"
    } else if counts.1 == fewest {
        "run_params_by_key_value"
    } else {
        "run_tags_by_key_value"
    };
    let query = SearchQuery { order_by: vec!["metrics.success_rate desc".into()], ..filter(example) };
    let plan = search::explain(&store, &query).await.unwrap();
    let has = |needle: &str| plan.iter().any(|line| line.contains(needle));
    assert!(has(&format!("SEARCH j0 USING COVERING INDEX {driver_index}")), "{counts:?}: {plan:#?}");
    assert!(has("SEARCH j1 USING PRIMARY KEY (run_id=? AND key=?)"), "{plan:#?}");
    assert!(has("SEARCH j2 USING PRIMARY KEY (run_id=? AND key=?)"), "{plan:#?}");
    let pos = |needle: &str| plan.iter().position(|line| line.contains(needle)).unwrap_or(usize::MAX);
    assert!(pos("SEARCH j2") < pos("SEARCH r USING INDEX sqlite_autoindex_runs_1 (id=?)"), "{plan:#?}");
    assert!(!plan.iter().any(|line| line.starts_with("SCAN r")), "no full scan of runs: {plan:#?}");
    assert!(!has("runs_by_status"), "status must not drive the query: {plan:#?}");

    // Make staging the rarest (one run left) and the tag drives.
    sqlx::query("UPDATE run_tags SET value = 'gone' WHERE key = 'env' AND value = 'staging' AND run_id <> 'r5'")
        .execute(store.pool())
        .await
        .unwrap();
    let plan = search::explain(&store, &query).await.unwrap();
    assert!(plan.iter().any(|l| l.contains("SEARCH j0 USING COVERING INDEX run_tags_by_key_value")), "{plan:#?}");
    let page = search::search(&store, &query).await.unwrap();
    assert_eq!(page.runs.iter().map(|r| r.run.id.as_str()).collect::<Vec<_>>(), ["r5"]);
    assert_eq!(page.total, 1);
}

/// A home whose database holds the fixture, for running the real binary.
fn home_with_runs() -> Home {
    let home = Home::new();
    let path = home.db_path();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async { filled_store(&path).await.close().await });
    home
}

#[test]
fn cli_search_prints_the_run_page_as_json() {
    let home = home_with_runs();
    let example =
        "metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and tags.env = 'staging' and status = 'finished'";
    let page = home.json(&["run", "search", example]);
    let ids: Vec<&str> = page["runs"].as_array().unwrap().iter().map(|r| r["run"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r5", "r1"]);
    assert_eq!(page["total"], 2);
    assert_eq!(page["next_offset"], serde_json::Value::Null);
    assert_eq!(page["runs"][1]["metrics"]["success_rate"], 0.9);
    assert_eq!(page["runs"][1]["params"]["llm_model"], "gpt-4o");
    assert_eq!(page["runs"][1]["experiment_name"], "web-nav");

    let args = ["run", "search", "--order-by", "metrics.success_rate desc", "--limit", "2", "--offset", "2"];
    let page = home.json(&args);
    let ids: Vec<&str> = page["runs"].as_array().unwrap().iter().map(|r| r["run"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r6", "r5"]);
    assert_eq!((page["total"].as_i64(), page["next_offset"].as_i64()), (Some(6), Some(4)));

    let page = home.json(&["run", "search", "--experiment", "old", "--experiment", "forms", "--all"]);
    assert_eq!(page["total"], 4);
}

#[test]
fn cli_parse_errors_exit_2_and_name_the_column() {
    let home = home_with_runs();
    let stderr = home.fails(&["run", "search", "metrics.success_rate > 0.8 and foo"], 2);
    assert!(stderr.contains("filter error at column 32: unknown field 'foo'"), "{stderr}");
    assert!(stderr.contains(&format!("\n  {}^", " ".repeat(31))), "caret under column 32:\n{stderr}");
    let stderr = home.fails(&["run", "search", "metrics.success_rate > 'high'"], 2);
    assert!(stderr.contains("column 24"), "{stderr}");
    let stderr = home.fails(&["run", "list", "--status", "done"], 2);
    assert!(stderr.contains("invalid status 'done'"), "{stderr}");
    let stderr = home.fails(&["run", "list", "--experiment", "nope"], 2);
    assert!(stderr.contains("experiment 'nope' not found"), "{stderr}");
}

#[test]
fn cli_human_output_has_a_table_and_a_footer() {
    let home = home_with_runs();
    let out = home.ok(&["run", "search", "metrics.success_rate >= 0.85", "--order-by", "start_time", "--limit", "2"]);
    let lines: Vec<&str> = out.lines().collect();
    for column in ["ID", "EXPERIMENT", "NAME", "STATUS", "START", "DURATION", "SUCCESS_RATE"] {
        assert!(lines[0].contains(column), "{column} missing: {out}");
    }
    assert!(lines[1].trim_start().starts_with("r1") && lines[1].contains("alpha") && lines[1].contains("0.9"), "{out}");
    assert!(lines[2].trim_start().starts_with("r3") && lines[2].contains("failed"), "{out}");
    assert_eq!(lines.last().copied(), Some("showing 1–2 of 4 (next: --offset 2)"));

    let listed = home.json(&["run", "list", "--status", "failed", "--status", "killed"]);
    let ids: Vec<&str> = listed["runs"].as_array().unwrap().iter().map(|r| r["run"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r6", "r3"]);
}

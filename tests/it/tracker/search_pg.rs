//! Run search on the team server's PostgreSQL database against the same search on a local SQLite store. One fixture
//! goes into both: the oracle fixture of `search.rs` (whose answers that file checks against what the data implies)
//! plus runs whose names and values sort differently under a language collation (case, punctuation, accents) and
//! params that are numbers written as text in every JSON way, and a few that look like numbers but are not. Then
//! every filter of the oracle and more, every pair of them, every order and several scopes are compared page by page,
//! whole pages (runs, params, tags, metrics, totals, next offsets). The PostgreSQL database is created with an ICU
//! `en-US` collation, so text compared or sorted by the database's collation instead of by bytes would show.

use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::store::postgres::PgStore;
use browser_ai_mlops_core::tracker::RunStatus;
use browser_ai_mlops_core::tracker::search::{self, RunPage, SearchQuery};
use browser_ai_mlops_testkit::pg::PgCluster;
use sqlx::PgPool;

use super::search::{FILTER_CASES, METRICS, ORDER_CASES, PARAMS, RUNS, RunRecord, TAGS, filled_store};

/// Runs added to both stores: (id, experiment, name, status, start_ms, end_ms).
const MORE_RUNS: &[RunRecord] = &[
    ("x1", "e1", "Beta", "finished", 1500, Some(1600)),
    ("x2", "e2", "a-b", "failed", 2500, Some(2600)),
    ("x3", "e2", "a_b", "finished", 3500, Some(9500)),
    ("x4", "e2", "ab", "running", 4500, None),
    ("x5", "e1", "émile", "finished", 5500, Some(5501)),
    ("x6", "e1", "Zed", "killed", 6500, Some(6600)),
];

const MORE_PARAMS: &[(&str, &str, &str)] = &[
    ("x1", "llm_model", "Gpt-4o"),
    ("x1", "max_steps", "10.0"),
    ("x2", "llm_model", "gpt-4O"),
    ("x2", "max_steps", " 7 "),
    ("x3", "llm_model", "é-model"),
    ("x3", "max_steps", "1e3"),
    ("x4", "llm_model", "Éclair"),
    ("x4", "max_steps", "-0.5"),
    ("x5", "max_steps", "007"),
    ("x5", "llm_model", "a-b"),
    ("x6", "max_steps", ".5"),
    ("x6", "llm_model", "ab"),
];

const MORE_TAGS: &[(&str, &str, &str)] =
    &[("x1", "env", "Staging"), ("x2", "env", "staging "), ("x3", "env", "stAging")];

/// Filters beyond the oracle's: text ranges, ASCII-only case folding, numbers written as text.
const MORE_FILTERS: &[&str] = &[
    "name > 'a'",
    "name < 'b'",
    "name >= 'B' and name <= 'a'",
    "params.llm_model > 'G'",
    "params.llm_model <= 'a-b'",
    "params.max_steps >= 7",
    "params.max_steps < 100",
    "params.max_steps = 10",
    "params.max_steps > '1'",
    "params.max_steps not in (10, 7)",
    "not params.max_steps > 5",
    "params.llm_model ilike 'GPT%'",
    "params.llm_model like 'G%'",
    "params.llm_model ilike 'é%'",
    "name ilike 'A%'",
    "name like '%\\_%'",
    "tags.env ilike 'STAGING%'",
    "tags.env > 'Staging'",
    "experiment > 'f'",
    "run_id > 'r5'",
];

/// Orders beyond the oracle's.
const MORE_ORDERS: &[&str] = &[
    "name",
    "name desc",
    "params.llm_model",
    "params.llm_model desc",
    "params.max_steps",
    "params.max_steps desc",
    "tags.env desc, name",
    "experiment desc, params.max_steps",
    "run_id desc",
    "metrics.success_rate.mean desc",
    "status desc, start_time",
    "end_time",
];

async fn sqlite_store(path: &std::path::Path) -> Store {
    let store = filled_store(path).await;
    let pool = store.pool();
    for (id, exp, name, status, start, end) in MORE_RUNS {
        sqlx::query(
            "INSERT INTO runs (id, experiment_id, name, status, start_ms, end_ms, updated_at_ms) \
             VALUES (?, ?, ?, ?, ?, ?, 0)",
        )
        .bind(id)
        .bind(exp)
        .bind(name)
        .bind(status)
        .bind(start)
        .bind(end)
        .execute(pool)
        .await
        .unwrap();
    }
    for (table, rows) in [("run_params", MORE_PARAMS), ("run_tags", MORE_TAGS)] {
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
    store
}

/// The same rows as `sqlite_store`, written with PostgreSQL's SQL.
async fn fill_pg(pool: &PgPool) {
    for (id, name, archived) in [("e1", "web-nav", false), ("e2", "forms", false), ("e3", "old", true)] {
        sqlx::query(
            "INSERT INTO experiments (id, name, archived, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, 0, 0)",
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
    for (id, exp, name, status, start, end) in RUNS.iter().chain(MORE_RUNS) {
        sqlx::query(
            "INSERT INTO runs (id, experiment_id, name, status, model_version_id, start_ms, end_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
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
    for (run, key, value) in PARAMS.iter().chain(MORE_PARAMS) {
        sqlx::query("INSERT INTO run_params (run_id, key, value) VALUES ($1, $2, $3)")
            .bind(run)
            .bind(key)
            .bind(value)
            .execute(pool)
            .await
            .unwrap();
    }
    for (run, key, value) in TAGS.iter().chain(MORE_TAGS) {
        sqlx::query("INSERT INTO run_tags (run_id, key, value, updated_at_ms) VALUES ($1, $2, $3, 0)")
            .bind(run)
            .bind(key)
            .bind(value)
            .execute(pool)
            .await
            .unwrap();
    }
    for (run, key, last, min, max, sum, count) in METRICS {
        sqlx::query(
            "INSERT INTO run_metric_summary (run_id, key, last_value, last_step, last_ts_ms, min_value, max_value, \
             sum_value, count) VALUES ($1, $2, $3, 0, 0, $4, $5, $6, $7)",
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
}

/// Both stores' pages of `query` from offset 0 on, `limit` at a time, compared page by page; returns the pages walked.
async fn same_pages(sqlite: &Store, pg: &PgPool, query: &SearchQuery, limit: u32) -> usize {
    let mut offset = 0;
    let mut pages = 0;
    loop {
        let q = SearchQuery { limit: Some(limit), offset: Some(offset), ..query.clone() };
        let local: RunPage = search::search(sqlite, &q).await.unwrap_or_else(|e| panic!("SQLite, {q:?}: {e}"));
        let team: RunPage = search::pg::search(pg, &q).await.unwrap_or_else(|e| panic!("PostgreSQL, {q:?}: {e}"));
        assert_eq!(team, local, "{q:?}");
        pages += 1;
        match local.next_offset {
            Some(next) => offset = next as u32,
            None => return pages,
        }
    }
}

fn query(filter: &str, order: &[&str]) -> SearchQuery {
    SearchQuery {
        filter: (!filter.is_empty()).then(|| filter.to_string()),
        order_by: order.iter().map(|s| s.to_string()).collect(),
        ..SearchQuery::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_of_the_oracle_gives_the_same_pages_on_postgresql_as_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sqlite_store(&dir.path().join("s.db")).await;
    let cluster = tokio::task::spawn_blocking(PgCluster::start).await.unwrap().unwrap_or_else(|e| panic!("{e}"));
    let admin = PgPool::connect(&cluster.url("postgres")).await.unwrap();
    sqlx::query(
        "CREATE DATABASE icu TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",
    )
    .execute(&admin)
    .await
    .unwrap();
    // The database really sorts by a language collation: without `COLLATE "C"` these two would come the other way.
    let (a, b): (bool, bool) = sqlx::query_as("SELECT 'B' < 'a', 'é' < 'f'").fetch_one(&admin).await.unwrap();
    assert_eq!((a, b), (true, false), "the maintenance database sorts by bytes");
    let team = PgStore::open(&cluster.url("icu")).await.unwrap();
    let pg = team.pool();
    let (a, b): (bool, bool) = sqlx::query_as("SELECT 'B' < 'a', 'é' < 'f'").fetch_one(pg).await.unwrap();
    assert_eq!((a, b), (false, true), "the ICU database should sort case and accents as a language does");
    fill_pg(pg).await;

    let mut filters: Vec<String> = FILTER_CASES.iter().map(|(f, _)| f.to_string()).collect();
    filters.extend(MORE_FILTERS.iter().map(|f| f.to_string()));
    let mut orders: Vec<Vec<&str>> = ORDER_CASES.iter().map(|(o, _)| o.to_vec()).collect();
    orders.extend(MORE_ORDERS.iter().map(|o| vec![*o]));

    let mut pages = 0;
    let mut nonempty = 0;
    // Every filter, three at a time and whole.
    for f in &filters {
        pages += same_pages(&sqlite, pg, &query(f, &[]), 3).await;
        pages += same_pages(&sqlite, pg, &query(f, &[]), 50).await;
        let page = search::search(&sqlite, &query(f, &[])).await.unwrap();
        nonempty += usize::from(page.total > 0);
    }
    // Every order, unfiltered and under filters that keep numbers, text and missing values apart.
    for order in &orders {
        for f in ["", "params.max_steps is not null", "tags.env ilike 's%' or metrics.cost > 1", FILTER_CASES[0].0] {
            pages += same_pages(&sqlite, pg, &query(f, order), 2).await;
        }
    }
    // Every pair of filters, alone and with the example (joins driven from either side, probes and subqueries).
    for (i, a) in filters.iter().enumerate() {
        for b in &filters[i + 1..] {
            if a.is_empty() || b.is_empty() {
                continue;
            }
            pages += same_pages(&sqlite, pg, &query(&format!("({a}) and ({b})"), &["name desc"]), 50).await;
            pages += same_pages(&sqlite, pg, &query(&format!("({a}) or not ({b})"), &["params.max_steps"]), 50).await;
        }
    }
    // Scopes: named experiments (archived included when named), statuses, archived experiments.
    let scopes = [
        SearchQuery { experiments: vec!["old".into(), "e2".into(), "forms".into()], ..query("", &[]) },
        SearchQuery { statuses: vec![RunStatus::Finished, RunStatus::Killed], ..query("name > 'a'", &["name"]) },
        SearchQuery { include_archived: true, ..query("metrics.success_rate > 0.8", &["metrics.success_rate desc"]) },
        SearchQuery { include_archived: true, ..query("", &["experiment", "params.llm_model desc"]) },
    ];
    for q in &scopes {
        pages += same_pages(&sqlite, pg, q, 2).await;
    }
    // The comparison is not vacuous: most filters match something, and thousands of pages were compared.
    assert!(nonempty * 4 >= filters.len() * 3, "only {nonempty} of {} filters match a run", filters.len());
    assert!(pages > 3_000, "{pages} pages compared");

    // An unknown experiment is the same input error on both.
    let unknown = SearchQuery { experiments: vec!["nope".into()], ..SearchQuery::default() };
    let (local, team) = (search::search(&sqlite, &unknown).await, search::pg::search(pg, &unknown).await);
    assert_eq!(local.unwrap_err().to_string(), team.unwrap_err().to_string());
}

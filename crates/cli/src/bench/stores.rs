//! `bench search`: run search on both stores over the same runs. Generates the runs in a local SQLite store, copies
//! them (experiments, runs, params, tags, metric summaries) into PostgreSQL (`--database`, or a throw-away cluster
//! started for the run) and vacuums and analyses it, then times each of `bench`'s searches on each store and checks
//! that both stores return the same first page and total (exit 1 otherwise).

use std::time::Instant;

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use browser_ai_mlops_core::core::{Core, Settings};
use browser_ai_mlops_core::error::{Error, Result};
use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::store::postgres::PgStore;
use browser_ai_mlops_core::tracker::search::{self, RunPage, SearchQuery};

use super::sync::failed;
use super::tracker::{SEARCHES, pct};

/// One search timed on both stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoresFigure {
    pub filter: String,
    pub order_by: String,
    pub total: i64,
    pub sqlite_first_ms: f64,
    pub sqlite_p50_ms: f64,
    pub sqlite_p95_ms: f64,
    pub postgres_first_ms: f64,
    pub postgres_p50_ms: f64,
    pub postgres_p95_ms: f64,
    /// The first pages and totals of both stores are equal.
    pub same_page: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoresBench {
    pub runs: usize,
    pub copy_secs: f64,
    pub searches: Vec<StoresFigure>,
}

/// A column's type, for reading it from SQLite and writing it in COPY's text format.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Real,
    Flag,
}

use Kind::{Flag, Int, Real, Text};

/// The tables search reads, with their columns.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "experiments",
        &[
            ("id", Text),
            ("name", Text),
            ("description", Text),
            ("archived", Flag),
            ("created_at_ms", Int),
            ("updated_at_ms", Int),
        ],
    ),
    (
        "runs",
        &[
            ("id", Text),
            ("experiment_id", Text),
            ("name", Text),
            ("status", Text),
            ("start_ms", Int),
            ("end_ms", Int),
            ("error", Text),
            ("pid", Int),
            ("host", Text),
            ("updated_at_ms", Int),
        ],
    ),
    ("run_params", &[("run_id", Text), ("key", Text), ("value", Text)]),
    ("run_tags", &[("run_id", Text), ("key", Text), ("value", Text), ("updated_at_ms", Int)]),
    (
        "run_metric_summary",
        &[
            ("run_id", Text),
            ("key", Text),
            ("last_value", Real),
            ("last_step", Int),
            ("last_ts_ms", Int),
            ("min_value", Real),
            ("max_value", Real),
            ("sum_value", Real),
            ("count", Int),
        ],
    ),
];

pub async fn run(runs: usize, reps: usize, database: Option<String>, progress: &dyn Fn(&str)) -> Result<StoresBench> {
    let dir = super::sync::tempdir()?;
    let result = run_in(&dir, runs, reps, database, progress).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(
    dir: &std::path::Path,
    runs: usize,
    reps: usize,
    database: Option<String>,
    progress: &dyn Fn(&str),
) -> Result<StoresBench> {
    let (_cluster, pg) = super::sync::team_database(database, progress).await?;
    let core = Core::open(Settings::in_dir(dir)).await?;
    let store = core.store().await?.clone();
    progress(&format!("generating {runs} runs"));
    browser_ai_mlops_core::tracker::synthetic::generate_runs(&store, runs).await?;
    progress("copying them into PostgreSQL");
    let started = Instant::now();
    copy(&store, &pg).await?;
    // What autovacuum does to freshly loaded tables some time later: visibility map (index-only scans) and statistics.
    sqlx::query("VACUUM ANALYZE").execute(pg.pool()).await.map_err(|e| failed("PostgreSQL")(e.to_string()))?;
    let copy_secs = started.elapsed().as_secs_f64();
    let mut searches = Vec::new();
    for (filter, order) in SEARCHES {
        progress(&format!("search {filter:?} ×{reps} on each store"));
        let query = SearchQuery {
            filter: (!filter.is_empty()).then(|| filter.to_string()),
            order_by: vec![order.to_string()],
            ..Default::default()
        };
        let (local, sqlite) = timed(reps, || search::search(&store, &query)).await?;
        let (team, postgres) = timed(reps, || search::pg::search(pg.pool(), &query)).await?;
        searches.push(StoresFigure {
            filter: if filter.is_empty() { "(none)".into() } else { filter.to_string() },
            order_by: order.to_string(),
            total: local.total,
            sqlite_first_ms: sqlite.0,
            sqlite_p50_ms: sqlite.1,
            sqlite_p95_ms: sqlite.2,
            postgres_first_ms: postgres.0,
            postgres_p50_ms: postgres.1,
            postgres_p95_ms: postgres.2,
            same_page: local == team,
        });
    }
    core.shutdown().await?;
    Ok(StoresBench { runs, copy_secs, searches })
}

/// Run `search` once cold and `reps` more times: the first page, and (first, p50, p95) in ms.
async fn timed<F, Fut>(reps: usize, search: F) -> Result<(RunPage, (f64, f64, f64))>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<RunPage, search::SearchError>>,
{
    let mut nanos = Vec::with_capacity(reps + 1);
    let mut first = None;
    for _ in 0..=reps.max(1) {
        let t = Instant::now();
        let page = search().await.map_err(|e| Error::Failed(e.to_string()))?;
        nanos.push(t.elapsed().as_nanos() as u64);
        first.get_or_insert(page);
    }
    let cold = nanos.remove(0) as f64 / 1e6;
    nanos.sort_unstable();
    let page = first.expect("searched at least once");
    Ok((page, (cold, pct(&nanos, 50) / 1e6, pct(&nanos, 95) / 1e6)))
}

/// Copy every table of `TABLES` from `store` into `pg` with COPY, in its text format.
async fn copy(store: &Store, pg: &PgStore) -> Result<()> {
    let mut conn = pg.pool().acquire().await.map_err(|e| failed("PostgreSQL")(e.to_string()))?;
    for (table, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let names = names.join(", ");
        let mut sink = conn
            .copy_in_raw(&format!("COPY {table} ({names}) FROM STDIN"))
            .await
            .map_err(|e| failed("PostgreSQL")(e.to_string()))?;
        let select = format!("SELECT {names} FROM {table}");
        let mut rows = sqlx::query(&select).fetch(store.pool());
        let mut buf = String::with_capacity(1 << 20);
        while let Some(row) = rows.try_next().await.map_err(|e| failed("SQLite")(e.to_string()))? {
            for (i, (_, kind)) in columns.iter().enumerate() {
                if i > 0 {
                    buf.push('\t');
                }
                let field = match kind {
                    Text => row.try_get::<Option<String>, _>(i).map(|v| v.map(|s| escape(&s))),
                    Int => row.try_get::<Option<i64>, _>(i).map(|v| v.map(|n| n.to_string())),
                    Real => row.try_get::<Option<f64>, _>(i).map(|v| v.map(|x| format!("{x:?}"))),
                    Flag => row.try_get::<Option<i64>, _>(i).map(|v| v.map(|n| (n != 0).to_string())),
                }
                .map_err(|e| failed("SQLite")(e.to_string()))?;
                buf.push_str(field.as_deref().unwrap_or("\\N"));
            }
            buf.push('\n');
            if buf.len() >= 1 << 20 {
                sink.send(buf.as_bytes()).await.map_err(|e| failed("PostgreSQL")(e.to_string()))?;
                buf.clear();
            }
        }
        if !buf.is_empty() {
            sink.send(buf.as_bytes()).await.map_err(|e| failed("PostgreSQL")(e.to_string()))?;
        }
        sink.finish().await.map_err(|e| failed("PostgreSQL")(e.to_string()))?;
    }
    Ok(())
}

/// A text value in COPY's text format.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
    out
}

pub fn render(r: &StoresBench) -> String {
    let mut out =
        format!("run search on both stores, {} runs (copied into PostgreSQL in {:.1} s)\n", r.runs, r.copy_secs);
    out.push_str(&crate::output::table(
        &["search filter", "matches", "SQLite p50/p95 ms", "PostgreSQL p50/p95 ms", "first ms (S/P)", "same page"],
        r.searches.iter().map(|s| {
            vec![
                s.filter.clone(),
                s.total.to_string(),
                format!("{:.1} / {:.1}", s.sqlite_p50_ms, s.sqlite_p95_ms),
                format!("{:.1} / {:.1}", s.postgres_p50_ms, s.postgres_p95_ms),
                format!("{:.0} / {:.0}", s.sqlite_first_ms, s.postgres_first_ms),
                if s.same_page { "yes" } else { "NO" }.to_string(),
            ]
        }),
    ));
    out
}

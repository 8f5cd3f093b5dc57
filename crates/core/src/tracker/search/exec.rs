//! Executing a search: resolve the experiment scope, build the count and page queries from the compiled filter and
//! order, run them in one read transaction (or in parallel partitions of one snapshot, see `parallel`), then load the
//! page's params, tags and metrics in three batched queries.
//!
//! User view: `docs/guide/search.md` and `docs/reference/filter-language.md`.
//!
//! - Every literal is a bound parameter.
//! - The metric, param and tag conditions of the top-level `and` chain become one chain of joins (`is null` becomes a
//!   `NOT EXISTS` probe instead). The search first counts each condition's matches on its `(key, value, run_id)` index,
//!   stopping at `ESTIMATE_CAP` (1,000), then drives from the rarest; on a tie it prefers an equality on a param or
//!   tag, whose index lists runs in id order. Each candidate is looked up on the other conditions' `(run_id, key)`
//!   primary keys, and the run row is read only when all of them matched. Conditions under `or` or `not` become
//!   `run_id IN (…)` subqueries.
//! - Connections memory-map the database (up to 256 MB) and cache up to 32 MB each.
//! - Parallel reads (`parallel`): when a filtered search's driving condition matches 1,000 runs or more (or nothing can
//!   drive) and the page ends within the first 1,000 matches, the search is split into one partition per core (at most
//!   4) by the last character of the run id, each on its own connection, each returning its match count and its first
//!   `offset + limit` ids in page order; one more query orders the union and cuts the page. Extra connections are used
//!   only if the pool hands them over within 50 ms, so concurrent searches never wait on each other; they read serially
//!   instead.
//! - Snapshot: the search compares `PRAGMA data_version` on its own connection before and after the partitions; if
//!   anything was committed in between, it reads the page again serially in one transaction. Under a writer that
//!   commits many times a second some searches therefore read twice. (Tested by committing a better-matching run
//!   between the partitions and the check.)
//! - Ordering by one metric without a key/value condition to drive walks `run_metric_summary (key, last_value, run_id)`
//!   in order (a `CROSS JOIN` keeps SQLite from starting at the experiments) and stops after the page; the runs without
//!   the metric follow by id.
//! - Sorting follows `<column> <dir>, r.id <dir>`. The indexes `runs (start_ms DESC, id DESC, experiment_id)`,
//!   `runs (name, id, experiment_id)`, `runs (status, id, experiment_id)` and `runs (experiment_id, status)` serve the
//!   default order, name and status orders, offsets and the experiment list's counts without a sort step; the migration
//!   that adds them runs `ANALYZE runs`. Experiment name and duration orders still sort.
//! - The unfiltered total is all runs minus the archived experiments' runs, not a join over every run.
//! - Tests: `tests/it/tracker/search_plans.rs` checks the plans (the indexes above, no sort step) and that pages
//!   concatenate to the order computed from the rows.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use sqlx::{Connection, SqliteConnection};

use super::ast::{Attr, Expr, Field};
use super::compile::{self, Bind, Sql};
use super::dialect::Dialect;
use super::parallel;
use super::parser::{self, OrderTerm};
use super::walk;
use super::{DEFAULT_LIMIT, MAX_LIMIT, RunPage, RunRow, SearchError, SearchQuery};
use crate::store::Store;
use crate::tracker::{Run, RunStatus};

pub(super) const FROM: &str = compile::FROM_RUNS;
/// Matches counted per joinable condition when choosing the driver; more than this counts as "many".
const ESTIMATE_CAP: i64 = 1_000;
pub(super) const COLUMNS: &str = "r.id, r.experiment_id, r.name, r.status, r.model_version_id, r.start_ms, r.end_ms, r.error, \
                       r.pid, r.host, e.name AS experiment_name";

/// Every run, and every run of a non-archived experiment (all runs minus those of archived experiments).
const COUNT_ALL: &str = "SELECT COUNT(*) FROM runs";
const COUNT_UNARCHIVED: &str = "SELECT (SELECT COUNT(*) FROM runs) - (SELECT COUNT(*) FROM runs WHERE experiment_id IN \
                                (SELECT id FROM experiments WHERE archived <> 0))";

/// Everything parsed and checked before the database is touched.
pub(super) struct Prepared {
    pub(super) filter: Option<Expr>,
    pub(super) order: Vec<OrderTerm>,
    pub(super) limit: u32,
    pub(super) offset: u32,
}

pub(super) fn prepare(query: &SearchQuery) -> Result<Prepared, SearchError> {
    let filter = match &query.filter {
        Some(text) => parser::parse_filter(text)?,
        None => None,
    };
    let mut order = Vec::new();
    for text in &query.order_by {
        order.extend(parser::parse_order_by(text)?);
    }
    if order.len() > parser::MAX_ORDER_TERMS {
        return Err(SearchError::OrderTerms(order.len()));
    }
    if order.is_empty() {
        order.push(OrderTerm { field: Field::Attr(Attr::StartTime), descending: true });
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(SearchError::Limit(limit));
    }
    Ok(Prepared { filter, order, limit, offset: query.offset.unwrap_or(0) })
}

pub fn mentioned_metrics(query: &SearchQuery) -> Vec<String> {
    fn walk(e: &Expr, out: &mut Vec<String>) {
        match e {
            Expr::Or(a, b) | Expr::And(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            Expr::Not(a) => walk(a, out),
            Expr::Pred(p) => out.extend(p.field.metric_key().map(str::to_string)),
        }
    }
    let mut keys = Vec::new();
    for text in &query.order_by {
        for term in parser::parse_order_by(text).unwrap_or_default() {
            keys.extend(term.field.metric_key().map(str::to_string));
        }
    }
    if let Some(Ok(Some(expr))) = query.filter.as_deref().map(parser::parse_filter) {
        walk(&expr, &mut keys);
    }
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    keys
}

/// The search's FROM clause and its conditions joined with `AND` (empty when there are none); `driven` when the filter
/// starts the query from a key/value index (see `compile::filter`).
pub(super) struct Where {
    pub(super) from: Sql,
    pub(super) conditions: Sql,
    pub(super) driven: bool,
    /// The matches may be many: no key/value condition drives, or the driver's index range reached `ESTIMATE_CAP`.
    pub(super) broad: bool,
}

impl Where {
    /// The conditions after `lead` (` WHERE ` or ` AND `), or nothing when there are none.
    pub(super) fn after(&self, lead: &str) -> Sql {
        let mut sql = Sql::default();
        if !self.conditions.text.is_empty() {
            sql.push(lead);
            sql.append(self.conditions.clone());
        }
        sql
    }
}

/// ` LIMIT ? OFFSET ?` with their binds.
pub(super) fn push_page(sql: &mut Sql, limit: u32, offset: u32) {
    sql.push(" LIMIT ");
    sql.bind(Bind::Int(i64::from(limit)));
    sql.push(" OFFSET ");
    sql.bind(Bind::Int(i64::from(offset)));
}

/// The WHERE clause: experiment scope, archived experiments, statuses, then the filter.
async fn where_clause(
    tx: &mut SqliteConnection,
    query: &SearchQuery,
    filter: Option<&Expr>,
) -> Result<Where, SearchError> {
    let (filter, driver_matches) = match filter {
        Some(expr) => {
            let (driver, matches) = choose_driver(tx, expr).await?;
            (Some(compile::filter(expr, driver)), matches)
        }
        None => (None, i64::MAX),
    };
    let mut ids: Vec<String> = Vec::new();
    for wanted in &query.experiments {
        ids.push(resolve_experiment(tx, wanted).await?);
    }
    Ok(scope(query, &ids, filter, driver_matches, Dialect::Sqlite))
}

/// The WHERE clause from the experiments' ids (`experiment_ids`, resolved from `query.experiments`), the statuses
/// and the compiled filter; `driver_matches` is what the driving condition's count found (`i64::MAX`: not counted).
pub(super) fn scope(
    query: &SearchQuery,
    experiment_ids: &[String],
    filter: Option<compile::Filter>,
    driver_matches: i64,
    d: Dialect,
) -> Where {
    let (from, filter, driven) = match filter {
        Some(f) => (f.from, Some(f.sql), f.driven),
        None => (Sql { text: FROM.into(), binds: Vec::new() }, None, false),
    };
    let broad = !driven || driver_matches >= ESTIMATE_CAP;
    // With a driving key/value condition, `+` keeps SQLite off the low-selectivity experiment and status indexes.
    let column = |col: &str| if driven { d.unindexed(col) } else { col.to_string() };
    let mut parts: Vec<Sql> = Vec::new();
    if !query.experiments.is_empty() {
        // Each experiment once: a name repeated many times must not become as many bound parameters.
        let mut seen = std::collections::HashSet::new();
        let ids: Vec<&String> = experiment_ids.iter().filter(|id| seen.insert(*id)).collect();
        let mut sql = Sql::default();
        sql.push(&format!("{} IN ", column("r.experiment_id")));
        sql.bind_list(ids.into_iter().map(|id| Bind::Text(id.clone())));
        parts.push(sql);
    } else if !query.include_archived {
        parts.push(Sql { text: d.not_archived().into(), binds: Vec::new() });
    }
    if !query.statuses.is_empty() {
        let mut sql = Sql::default();
        sql.push(&format!("{} IN ", column("r.status")));
        let mut statuses: Vec<&str> = Vec::new();
        for status in query.statuses.iter().map(|s| s.as_str()) {
            if !statuses.contains(&status) {
                statuses.push(status);
            }
        }
        sql.bind_list(statuses.into_iter().map(|s| Bind::Text(s.to_string())));
        parts.push(sql);
    }
    parts.extend(filter);
    let mut conditions = Sql::default();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            conditions.push(" AND ");
        }
        conditions.append(part);
    }
    Where { from, conditions, driven, broad }
}

/// Which joinable condition drives the query: the one with the fewest matches, counted on its index up to
/// `ESTIMATE_CAP` (well under 1 ms each); a condition that cannot be counted off an index range only drives when none
/// can. Ties (typically: several past the cap) go to an equality on a param or tag, whose index range lists runs in
/// id order so the joins probe the other tables' primary keys in order (measured: 27 vs 48 ms for the README's
/// example at 100k runs), then to the earlier condition. Returns the driver and its count (`i64::MAX` when no
/// condition could be counted).
async fn choose_driver(tx: &mut SqliteConnection, expr: &Expr) -> Result<(usize, i64), SearchError> {
    let joinable = compile::joinable(expr);
    let mut best = ((i64::MAX, true), 0);
    for (i, p) in joinable.iter().enumerate() {
        let Some(count) = compile::estimate(p, ESTIMATE_CAP) else { continue };
        let n: i64 = bind_all!(sqlx::query_scalar(&count.text), &count.binds).fetch_one(&mut *tx).await?;
        let rank = (n, !compile::in_run_order(p));
        if rank < best.0 {
            best = (rank, i);
        }
    }
    Ok((best.1, best.0.0))
}

/// An experiment's id from its id or its name.
async fn resolve_experiment(tx: &mut SqliteConnection, wanted: &str) -> Result<String, SearchError> {
    let by_id: Option<String> =
        sqlx::query_scalar("SELECT id FROM experiments WHERE id = ?").bind(wanted).fetch_optional(&mut *tx).await?;
    if let Some(id) = by_id {
        return Ok(id);
    }
    let by_name: Option<String> =
        sqlx::query_scalar("SELECT id FROM experiments WHERE name = ?").bind(wanted).fetch_optional(&mut *tx).await?;
    by_name.ok_or_else(|| SearchError::UnknownExperiment(wanted.to_string()))
}

/// The page query: columns, order joins, WHERE, ORDER BY, LIMIT/OFFSET. When the filter is driven by a key/value
/// index the matches are few, so the total is counted in the same pass (`COUNT(*) OVER ()`) instead of a second query.
pub(super) fn page_sql(prepared: &Prepared, filter: &Where, d: Dialect) -> Sql {
    let (joins, order) = compile::order_by_in(&prepared.order, d);
    let mut sql = Sql::default();
    // PostgreSQL's planner costs a LIMIT as if the window stopped early; it counts in a second query instead.
    let total = if filter.driven && d == Dialect::Sqlite { ", COUNT(*) OVER () AS total_matches" } else { "" };
    sql.push(&format!("SELECT {COLUMNS}{total} "));
    sql.append(filter.from.clone());
    sql.append(joins);
    sql.append(filter.after(" WHERE "));
    sql.push(&order);
    push_page(&mut sql, prepared.limit, prepared.offset);
    sql
}

#[derive(sqlx::FromRow)]
pub(super) struct RunRecord {
    id: String,
    experiment_id: String,
    name: String,
    status: String,
    model_version_id: Option<String>,
    start_ms: i64,
    end_ms: Option<i64>,
    error: Option<String>,
    pid: Option<i64>,
    host: String,
    experiment_name: String,
    #[sqlx(default)]
    pub(super) total_matches: Option<i64>,
}

impl RunRecord {
    pub(super) fn id(&self) -> &str {
        &self.id
    }
}

pub async fn search(store: &Store, query: &SearchQuery) -> Result<RunPage, SearchError> {
    search_with(store, query, parallel::workers(), || async {}).await
}

/// `search` with at most `workers` partitions read in parallel (1: serial) and a hook run after the partitions (tests
/// commit a write there to check that a page never mixes two snapshots).
pub(super) async fn search_with<H, F>(
    store: &Store,
    query: &SearchQuery,
    workers: usize,
    after_partitions: H,
) -> Result<RunPage, SearchError>
where
    H: FnOnce() -> F,
    F: Future<Output = ()>,
{
    let prepared = prepare(query)?;
    let mut conn = store.pool().acquire().await?;
    let mut tx = conn.begin().await?;
    let filter = where_clause(&mut tx, query, prepared.filter.as_ref()).await?;
    let parts = match walk::metric_walk(&prepared, &filter) {
        Some(_) => 1,
        None => parallel::parts(&prepared, &filter, workers),
    };
    let mut more = match parts {
        1 => Vec::new(),
        _ => parallel::more_connections(store.pool(), parts - 1).await,
    };
    let (mut tx, records, total) = if more.is_empty() {
        let (records, total) = page_and_total(&mut tx, query, &prepared, &filter).await?;
        (tx, records, total)
    } else {
        // Each partition reads in its own transaction. They all read the snapshot this connection read (`version`)
        // when nothing was committed from the start of this transaction to the start of the next one below.
        let version = parallel::data_version(&mut tx).await?;
        tx.commit().await?;
        let found = parallel::partitions(&mut conn, &mut more, &prepared, &filter).await?;
        drop(more);
        after_partitions().await;
        let mut tx = conn.begin().await?;
        let (records, total) = if parallel::data_version(&mut tx).await? == version {
            (parallel::page(&mut tx, &prepared, &found).await?, found.total)
        } else {
            // A write landed meanwhile: the partitions' snapshots may differ, so read the page again in one.
            page_and_total(&mut tx, query, &prepared, &filter).await?
        };
        (tx, records, total)
    };
    let page = hydrate(&mut tx, &prepared, records, total).await?;
    tx.commit().await?;
    Ok(page)
}

/// One page of run records and the number of matches, read in one transaction.
async fn page_and_total(
    tx: &mut SqliteConnection,
    query: &SearchQuery,
    prepared: &Prepared,
    filter: &Where,
) -> Result<(Vec<RunRecord>, i64), SearchError> {
    let records: Vec<RunRecord> = match walk::metric_walk(prepared, filter) {
        Some(walk) => walk.fetch(tx, filter, prepared).await?,
        None => {
            let page = page_sql(prepared, filter, Dialect::Sqlite);
            bind_all!(sqlx::query_as(&page.text), &page.binds).fetch_all(&mut *tx).await?
        }
    };
    let total = match records.first().and_then(|r| r.total_matches) {
        Some(total) => total,
        None if filter.driven && prepared.offset == 0 => 0,
        None if prepared.filter.is_none() && query.experiments.is_empty() && query.statuses.is_empty() => {
            // Unfiltered (the runs table's default view): count from the b-tree and the archived experiments' index
            // range instead of joining every run to its experiment (≈ 1 ms instead of ≈ 100 ms at 100k runs).
            let count = if query.include_archived { COUNT_ALL } else { COUNT_UNARCHIVED };
            sqlx::query_scalar(count).fetch_one(&mut *tx).await?
        }
        None => {
            let mut count = Sql::default();
            count.push("SELECT COUNT(*) ");
            count.append(filter.from.clone());
            count.append(filter.after(" WHERE "));
            bind_all!(sqlx::query_scalar(&count.text), &count.binds).fetch_one(&mut *tx).await?
        }
    };
    Ok((records, total))
}

/// The page's runs with their params, tags and latest metric values (three batched queries).
async fn hydrate(
    tx: &mut SqliteConnection,
    prepared: &Prepared,
    records: Vec<RunRecord>,
    total: i64,
) -> Result<RunPage, SearchError> {
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let ids_json = serde_json::Value::from(ids).to_string();
    let params = key_values(tx, "SELECT run_id, key, value FROM run_params", &ids_json).await?;
    let tags = key_values(tx, "SELECT run_id, key, value FROM run_tags", &ids_json).await?;
    let metric_rows: Vec<(String, String, f64)> = sqlx::query_as(
        "SELECT run_id, key, last_value FROM run_metric_summary WHERE run_id IN (SELECT value FROM json_each(?))",
    )
    .bind(&ids_json)
    .fetch_all(&mut *tx)
    .await?;

    let mut metrics: HashMap<String, BTreeMap<String, f64>> = HashMap::new();
    for (run_id, key, value) in metric_rows {
        metrics.entry(run_id).or_default().insert(key, value);
    }
    assemble(prepared, records, total, params, tags, metrics)
}

/// `run_id → key → value` of one key/value table for a page.
pub(super) type KeyValues<V> = HashMap<String, BTreeMap<String, V>>;

/// The page from its run records and their params, tags and latest metric values.
pub(super) fn assemble(
    prepared: &Prepared,
    records: Vec<RunRecord>,
    total: i64,
    mut params: KeyValues<String>,
    mut tags: KeyValues<String>,
    mut metrics: KeyValues<f64>,
) -> Result<RunPage, SearchError> {
    let mut runs = Vec::with_capacity(records.len());
    for rec in records {
        let status = RunStatus::parse(&rec.status).ok_or_else(|| SearchError::Corrupt {
            run_id: rec.id.clone(),
            detail: format!("unknown status '{}'", rec.status),
        })?;
        runs.push(RunRow {
            params: params.remove(&rec.id).unwrap_or_default(),
            tags: tags.remove(&rec.id).unwrap_or_default(),
            metrics: metrics.remove(&rec.id).unwrap_or_default(),
            experiment_name: rec.experiment_name,
            run: Run {
                id: rec.id,
                experiment_id: rec.experiment_id,
                name: rec.name,
                status,
                model_version_id: rec.model_version_id,
                start_ms: rec.start_ms,
                end_ms: rec.end_ms,
                error: rec.error,
                pid: rec.pid,
                host: rec.host,
            },
        });
    }
    let offset = i64::from(prepared.offset);
    let shown_to = offset + runs.len() as i64;
    let next_offset = (!runs.is_empty() && shown_to < total).then_some(shown_to);
    Ok(RunPage { runs, total, offset, limit: i64::from(prepared.limit), next_offset })
}

/// `run_id → key → value` for the runs whose ids are in the JSON array `ids_json`.
async fn key_values(
    tx: &mut SqliteConnection,
    select: &str,
    ids_json: &str,
) -> Result<HashMap<String, BTreeMap<String, String>>, SearchError> {
    let sql = format!("{select} WHERE run_id IN (SELECT value FROM json_each(?))");
    let rows: Vec<(String, String, String)> = sqlx::query_as(&sql).bind(ids_json).fetch_all(&mut *tx).await?;
    let mut out: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    for (run_id, key, value) in rows {
        out.entry(run_id).or_default().insert(key, value);
    }
    Ok(out)
}

pub async fn explain(store: &Store, query: &SearchQuery) -> Result<Vec<String>, SearchError> {
    let prepared = prepare(query)?;
    let mut tx = store.pool().begin().await?;
    let filter = where_clause(&mut tx, query, prepared.filter.as_ref()).await?;
    // For a metric walk: the plan of its first part (the runs with the metric).
    let page = match walk::metric_walk(&prepared, &filter) {
        Some(walk) => walk.page_with_metric(&filter, prepared.limit, prepared.offset),
        None => page_sql(&prepared, &filter, Dialect::Sqlite),
    };
    let text = format!("EXPLAIN QUERY PLAN {}", page.text);
    let rows: Vec<(i64, i64, i64, String)> = bind_all!(sqlx::query_as(&text), &page.binds).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(|(_, _, _, detail)| detail).collect())
}

//! Run search: a filter-expression language over runs (metrics, params, tags, attributes), parsed by a hand-written
//! lexer and recursive-descent parser, type-checked, and compiled to one parameterised SQL query with ordering and
//! pagination. `search` takes a `&Store` so every transport (and the benchmark) can call it directly.
//!
//! Semantics worth knowing:
//! - `metrics.<key>` is the run's latest value (`run_metric_summary.last_value`); `metrics.<key>.min|max|mean|count`
//!   read the other aggregates. Metrics compare with numbers only.
//! - `params.<key>` / `tags.<key>` are text: with a quoted string every operator compares text (`<` is
//!   lexicographic); with a number literal the comparison is numeric and only values that are JSON numbers match.
//! - A test on a metric/param/tag matches only runs that have the key (`params.x != 'a'` skips runs without `x`);
//!   `IS NULL` matches runs without it; `not (…)` is the exact complement of `(…)`.
//! - `LIKE` is case-sensitive, `ILIKE` ignores ASCII case; `%` any run of characters, `_` one, `\%`/`\_` literal.
//! - Size limits keep every accepted query inside SQLite's own (64 tables per join, 32,766 parameters, expression
//!   depth 1,000): at most `MAX_CONDITIONS` conditions and `MAX_VALUES` `IN` values per filter, `MAX_ORDER_TERMS`
//!   order-by fields per search; experiments and statuses named twice count once.

/// Bind every value of `binds`, in order, to a sqlx query.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                $crate::tracker::search::compile::Bind::Text(s) => q.bind(s.clone()),
                $crate::tracker::search::compile::Bind::Real(v) => q.bind(*v),
                $crate::tracker::search::compile::Bind::Int(v) => q.bind(*v),
            };
        }
        q
    }};
}

mod ast;
mod compile;
mod dialect;
mod error;
mod exec;
mod lexer;
mod parallel;
mod parser;
pub mod pg;
mod walk;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use error::{SearchError, Source};
pub use parser::{MAX_CONDITIONS, MAX_ORDER_TERMS, MAX_VALUES};

use crate::store::Store;
use crate::tracker::{Run, RunStatus};

/// Page size when none is given.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size accepted.
pub const MAX_LIMIT: u32 = 10_000;

/// What to search for: a filter, a scope and a page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct SearchQuery {
    /// Filter expression; `None` or blank matches every run in scope.
    pub filter: Option<String>,
    /// Experiments (id or name) to search; empty = all experiments (archived ones only with `include_archived`).
    /// An experiment named here is searched even if it is archived.
    pub experiments: Vec<String>,
    /// Only runs with one of these statuses; empty = any status.
    pub statuses: Vec<RunStatus>,
    /// Each entry is one or more `FIELD [asc|desc]`, comma-separated; default `start_time desc`.
    pub order_by: Vec<String>,
    /// Page size, 1 to `MAX_LIMIT` (default `DEFAULT_LIMIT`).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// Also search runs of archived experiments.
    pub include_archived: bool,
}

/// One run of a result page with its experiment's name, its params, tags and latest metric values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RunRow {
    pub run: Run,
    pub experiment_name: String,
    pub params: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    /// Latest value of each metric.
    pub metrics: BTreeMap<String, f64>,
}

/// One page of matching runs: `total` counts every match, `next_offset` is set when more follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RunPage {
    pub runs: Vec<RunRow>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    pub next_offset: Option<i64>,
}

/// Check a filter's syntax and types without touching a database.
pub fn validate_filter(filter: &str) -> Result<(), SearchError> {
    parser::parse_filter(filter).map(|_| ())
}

/// Check one order-by argument (`FIELD [asc|desc], …`) without touching a database.
pub fn validate_order_by(order_by: &str) -> Result<(), SearchError> {
    parser::parse_order_by(order_by).map(|_| ())
}

/// Metric keys a query mentions (in its order-by first, then its filter), for choosing which columns to show.
pub fn mentioned_metrics(query: &SearchQuery) -> Vec<String> {
    exec::mentioned_metrics(query)
}

/// Run a search: validate everything first, then count the matches and fetch one page, all from one snapshot of the
/// database. A filter with many runs to look at is read in parallel partitions (see `parallel`), which read the same
/// snapshot or, when a write landed meanwhile, are replaced by a serial read.
pub async fn search(store: &Store, query: &SearchQuery) -> Result<RunPage, SearchError> {
    exec::search(store, query).await
}

/// SQLite's `EXPLAIN QUERY PLAN` for the page query of `query` (one line per plan step), to check index use.
pub async fn explain(store: &Store, query: &SearchQuery) -> Result<Vec<String>, SearchError> {
    exec::explain(store, query).await
}

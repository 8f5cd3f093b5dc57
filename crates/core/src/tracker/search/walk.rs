//! Ordering by one metric without a filter to drive: the page is read from the `run_metric_summary (key, last_value,
//! run_id)` index in order (SQLite), runs with the metric first, then those without it by id.

use sqlx::SqliteConnection;

use super::SearchError;
use super::ast::{Agg, Field};
use super::compile::{Bind, Sql};
use super::exec::{COLUMNS, FROM, Prepared, RunRecord, Where, push_page};
use super::parser::OrderTerm;

/// A page ordered by one metric's latest value, read from the `run_metric_summary (key, last_value, run_id)` index
/// in order instead of joining every run and sorting (the runs table sorted by a metric column, 100k runs: no sort
/// step, and the first page stops after LIMIT index entries). Runs without the metric come last (NULLS LAST), by id.
/// Used only without a driving key/value filter: a selective filter leaves few runs, which sort faster than a walk.
pub(super) struct MetricWalk {
    key: String,
    dir: &'static str,
}

pub(super) fn metric_walk(prepared: &Prepared, filter: &Where) -> Option<MetricWalk> {
    match prepared.order.as_slice() {
        [OrderTerm { field: Field::Metric { key, agg: Agg::Last }, descending }] if !filter.driven => {
            Some(MetricWalk { key: key.clone(), dir: if *descending { "DESC" } else { "ASC" } })
        }
        _ => None,
    }
}

impl MetricWalk {
    /// Runs with the metric, walked in index order (`CROSS JOIN` keeps SQLite from starting at the experiments).
    fn with_metric(&self, filter: &Where, select: &str) -> Sql {
        let mut sql = Sql::default();
        sql.push(&format!(
            "SELECT {select} FROM run_metric_summary o0 CROSS JOIN runs r ON r.id = o0.run_id \
             CROSS JOIN experiments e ON e.id = r.experiment_id WHERE o0.key = "
        ));
        sql.bind(Bind::Text(self.key.clone()));
        sql.append(filter.after(" AND "));
        sql
    }

    pub(super) fn page_with_metric(&self, filter: &Where, limit: u32, offset: u32) -> Sql {
        let mut sql = self.with_metric(filter, COLUMNS);
        sql.push(&format!(" ORDER BY o0.last_value {0}, o0.run_id {0}", self.dir));
        push_page(&mut sql, limit, offset);
        sql
    }

    fn page_without_metric(&self, filter: &Where, limit: u32, offset: u32) -> Sql {
        let mut sql = Sql::default();
        sql.push(&format!(
            "SELECT {COLUMNS} {FROM} WHERE r.id NOT IN (SELECT run_id FROM run_metric_summary WHERE key = "
        ));
        sql.bind(Bind::Text(self.key.clone()));
        sql.push(")");
        sql.append(filter.after(" AND "));
        sql.push(&format!(" ORDER BY r.id {}", self.dir));
        push_page(&mut sql, limit, offset);
        sql
    }

    /// The page: from the runs with the metric, then (past their end) from those without it.
    pub(super) async fn fetch(
        &self,
        tx: &mut SqliteConnection,
        filter: &Where,
        prepared: &Prepared,
    ) -> Result<Vec<RunRecord>, SearchError> {
        let (limit, offset) = (prepared.limit, prepared.offset);
        let first = self.page_with_metric(filter, limit, offset);
        let mut records: Vec<RunRecord> =
            bind_all!(sqlx::query_as(&first.text), &first.binds).fetch_all(&mut *tx).await?;
        if records.len() as u32 == limit {
            return Ok(records);
        }
        // The runs with the metric end on this page (or before it): how many there are places the rest.
        let with_metric = if records.is_empty() && offset > 0 {
            let count = self.with_metric(filter, "COUNT(*)");
            let n: i64 = bind_all!(sqlx::query_scalar(&count.text), &count.binds).fetch_one(&mut *tx).await?;
            u32::try_from(n).unwrap_or(u32::MAX)
        } else {
            offset + records.len() as u32
        };
        let rest = self.page_without_metric(filter, limit - records.len() as u32, offset.saturating_sub(with_metric));
        let more: Vec<RunRecord> = bind_all!(sqlx::query_as(&rest.text), &rest.binds).fetch_all(&mut *tx).await?;
        records.extend(more);
        Ok(records)
    }
}

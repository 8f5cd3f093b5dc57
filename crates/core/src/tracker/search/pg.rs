//! Run search on the team server's PostgreSQL database: the same filter language, scope, order and pages as on a
//! local store, compiled by the same compiler in the PostgreSQL dialect (`dialect`), and read in one `REPEATABLE
//! READ, READ ONLY` transaction, so the count, the page and its params, tags and metrics come from one snapshot.
//!
//! SQLite's plan shaping is not used here (the driver chosen by counting, the parallel partitions, the walk of the
//! metric index): PostgreSQL's planner orders the joins from its own statistics. Equal answers on both stores for the
//! same data are tested query by query and page by page (`tests/it/team_search.rs`).

use sqlx::PgPool;

use super::compile::{self, Sql};
use super::dialect::Dialect;
use super::exec::{self, KeyValues, RunRecord};
use super::{RunPage, SearchError, SearchQuery};

const PG: Dialect = Dialect::Postgres;

/// Search the runs in the team database behind `pool`.
pub async fn search(pool: &PgPool, query: &SearchQuery) -> Result<RunPage, SearchError> {
    let prepared = exec::prepare(query)?;
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    // Compiling a plan to machine code takes longer than these queries take to run.
    sqlx::query("SET LOCAL jit = off").execute(&mut *tx).await?;
    let mut ids = Vec::new();
    for wanted in &query.experiments {
        ids.push(resolve_experiment(&mut tx, wanted).await?);
    }
    let filter = prepared.filter.as_ref().map(|expr| compile::filter_in(expr, 0, PG));
    let filter = exec::scope(query, &ids, filter, i64::MAX, PG);
    let page = PG.finish(exec::page_sql(&prepared, &filter, PG));
    let records: Vec<RunRecord> = bind_all!(sqlx::query_as(&page.text), &page.binds).fetch_all(&mut *tx).await?;
    let total = match records.len() as u32 {
        // The whole list fits this page: its length is the total.
        n if n < prepared.limit && (n > 0 || prepared.offset == 0) => i64::from(prepared.offset + n),
        _ if prepared.filter.is_none() && query.experiments.is_empty() && query.statuses.is_empty() => {
            // Unfiltered: all runs less the archived experiments' runs, without joining every run to its experiment.
            let count = if query.include_archived {
                "SELECT COUNT(*) FROM runs"
            } else {
                "SELECT (SELECT COUNT(*) FROM runs) - (SELECT COUNT(*) FROM runs WHERE experiment_id IN \
                 (SELECT id FROM experiments WHERE archived))"
            };
            sqlx::query_scalar(count).fetch_one(&mut *tx).await?
        }
        _ => {
            let mut count = Sql::default();
            count.push("SELECT COUNT(*) ");
            count.append(filter.from.clone());
            count.append(filter.after(" WHERE "));
            let count = PG.finish(count);
            bind_all!(sqlx::query_scalar(&count.text), &count.binds).fetch_one(&mut *tx).await?
        }
    };
    let run_ids: Vec<String> = records.iter().map(|r| r.id().to_string()).collect();
    let params = key_values(&mut tx, "run_params", &run_ids).await?;
    let tags = key_values(&mut tx, "run_tags", &run_ids).await?;
    let rows: Vec<(String, String, f64)> =
        sqlx::query_as("SELECT run_id, key, last_value FROM run_metric_summary WHERE run_id = ANY($1)")
            .bind(&run_ids)
            .fetch_all(&mut *tx)
            .await?;
    let mut metrics: KeyValues<f64> = KeyValues::new();
    for (run_id, key, value) in rows {
        metrics.entry(run_id).or_default().insert(key, value);
    }
    tx.commit().await?;
    exec::assemble(&prepared, records, total, params, tags, metrics)
}

/// An experiment's id from its id or its name.
async fn resolve_experiment(tx: &mut sqlx::PgConnection, wanted: &str) -> Result<String, SearchError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM experiments WHERE id = $1 UNION ALL SELECT id FROM experiments WHERE name = $1 LIMIT 1",
    )
    .bind(wanted)
    .fetch_optional(&mut *tx)
    .await?;
    found.ok_or_else(|| SearchError::UnknownExperiment(wanted.to_string()))
}

/// `run_id → key → value` of `table` (`run_params` or `run_tags`) for the page's runs.
async fn key_values(
    tx: &mut sqlx::PgConnection,
    table: &str,
    run_ids: &[String],
) -> Result<KeyValues<String>, SearchError> {
    let sql = format!("SELECT run_id, key, value FROM {table} WHERE run_id = ANY($1)");
    let rows: Vec<(String, String, String)> = sqlx::query_as(&sql).bind(run_ids).fetch_all(&mut *tx).await?;
    let mut out = KeyValues::new();
    for (run_id, key, value) in rows {
        out.entry(run_id).or_default().insert(key, value);
    }
    Ok(out)
}

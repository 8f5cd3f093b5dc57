//! A search's page read in parallel partitions. A filter that leaves many runs to probe (its driving index range is
//! long, or nothing drives it) is split by run id into disjoint partitions, each read on its own pooled connection
//! (SQLite runs every connection on its own thread), each returning its match count and its first `offset + limit`
//! run ids in the page order. One query on the union of those ids then orders them again and cuts the page: the
//! global page is always among the partitions' first pages, because the order ends with `r.id` and so is total.
//!
//! Connections: the caller's own connection reads one partition; the others are taken from the pool only if they come
//! within `ACQUIRE_WAIT` (a pool busy with other searches makes this search serial instead of waiting on them, so
//! searches holding connections can never wait on each other).
//!
//! Snapshots: the caller reads `PRAGMA data_version` in its transaction before the partitions and again in a new
//! transaction after them. Equal values mean no connection committed in between, so every partition read that same
//! snapshot; otherwise the caller reads the page serially (see `exec::search_with`).

use std::time::Duration;

use futures::future::{join_all, try_join_all};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool};

use super::SearchError;
use super::compile::{self, Bind, Sql};
use super::exec::{COLUMNS, FROM, Prepared, RunRecord, Where, push_page};

/// Partitions at most, whatever the number of cores: beyond four, the pool (eight connections) would be shared by
/// too few concurrent searches.
const MAX_PARTS: usize = 4;
/// How long to wait for each further connection from the pool.
const ACQUIRE_WAIT: Duration = Duration::from_millis(50);
/// Largest `offset + limit` read in parallel: every partition returns that many ids, and deep pages are rare.
const MAX_ROWS: u32 = 1_000;

/// Partitions the machine can read at once.
pub(super) fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_PARTS)
}

/// How many partitions to read `filter` in (1: serially): only a filter with many runs to probe, for a page that is
/// not deep.
pub(super) fn parts(prepared: &Prepared, filter: &Where, workers: usize) -> usize {
    let shallow = prepared.offset.saturating_add(prepared.limit) <= MAX_ROWS;
    if workers >= 2 && prepared.filter.is_some() && filter.broad && shallow { workers.min(MAX_PARTS) } else { 1 }
}

/// The connection's `PRAGMA data_version`: it changes when another connection has committed since this one last read.
pub(super) async fn data_version(conn: &mut SqliteConnection) -> Result<i64, SearchError> {
    Ok(sqlx::query_scalar("PRAGMA data_version").fetch_one(conn).await?)
}

/// Up to `wanted` more connections from the pool, each if it comes within `ACQUIRE_WAIT`.
pub(super) async fn more_connections(pool: &SqlitePool, wanted: usize) -> Vec<PoolConnection<Sqlite>> {
    let tries = (0..wanted).map(|_| tokio::time::timeout(ACQUIRE_WAIT, pool.acquire()));
    join_all(tries).await.into_iter().filter_map(|got| got.ok().and_then(Result::ok)).collect()
}

/// What the partitions found: every partition's first ids in page order, and the number of matches of all of them.
#[derive(Debug, Default)]
pub(super) struct Found {
    pub(super) ids: Vec<String>,
    pub(super) total: i64,
}

/// Read one partition per connection (`own` and each of `more`), all at once, and gather their ids and counts.
pub(super) async fn partitions(
    own: &mut SqliteConnection,
    more: &mut [PoolConnection<Sqlite>],
    prepared: &Prepared,
    filter: &Where,
) -> Result<Found, SearchError> {
    let parts = 1 + more.len();
    let conns = std::iter::once(own).chain(more.iter_mut().map(|c| &mut **c));
    let reads = conns.enumerate().map(|(k, conn)| partition(conn, partition_sql(prepared, filter, parts, k)));
    let mut found = Found::default();
    for (ids, total) in try_join_all(reads).await? {
        found.ids.extend(ids);
        found.total += total;
    }
    Ok(found)
}

async fn partition(conn: &mut SqliteConnection, sql: Sql) -> Result<(Vec<String>, i64), SearchError> {
    let mut tx = conn.begin().await?;
    let rows: Vec<(String, i64)> = bind_all!(sqlx::query_as(&sql.text), &sql.binds).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let total = rows.first().map_or(0, |(_, total)| *total);
    Ok((rows.into_iter().map(|(id, _)| id).collect(), total))
}

/// Partition `k` of `parts`: the filter's query restricted to the runs whose id's last character's code point is `k`
/// modulo `parts` (run ids end in random hex digits, which spread evenly), tested on the driving table's run id so
/// the other tables are probed only for the partition's own runs.
fn partition_sql(prepared: &Prepared, filter: &Where, parts: usize, k: usize) -> Sql {
    let (joins, order) = compile::order_by(&prepared.order);
    let mut sql = Sql::default();
    sql.push("SELECT r.id, COUNT(*) OVER () ");
    sql.append(filter.from.clone());
    sql.append(joins);
    sql.append(filter.after(" WHERE "));
    let column = if filter.driven { "j0.run_id" } else { "r.id" };
    sql.push(if filter.conditions.text.is_empty() { " WHERE " } else { " AND " });
    sql.push(&format!("COALESCE(unicode(substr({column}, -1)), 0) % "));
    sql.bind(Bind::Int(parts as i64));
    sql.push(" = ");
    sql.bind(Bind::Int(k as i64));
    sql.push(&order);
    sql.push(" LIMIT ");
    sql.bind(Bind::Int(i64::from(prepared.offset) + i64::from(prepared.limit)));
    sql
}

/// The page cut from the partitions' ids, ordered as the search asks.
pub(super) async fn page(
    tx: &mut SqliteConnection,
    prepared: &Prepared,
    found: &Found,
) -> Result<Vec<RunRecord>, SearchError> {
    let (joins, order) = compile::order_by(&prepared.order);
    let mut sql = Sql::default();
    sql.push(&format!("SELECT {COLUMNS} {FROM}"));
    sql.append(joins);
    sql.push(" WHERE r.id IN (SELECT value FROM json_each(");
    sql.bind(Bind::Text(serde_json::Value::from(found.ids.clone()).to_string()));
    sql.push("))");
    sql.push(&order);
    push_page(&mut sql, prepared.limit, prepared.offset);
    Ok(bind_all!(sqlx::query_as(&sql.text), &sql.binds).fetch_all(&mut *tx).await?)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::super::exec::search_with;
    use super::super::{RunPage, SearchQuery};
    use crate::store::Store;

    /// A store of generated runs (a fifth with `gpt-4o`, a third `staging`, success rates uniform in [0, 1)) plus three
    /// runs whose ids are not uuids, so the partition function meets short and non-ASCII ids.
    async fn populated(dir: &std::path::Path) -> Store {
        let store = Store::open(&dir.join("t.db")).await.unwrap();
        crate::tracker::synthetic::generate_runs(&store, 6_000).await.unwrap();
        for id in ["a", "ü", "7"] {
            sqlx::query(
                "INSERT INTO runs (id, experiment_id, name, status, start_ms, updated_at_ms) \
                 SELECT ?, id, ?, 'finished', 5, 5 FROM experiments ORDER BY name LIMIT 1",
            )
            .bind(id)
            .bind(format!("odd-{id}"))
            .execute(store.pool())
            .await
            .unwrap();
            insert_matching(&store, id, 1.5).await;
        }
        store
    }

    async fn insert_matching(store: &Store, run: &str, success_rate: f64) {
        sqlx::query("INSERT INTO run_params (run_id, key, value) VALUES (?, 'llm_model', 'gpt-4o')")
            .bind(run)
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO run_tags (run_id, key, value, updated_at_ms) VALUES (?, 'env', 'staging', 0)")
            .bind(run)
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO run_metric_summary (run_id, key, last_value, last_step, last_ts_ms, min_value, max_value, \
             sum_value, count) VALUES (?, 'success_rate', ?, 0, 0, ?, ?, ?, 1)",
        )
        .bind(run)
        .bind(success_rate)
        .bind(success_rate)
        .bind(success_rate)
        .bind(success_rate)
        .execute(store.pool())
        .await
        .unwrap();
    }

    fn query(filter: &str, order: &str, limit: u32, offset: u32) -> SearchQuery {
        SearchQuery {
            filter: Some(filter.into()),
            order_by: if order.is_empty() { Vec::new() } else { vec![order.into()] },
            limit: Some(limit),
            offset: Some(offset),
            ..SearchQuery::default()
        }
    }

    /// `search_with` and whether it took the parallel path (the hook only runs there).
    async fn searched(store: &Store, q: &SearchQuery, workers: usize) -> (RunPage, bool) {
        let calls = AtomicUsize::new(0);
        let page = search_with(store, q, workers, || async {
            calls.fetch_add(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
        (page, calls.load(Ordering::SeqCst) > 0)
    }

    #[tokio::test]
    async fn parallel_pages_equal_the_serial_pages() {
        let dir = tempfile::tempdir().unwrap();
        let store = populated(dir.path()).await;
        let example = "metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and tags.env = 'staging' and \
                       status = 'finished'";
        let cases = [
            query(example, "metrics.success_rate desc", 50, 0),
            query(example, "metrics.success_rate desc", 20, 30),
            query(example, "name asc", 1, 0),
            query("params.llm_model = 'gpt-4o'", "", 50, 0),
            query("params.llm_model = 'gpt-4o'", "params.max_steps desc, tags.env asc", 100, 200),
            query("params.llm_model = 'gpt-4o' and tags.env = 'staging'", "metrics.success_rate asc", 10, 990),
            query("tags.env = 'production' or metrics.cost_usd < 0.01", "metrics.cost_usd asc, name desc", 25, 0),
            query("params.max_steps > 20 and status != 'failed'", "start_time desc", 50, 50),
        ];
        for q in &cases {
            let (serial, took_parallel) = searched(&store, q, 1).await;
            assert!(!took_parallel, "{q:?}");
            assert!(serial.total > 0, "{q:?} should match runs");
            for workers in [2, 3] {
                let (parallel, took_parallel) = searched(&store, q, workers).await;
                assert!(took_parallel, "{q:?} with {workers} workers stayed serial");
                assert_eq!(parallel, serial, "{q:?} with {workers} workers");
            }
        }
        // The odd ids are found by the partitions (each has success rate 1.5, above every generated one, all in [0, 1)).
        let (top, _) = searched(&store, &query(example, "metrics.success_rate desc, name asc", 3, 0), 2).await;
        let names: Vec<&str> = top.runs.iter().map(|r| r.run.name.as_str()).collect();
        assert_eq!(names, ["odd-7", "odd-a", "odd-ü"]);
    }

    #[tokio::test]
    async fn few_matches_and_deep_pages_stay_serial() {
        let dir = tempfile::tempdir().unwrap();
        let store = populated(dir.path()).await;
        // Fewer than 1,000 runs have a success rate above 0.999: the driver's range is short.
        let (_, took_parallel) = searched(&store, &query("metrics.success_rate > 0.999", "", 50, 0), 2).await;
        assert!(!took_parallel);
        let (_, took_parallel) = searched(&store, &query("params.llm_model = 'gpt-4o'", "", 50, 951), 2).await;
        assert!(!took_parallel);
    }

    #[tokio::test]
    async fn a_search_on_a_busy_pool_reads_serially_instead_of_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let store = populated(dir.path()).await;
        let q = query("params.llm_model = 'gpt-4o'", "name asc", 10, 0);
        let (serial, _) = searched(&store, &q, 1).await;
        // Every connection but the one the search takes for itself is held elsewhere.
        let mut held = Vec::new();
        while let Ok(Ok(conn)) =
            tokio::time::timeout(std::time::Duration::from_millis(500), store.pool().acquire()).await
        {
            held.push(conn);
        }
        assert!(!held.is_empty());
        let last = held.pop();
        drop(last);
        let (page, took_parallel) = searched(&store, &q, 4).await;
        assert!(!took_parallel);
        assert_eq!(page, serial);
        drop(held);
        let (page, took_parallel) = searched(&store, &q, 4).await;
        assert!(took_parallel);
        assert_eq!(page, serial);
    }

    #[tokio::test]
    async fn a_write_committed_during_the_partitions_is_never_half_seen() {
        let dir = tempfile::tempdir().unwrap();
        let store = populated(dir.path()).await;
        let q = query("metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o'", "metrics.success_rate desc", 5, 0);
        let (before, _) = searched(&store, &q, 1).await;
        // After the partitions read, a new matching run (best of all) is committed: the partitions' page misses it,
        // so the search must notice the commit and read the page again.
        let experiment: String =
            sqlx::query_scalar("SELECT id FROM experiments LIMIT 1").fetch_one(store.pool()).await.unwrap();
        let page = search_with(&store, &q, 2, || async {
            sqlx::query(
                "INSERT INTO runs (id, experiment_id, name, status, start_ms, updated_at_ms) \
                 VALUES ('late', ?, 'late', 'finished', 6, 6)",
            )
            .bind(&experiment)
            .execute(store.pool())
            .await
            .unwrap();
            insert_matching(&store, "late", 2.0).await;
        })
        .await
        .unwrap();
        assert_eq!(page.total, before.total + 1);
        assert_eq!(page.runs[0].run.id, "late");
        let (after, _) = searched(&store, &q, 1).await;
        assert_eq!(page, after);
    }
}

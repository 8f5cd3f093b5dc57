//! The team server answering a pull: the records the change feed lists after the host's cursor (each in its current
//! state, or its tombstone), then — once the feed is drained — metric points after the host's point cursor, up to
//! the newest point that existed when the host started reading the feed (so every point's run reached it first).
//! A host is sent the points of other hosts' runs only: its own are already there.

use std::collections::HashSet;

use sqlx::PgPool;

use super::SyncError;
use super::logs::{self, Log};
use super::rows;
use super::wire::{PullPage, PullRequest, SeriesPoints, Tombstone};

/// Most feed entries (records) in one page.
pub const MAX_FEED_PAGE: u32 = 2_000;
/// Most metric points in one page.
pub const MAX_POINTS_PAGE: u32 = 50_000;
/// Most conversation messages (whole prompts and answers) and browser actions in one page.
pub const MAX_MESSAGES_PAGE: i64 = 500;
pub const MAX_ACTIONS_PAGE: i64 = 5_000;
/// Most artifact entries in one page (their blobs also keep the page under `client::PAGE_BYTES`).
pub const MAX_ARTIFACTS_PAGE: i64 = 500;

pub async fn page(pool: &PgPool, req: &PullRequest) -> Result<PullPage, SyncError> {
    let mut out = PullPage { feed_next: req.feed_after, points_next: req.points_after, ..PullPage::default() };
    let newest = |table: &str| format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
    out.points_high = match req.points_high {
        Some(high) => high,
        None => sqlx::query_scalar(&newest("metric_values")).fetch_one(pool).await?,
    };
    out.messages_high = match req.messages_high {
        Some(high) => high,
        None => sqlx::query_scalar(&newest("run_messages")).fetch_one(pool).await?,
    };
    out.actions_high = match req.actions_high {
        Some(high) => high,
        None => sqlx::query_scalar(&newest("run_actions")).fetch_one(pool).await?,
    };
    out.artifacts_high = match req.artifacts_high {
        Some(high) => high,
        None => sqlx::query_scalar(&newest("run_artifacts")).fetch_one(pool).await?,
    };
    out.messages_next = req.messages_after;
    out.actions_next = req.actions_after;
    out.artifacts_next = req.artifacts_after;
    let limit = req.limit.unwrap_or(MAX_FEED_PAGE).clamp(1, MAX_FEED_PAGE) as i64;
    let entries: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT seq, tbl, row_key FROM sync_feed WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(req.feed_after)
            .bind(limit + 1)
            .fetch_all(pool)
            .await?;
    out.feed_more = entries.len() as i64 > limit;
    let entries = &entries[..entries.len().min(limit as usize)];
    if let Some((seq, _, _)) = entries.last() {
        out.feed_next = *seq;
    }
    let mut seen = HashSet::new();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for (_, table, key) in entries {
        if seen.insert((table.as_str(), key.as_str())) {
            keys.push((table.as_str(), key.as_str()));
        }
    }
    let db = crate::store::db::Db::Pg(crate::store::postgres::PgStore::from_pool(pool.clone()));
    let missing = rows::read_records(&db, &keys, &mut out.records).await?;
    for (table, key) in missing {
        let buried: Option<(i64, String)> =
            sqlx::query_as("SELECT deleted_at_ms, origin FROM sync_tombstones WHERE tbl = $1 AND row_key = $2")
                .bind(table)
                .bind(&key)
                .fetch_optional(pool)
                .await?;
        if let Some((deleted_at_ms, origin)) = buried {
            out.records.tombstones.push(Tombstone { table: table.to_string(), key, deleted_at_ms, origin });
        }
    }
    let runs: Vec<&str> = keys.iter().filter(|(t, _)| *t == "runs").map(|(_, k)| *k).collect();
    for run in runs {
        let tags: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT row_key, deleted_at_ms, origin FROM sync_tombstones WHERE tbl = 'run_tag' AND starts_with(row_key, $1)",
        )
        .bind(format!("{run}\t"))
        .fetch_all(pool)
        .await?;
        for (key, deleted_at_ms, origin) in tags {
            out.records.tombstones.push(Tombstone { table: "run_tag".to_string(), key, deleted_at_ms, origin });
        }
    }
    if out.feed_more {
        return Ok(out);
    }
    let (next, more_messages) = logs::serve(
        pool,
        Log::Messages,
        &req.host,
        req.messages_after,
        out.messages_high,
        MAX_MESSAGES_PAGE,
        &mut out.records.logs,
    )
    .await?;
    out.messages_next = next;
    let (next, more_actions) = logs::serve(
        pool,
        Log::Actions,
        &req.host,
        req.actions_after,
        out.actions_high,
        MAX_ACTIONS_PAGE,
        &mut out.records.logs,
    )
    .await?;
    out.actions_next = next;
    let (next, more_artifacts) = logs::serve(
        pool,
        Log::Artifacts,
        &req.host,
        req.artifacts_after,
        out.artifacts_high,
        MAX_ARTIFACTS_PAGE,
        &mut out.records.logs,
    )
    .await?;
    out.artifacts_next = next;
    out.logs_more = more_messages || more_actions || more_artifacts;
    let limit = req.limit.unwrap_or(MAX_POINTS_PAGE).clamp(1, MAX_POINTS_PAGE) as i64;
    // Other hosts' series first (few), then their points by id range: the primary key drives the scan whatever the
    // table's statistics say.
    let series: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT s.id, s.run_id, s.key FROM metric_series s JOIN runs r ON r.id = s.run_id WHERE r.origin <> $1",
    )
    .bind(&req.host)
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = series.iter().map(|s| s.0).collect();
    let names: std::collections::HashMap<i64, (String, String)> =
        series.into_iter().map(|(id, run, key)| (id, (run, key))).collect();
    // At most a window of ids per page, so a page costs the same wherever it starts, whatever plan the database
    // picks (right after a large push its statistics may not know the table's size yet).
    let window_end = out.points_high.min(req.points_after.saturating_add(4 * limit));
    let rows: Vec<(i64, i64, i64, i64, f64)> = sqlx::query_as(
        "SELECT id, series_id, step, ts_ms, value FROM metric_values \
         WHERE id > $1 AND id <= $2 AND series_id = ANY($3) ORDER BY id LIMIT $4",
    )
    .bind(req.points_after)
    .bind(window_end)
    .bind(&ids)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let points: Vec<(i64, String, String, i64, i64, f64)> = rows
        .into_iter()
        .filter_map(|(id, series, step, ts, value)| {
            names.get(&series).map(|(run, key)| (id, run.clone(), key.clone(), step, ts, value))
        })
        .collect();
    let full = points.len() as i64 > limit;
    out.points_more = full || window_end < out.points_high;
    let points = &points[..points.len().min(limit as usize)];
    out.points_next = match points.last() {
        Some(p) if full => p.0,
        // Nothing more of other hosts' in the window: the host is caught up to its end.
        _ => window_end.max(req.points_after),
    };
    out.records.points =
        group(points.iter().map(|(id, run, key, step, ts, value)| (*id, run, key, *step, *ts, *value)));
    Ok(out)
}

/// Points in id order grouped into series columns (a series appears once per run of consecutive points).
pub fn group<'a>(points: impl Iterator<Item = (i64, &'a String, &'a String, i64, i64, f64)>) -> Vec<SeriesPoints> {
    let mut out: Vec<SeriesPoints> = Vec::new();
    let mut index: std::collections::HashMap<(&str, &str), usize> = std::collections::HashMap::new();
    for (id, run, key, step, ts, value) in points {
        let i = *index.entry((run.as_str(), key.as_str())).or_insert_with(|| {
            out.push(SeriesPoints { run_id: run.clone(), key: key.clone(), ..SeriesPoints::default() });
            out.len() - 1
        });
        let s = &mut out[i];
        s.seq.push(id);
        s.step.push(step);
        s.ts_ms.push(ts);
        s.value.push(value);
    }
    out
}

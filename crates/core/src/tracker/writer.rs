//! The metric writer: one background task that takes points off the metric channel and commits them in
//! `BEGIN IMMEDIATE` transactions (the new (run, key) series, multi-row INSERTs of the points by series id, and the
//! per-(run, key) summary upserts). A transaction streams: it keeps receiving while each statement executes, so the
//! channel never stays shut for a whole commit (`stream.rs`). A failing transaction is retried run by run so only the
//! offending run's points are lost; those failures are reported to the next caller of `flush`/`log_metric`.
//!
//! User view: `docs/guide/tracking.md` (from Rust).
//!
//! - `log_metric` validates the point in memory and asks the database only the first time this process logs to a given
//!   run (that the run exists and is running). The point then goes into a bounded channel (`METRIC_CHANNEL_CAPACITY`);
//!   a full channel makes the caller wait (back-pressure, never a dropped point), for at most 4 ms before it takes one
//!   of a bounded number of spare places (`admission.rs`).
//! - What "flushed" means. `flush()` returning `Ok` means every point queued through this tracker (any clone, any
//!   task) before the call is committed: a new connection or another process sees it, and it survives the process
//!   being killed (SIGKILL, panic, OOM). The store runs WAL with `synchronous=NORMAL`, so an OS crash or power loss
//!   may still roll back the last commits. The one exception: points whose loss an earlier `flush`/`log_metric`
//!   already reported (`MetricsNotWritten` is reported once, to whichever caller of this tracker asks first — the
//!   transports therefore write with `log_metric_now`, one transaction per request). A crash before `flush()`
//!   returns can lose any point queued since the last successful flush; the writer commits as it goes, so some of
//!   them may already be stored, and per run the stored ones are the earliest, in the order they were logged. A
//!   point is stored whole, together with its share of the run's summary (one transaction holds both), never half:
//!   each `log_metric` call is one point. Batches (`tracker::batch`) do not go through this writer: each is one
//!   transaction of its own.
//! - A transaction holds up to `MAX_BATCH` (16,384) points. It writes their new `metric_series` rows, multi-row
//!   INSERTs of up to `ROWS_PER_INSERT` (512) points each, and the upsert of the per-(run, key) summary
//!   `run_metric_summary` (last value, step and timestamp, min, max, sum and count). While a statement executes,
//!   while `BEGIN` waits for the lock and while the commit runs, the writer keeps receiving into its own queue (at
//!   most `2 × MAX_BATCH` waiting messages). Points the open transaction has taken no longer count against that
//!   limit, so when callers log faster than SQLite stores, a full queue gets room back with every statement (about a
//!   millisecond), not once per commit. What is left for a waiting caller is the gap between two transactions:
//!   the commit, the pause below and the next `BEGIN`. The store checkpoints the WAL beside the writer
//!   (`store::checkpoint`), so no commit copies the WAL into the database. A single SQLite step still takes several
//!   ms now and then on a busy machine; a caller waits for it at most 4 ms, then enters on a spare place
//!   (`admission.rs`). Measured with `bench`: the slowest of 1,000,000 calls waits 5–6 ms (benchmarks/RESULTS.md).
//! - A failed batch is retried one run at a time, so only the offending run's points are lost; the loss is reported by
//!   the next `flush()` or `log_metric` as `TrackerError::MetricsNotWritten`.
//! - Sharing the file: a writer with a backlog leaves the lock free for 2 ms (`WRITER_PAUSE`; 5 ms while other writers
//!   of this process wait for the lock, `WRITER_PAUSE_SHARED`) after holding it back to back for a random 8–32 ms (a
//!   transaction is not cut short for it; at full speed one takes about 20 ms). A waiting writer (another process's,
//!   or another connection of this one) polls the lock with sleeps of up to 100 ms; since the holds are random its
//!   polls cannot stay out of step with the pauses, so it gets in after one to two seconds on average (see
//!   `HOLD_MIN`). The writer keeps receiving while it pauses.
//! - Storage: each (run, key) is a row of `metric_series` with an integer id that is never reused (AUTOINCREMENT); a
//!   point is a row of `metric_values (series_id, step, ts_ms, value)` indexed by `(series_id, step)`, about 20 bytes
//!   instead of repeating the 36-byte run id and the key in the row and its index, which about doubles SQLite's insert
//!   rate. The view `metric_points` presents them as plain rows with their run and key.
//! - The writer caches series ids (at most 65,536, then the cache starts over). If another process deletes a run this
//!   one still logs to, the points fail on the foreign key and are reported lost, never filed under another run.
//!   Databases with the one-row-per-point layout are migrated in place, point order included.
//! - Tests (`tests/it/tracker/ingest.rs`): two processes logging into one file at once, and `kill -9` during ingestion
//!   (every point acknowledged by `flush()` present afterwards).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::{Sqlite, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::stream::{Queue, write_streaming};
use crate::store::{Store, StoreError};

/// Most channel messages taken per batch (one transaction).
pub(crate) const MAX_BATCH: usize = 16_384;
/// With a backlog, the writer commits transaction after transaction and would take SQLite's write lock again
/// microseconds after releasing it; another connection's writer (this process's or another's) polls for the lock with
/// sleeps of up to 100 ms and could starve past its busy timeout. So after holding the lock back to back for a random
/// time between `HOLD_MIN` and `HOLD_MAX` the writer leaves it free for `WRITER_PAUSE`. The hold is random so a
/// waiter's polls cannot stay in step with the pauses: each poll finds the lock free with a probability of about
/// `WRITER_PAUSE / (mean hold + WRITER_PAUSE)` (1 in 11 with these figures, about 1 in 16 at full speed, where a
/// hold also runs to the end of its last transaction), so a waiter gets in after one to two seconds on average and
/// the chance it is still waiting after the 30 s busy timeout (some 300 polls) is below 1e-8. The writer gives up
/// under a tenth of its time under sustained load, and keeps receiving during the pause, so callers wait on it only
/// while its queue is full.
const HOLD_MIN: std::time::Duration = std::time::Duration::from_millis(8);
const HOLD_MAX: std::time::Duration = std::time::Duration::from_millis(32);
const WRITER_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);
/// The pause while writers of this process wait for the lock (`Store::waiting_writers`): they are known to be there,
/// so they get a longer window (many small transactions, such as runs starting and finishing beside a stream of
/// metrics, get through one pause).
const WRITER_PAUSE_SHARED: std::time::Duration = std::time::Duration::from_millis(5);
/// Rows per full multi-row INSERT (4 binds each: far under SQLite's 32766 bind limit); the remainder of a batch is
/// written with power-of-two sized statements so only a dozen distinct statements are ever prepared.
pub(crate) const ROWS_PER_INSERT: usize = 512;
/// Summary rows per upsert statement (9 binds each).
const SUMMARIES_PER_UPSERT: usize = 64;

/// One metric point on its way to the database.
#[derive(Debug)]
pub(crate) struct Point {
    pub run: Arc<str>,
    pub key: Arc<str>,
    pub value: f64,
    pub step: i64,
    pub ts_ms: i64,
}

pub(crate) enum WriterMsg {
    /// A point and the place it was admitted on (given back when the writer takes it).
    Point(Point, super::admission::Place),
    /// Answer once everything queued before this marker is committed.
    Flush(oneshot::Sender<()>),
    /// Like `Flush`, then stop the writer.
    Stop(oneshot::Sender<()>),
}

/// Points of one run that could not be written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, specta::Type)]
pub struct MetricWriteFailure {
    pub run_id: String,
    pub points: usize,
    pub error: String,
}

pub(crate) fn describe_failures(failures: &[MetricWriteFailure]) -> String {
    let total: usize = failures.iter().map(|f| f.points).sum();
    let each: Vec<String> =
        failures.iter().map(|f| format!("run {}: {} points ({})", f.run_id, f.points, f.error)).collect();
    format!("{total} metric points could not be written: {}", each.join("; "))
}

/// The writer loop: runs until a `Stop` marker arrives or every sender is gone.
pub(crate) async fn run(
    store: Store,
    mut rx: mpsc::Receiver<WriterMsg>,
    admission: Arc<super::admission::Admission>,
    failed: Arc<AtomicBool>,
    failures: Arc<Mutex<Vec<MetricWriteFailure>>>,
) {
    let sql = Statements::new();
    let mut series = SeriesIds::default();
    let mut queue = Queue::admitting(admission);
    let mut hold = Hold::new();
    loop {
        if queue.is_idle() && !queue.receive(&mut rx).await {
            break;
        }
        if queue.points.is_empty() {
            // Only markers: everything before them is settled.
            queue.settle(0);
            if queue.stop {
                break;
            }
            continue;
        }
        let started = *hold.since.get_or_insert_with(std::time::Instant::now);
        let (n, written) = write_streaming(&store, &sql, &mut series, &mut rx, &mut queue).await;
        let lost = match written {
            Ok(()) => Vec::new(),
            // Nothing of the transaction was kept: retry its points, run by run if need be.
            Err(_) => write_or_isolate(&store, &sql, &mut series, &queue.points[..n]).await,
        };
        if !lost.is_empty()
            && let Ok(mut f) = failures.lock()
        {
            merge_failures(&mut f, lost);
            failed.store(true, Ordering::Release);
        }
        queue.settle(n);
        if queue.stop && queue.is_idle() {
            break;
        }
        if queue.points.is_empty() && rx.is_empty() {
            // The lock was free whenever the channel was empty.
            hold.since = None;
        } else if started.elapsed() >= hold.limit {
            store.checkpoint_now();
            let pause = if store.waiting_writers() > 0 { WRITER_PAUSE_SHARED } else { WRITER_PAUSE };
            queue.draining(&mut rx, tokio::time::sleep(pause)).await;
            hold.next();
        }
    }
    // Every sender is gone (or the writer was stopped): answer whoever still waits.
    queue.settle(0);
}

/// How long the writer has held the write lock back to back, and how long it may before pausing.
struct Hold {
    since: Option<std::time::Instant>,
    limit: std::time::Duration,
    rng: u64,
}

impl Hold {
    fn new() -> Hold {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id()).rotate_left(32);
        let mut hold = Hold { since: None, limit: HOLD_MAX, rng: seed | 1 };
        hold.next();
        hold
    }

    /// Start a new hold with a fresh random limit in `HOLD_MIN..=HOLD_MAX`.
    fn next(&mut self) {
        // xorshift64: plenty for de-phasing the pauses from other writers' polls.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let span = (HOLD_MAX - HOLD_MIN).as_micros() as u64;
        self.limit = HOLD_MIN + std::time::Duration::from_micros(self.rng % (span + 1));
        self.since = None;
    }
}

/// Add `lost` to the pending failures, one entry per run (a run's points may fail across several batches).
fn merge_failures(pending: &mut Vec<MetricWriteFailure>, lost: Vec<MetricWriteFailure>) {
    for l in lost {
        match pending.iter_mut().find(|p| p.run_id == l.run_id) {
            Some(p) => p.points += l.points,
            None => pending.push(l),
        }
    }
}

/// Write a batch in one transaction; if that fails, write each run's points in its own transaction and return the
/// runs whose points still failed.
pub(crate) async fn write_or_isolate(
    store: &Store,
    sql: &Statements,
    series: &mut SeriesIds,
    points: &[Point],
) -> Vec<MetricWriteFailure> {
    let all: Vec<&Point> = points.iter().collect();
    if write_batch(store, sql, series, &all).await.is_ok() {
        return Vec::new();
    }
    let mut by_run: HashMap<&str, Vec<&Point>> = HashMap::new();
    for p in points {
        by_run.entry(&p.run).or_default().push(p);
    }
    let mut lost = Vec::new();
    for (run_id, run_points) in by_run {
        if let Err(e) = write_batch(store, sql, series, &run_points).await {
            series.forget(run_id);
            lost.push(MetricWriteFailure {
                run_id: run_id.to_string(),
                points: run_points.len(),
                error: e.to_string(),
            });
        }
    }
    lost.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    lost
}

/// Aggregate of one (run, key) within a batch, merged into `run_metric_summary` by the upsert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Agg {
    pub last_value: f64,
    pub last_step: i64,
    pub last_ts_ms: i64,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub count: i64,
}

impl Agg {
    pub(crate) fn new(p: &Point) -> Agg {
        Agg {
            last_value: p.value,
            last_step: p.step,
            last_ts_ms: p.ts_ms,
            min: p.value,
            max: p.value,
            sum: p.value,
            count: 1,
        }
    }

    /// Fold in a later point; on equal (step, ts) the later point wins, as the upsert does.
    pub(crate) fn add(&mut self, p: &Point) {
        if (p.step, p.ts_ms) >= (self.last_step, self.last_ts_ms) {
            self.last_value = p.value;
            self.last_step = p.step;
            self.last_ts_ms = p.ts_ms;
        }
        self.min = self.min.min(p.value);
        self.max = self.max.max(p.value);
        self.sum += p.value;
        self.count += 1;
    }
}

/// The batch's series (each with its first point, which names its run and key, and the aggregate of its points),
/// and for each point the index of its series.
pub(crate) fn aggregate<'a>(points: &[&'a Point]) -> (Vec<(&'a Point, Agg)>, Vec<usize>) {
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut series: Vec<(&Point, Agg)> = Vec::new();
    let mut of_point = Vec::with_capacity(points.len());
    for &p in points {
        let i = match index.entry((&p.run, &p.key)) {
            Entry::Occupied(e) => {
                series[*e.get()].1.add(p);
                *e.get()
            }
            Entry::Vacant(e) => {
                series.push((p, Agg::new(p)));
                *e.insert(series.len() - 1)
            }
        };
        of_point.push(i);
    }
    (series, of_point)
}

/// Series ids of (run, key) pairs whose `metric_series` row is committed, so each batch resolves only new pairs.
/// Bounded: cleared when it holds `MAX_CACHED_SERIES` entries (it refills from the table as series come back).
#[derive(Default)]
pub(crate) struct SeriesIds {
    by_run: HashMap<Arc<str>, HashMap<Arc<str>, i64>>,
    len: usize,
}

const MAX_CACHED_SERIES: usize = 65_536;

impl SeriesIds {
    pub(crate) fn get(&self, run: &str, key: &str) -> Option<i64> {
        self.by_run.get(run).and_then(|keys| keys.get(key)).copied()
    }

    pub(crate) fn insert(&mut self, run: &Arc<str>, key: &Arc<str>, id: i64) {
        if self.len >= MAX_CACHED_SERIES {
            self.by_run.clear();
            self.len = 0;
        }
        if self.by_run.entry(run.clone()).or_default().insert(key.clone(), id).is_none() {
            self.len += 1;
        }
    }

    /// Drop a run's entries (its points failed: the run may have been deleted).
    fn forget(&mut self, run: &str) {
        if let Some(keys) = self.by_run.remove(run) {
            self.len -= keys.len();
        }
    }
}

/// The id of a run's series for `key`, created if missing (a missing run fails here, on the foreign key).
pub(crate) async fn series_id(tx: &mut Transaction<'static, Sqlite>, run: &str, key: &str) -> Result<i64, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM metric_series WHERE run_id = ? AND key = ?")
        .bind(run)
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
    match found {
        Some(id) => Ok(id),
        None => {
            sqlx::query_scalar("INSERT INTO metric_series (run_id, key) VALUES (?, ?) RETURNING id")
                .bind(run)
                .bind(key)
                .fetch_one(&mut **tx)
                .await
        }
    }
}

/// The SQL text of every statement size the writer uses, built once.
pub(crate) struct Statements {
    /// `inserts[i]` inserts `2^i` rows; the last one inserts `ROWS_PER_INSERT`.
    inserts: Vec<String>,
    upserts: Vec<String>,
}

impl Statements {
    pub(crate) fn new() -> Statements {
        let sizes = |max: usize| (0..).map(|i| 1usize << i).take_while(move |n| *n <= max).collect::<Vec<_>>();
        let inserts = sizes(ROWS_PER_INSERT)
            .into_iter()
            .map(|n| {
                format!(
                    "INSERT INTO metric_values (series_id, step, ts_ms, value) VALUES {}",
                    vec!["(?, ?, ?, ?)"; n].join(", ")
                )
            })
            .collect();
        let upserts = sizes(SUMMARIES_PER_UPSERT)
            .into_iter()
            .map(|n| {
                format!(
                    "INSERT INTO run_metric_summary \
                     (run_id, key, last_value, last_step, last_ts_ms, min_value, max_value, sum_value, count) \
                     VALUES {} \
                     ON CONFLICT (run_id, key) DO UPDATE SET \
                     last_value = CASE WHEN (excluded.last_step, excluded.last_ts_ms) >= (last_step, last_ts_ms) \
                                  THEN excluded.last_value ELSE last_value END, \
                     last_ts_ms = CASE WHEN (excluded.last_step, excluded.last_ts_ms) >= (last_step, last_ts_ms) \
                                  THEN excluded.last_ts_ms ELSE last_ts_ms END, \
                     last_step = MAX(last_step, excluded.last_step), \
                     min_value = MIN(min_value, excluded.min_value), \
                     max_value = MAX(max_value, excluded.max_value), \
                     sum_value = sum_value + excluded.sum_value, \
                     count = count + excluded.count",
                    vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; n].join(", ")
                )
            })
            .collect();
        Statements { inserts, upserts }
    }

    /// The INSERT of `2^idx` points.
    pub(crate) fn insert(&self, idx: usize) -> &str {
        &self.inserts[idx]
    }
}

/// Split `len` rows into statement sizes: as many full `max`-row statements as fit, then powers of two.
pub(crate) fn chunk_sizes(mut len: usize, max: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let full = max.trailing_zeros() as usize;
    while len >= max {
        out.push((full, max));
        len -= max;
    }
    for i in (0..full).rev() {
        if len & (1 << i) != 0 {
            out.push((i, 1 << i));
        }
    }
    out
}

/// Merge per-(run, key) aggregates into `run_metric_summary`.
pub(crate) async fn upsert_summaries(
    tx: &mut Transaction<'static, Sqlite>,
    sql: &Statements,
    rows: &[(&str, &str, Agg)],
) -> Result<(), sqlx::Error> {
    let mut rest = rows;
    for (idx, n) in chunk_sizes(rows.len(), SUMMARIES_PER_UPSERT) {
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let mut q = sqlx::query(&sql.upserts[idx]);
        for (run, key, a) in chunk {
            q = q
                .bind(*run)
                .bind(*key)
                .bind(a.last_value)
                .bind(a.last_step)
                .bind(a.last_ts_ms)
                .bind(a.min)
                .bind(a.max)
                .bind(a.sum)
                .bind(a.count);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Insert `points` and merge their aggregates into the summary table, all in one write transaction.
async fn write_batch(
    store: &Store,
    sql: &Statements,
    series: &mut SeriesIds,
    points: &[&Point],
) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    let fresh = insert_points(&mut tx, sql, series, points).await?;
    tx.commit().await?;
    // Only now are the new series rows durable (a failed batch rolls them back), so only now are they cached.
    for (p, id) in fresh {
        series.insert(&p.run, &p.key, id);
    }
    Ok(())
}

/// Insert `points` and merge their aggregates into the summary table inside the caller's transaction (the batch
/// writer of `tracker::batch` shares its transaction with a batch's other rows). Returns the series rows it created,
/// to be cached once the transaction has committed.
pub(crate) async fn insert_points<'p>(
    tx: &mut Transaction<'static, Sqlite>,
    sql: &Statements,
    series: &SeriesIds,
    points: &[&'p Point],
) -> Result<Vec<(&'p Point, i64)>, StoreError> {
    let (summaries, of_point) = aggregate(points);
    let mut ids = Vec::with_capacity(summaries.len());
    let mut fresh = Vec::new();
    for (i, (first, _)) in summaries.iter().enumerate() {
        match series.get(&first.run, &first.key) {
            Some(id) => ids.push(id),
            None => {
                ids.push(series_id(tx, &first.run, &first.key).await?);
                fresh.push(i);
            }
        }
    }
    // Each statement's arguments are bound while SQLite (on sqlx's connection thread) executes the one before.
    let mut chunks = chunk_sizes(points.len(), ROWS_PER_INSERT).into_iter().scan(0, |start, (idx, n)| {
        let rows = *start..*start + n;
        *start += n;
        Some((idx, rows))
    });
    let build = |(idx, rows): (usize, std::ops::Range<usize>)| {
        let mut q = sqlx::query(&sql.inserts[idx]);
        for j in rows {
            let p = points[j];
            q = q.bind(ids[of_point[j]]).bind(p.step).bind(p.ts_ms).bind(p.value);
        }
        q
    };
    let mut next = chunks.next().map(build);
    while let Some(q) = next.take() {
        // `join` polls the execution first (which hands the statement to the connection thread), then binds.
        let (done, built) = futures::future::join(q.execute(&mut **tx), async { chunks.next().map(build) }).await;
        done?;
        next = built;
    }
    let rows: Vec<(&str, &str, Agg)> = summaries.iter().map(|(first, a)| (&*first.run, &*first.key, *a)).collect();
    upsert_summaries(tx, sql, &rows).await?;
    Ok(fresh.into_iter().map(|i| (summaries[i].0, ids[i])).collect())
}

#[cfg(test)]
mod tests;

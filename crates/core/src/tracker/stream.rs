//! The metric writer's streaming transaction: how one write transaction takes points off the channel while it runs.
//!
//! A transaction does not take a fixed batch and then hold the channel shut while it executes: it inserts the points
//! waiting for it `ROWS_PER_INSERT` at a time, and while each statement executes (and while `BEGIN IMMEDIATE` waits
//! for the lock, and while the commit writes the WAL) it keeps receiving from the channel into `Queue`, which holds
//! at most `QUEUE_MAX` waiting messages besides the channel's own capacity. Points the open transaction has taken
//! no longer count as waiting, so even a full queue frees room with every statement (about a millisecond), and a
//! `log_metric` caller waiting on it waits at most for the gap between two transactions (commit, pause, `BEGIN`).
//! Points are acknowledged (`Flush`, `Stop`) only once the transaction holding them is committed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use sqlx::{Sqlite, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::admission::{Admission, Place};
use super::writer::{Agg, MAX_BATCH, Point, ROWS_PER_INSERT, SeriesIds, Statements, WriterMsg};
use crate::store::{Store, StoreError};

/// Most messages the writer holds off the channel waiting for a transaction, besides the points the open transaction
/// has taken (at most `MAX_BATCH`).
pub(crate) const QUEUE_MAX: usize = 2 * MAX_BATCH;

/// Messages taken off the channel and not yet settled, in order.
#[derive(Default)]
pub(crate) struct Queue {
    /// Points not yet committed; the open transaction holds a prefix of them.
    pub points: Vec<Point>,
    /// How many of `points` the open transaction has taken: they no longer count against `QUEUE_MAX`.
    in_tx: usize,
    /// `Flush`/`Stop` answers, each after the number of points (counted since the writer started) before its marker.
    acks: Vec<(u64, oneshot::Sender<()>)>,
    received: u64,
    settled: u64,
    /// A `Stop` marker has arrived: take nothing more.
    pub stop: bool,
    /// Messages received while something else was awaited, not yet sorted into `points` and `acks`.
    incoming: Vec<WriterMsg>,
    /// Where the places of points taken off the channel are given back.
    admission: Option<Arc<Admission>>,
}

impl Drop for Queue {
    /// The writer is gone (stopped, or its task ended otherwise): callers waiting for a place get an error, not a
    /// wait that never ends.
    fn drop(&mut self) {
        if let Some(admission) = &self.admission {
            admission.close();
        }
    }
}

impl Queue {
    pub fn admitting(admission: Arc<Admission>) -> Queue {
        let mut queue = Queue::default();
        queue.admission = Some(admission);
        queue
    }

    /// Nothing waits to be written or answered.
    pub fn is_idle(&self) -> bool {
        self.points.is_empty() && self.acks.is_empty() && self.incoming.is_empty()
    }

    /// Wait for at least one message (unless stopping); false once every sender is gone and nothing is left.
    pub async fn receive(&mut self, rx: &mut mpsc::Receiver<WriterMsg>) -> bool {
        if self.stop || rx.recv_many(&mut self.incoming, MAX_BATCH).await == 0 {
            return false;
        }
        self.sort();
        true
    }

    /// Take whatever the channel holds right now, up to `max` messages.
    fn take_ready(&mut self, rx: &mut mpsc::Receiver<WriterMsg>, max: usize) {
        while !self.stop && self.incoming.len() < max.min(self.room()) {
            match rx.try_recv() {
                Ok(msg) => self.incoming.push(msg),
                Err(_) => break,
            }
        }
        self.sort();
    }

    fn room(&self) -> usize {
        QUEUE_MAX.saturating_sub(self.points.len() - self.in_tx + self.incoming.len())
    }

    fn sort(&mut self) {
        let (mut regular, mut spare) = (0, 0);
        for msg in self.incoming.drain(..) {
            match msg {
                WriterMsg::Point(p, place) => {
                    self.points.push(p);
                    self.received += 1;
                    match place {
                        Place::Regular => regular += 1,
                        Place::Spare => spare += 1,
                    }
                }
                WriterMsg::Flush(ack) => self.acks.push((self.received, ack)),
                WriterMsg::Stop(ack) => {
                    self.acks.push((self.received, ack));
                    self.stop = true;
                }
            }
        }
        if let Some(admission) = &self.admission {
            admission.leave(regular, spare);
        }
    }

    /// The first `n` points are committed (or reported lost): drop them and answer the markers that waited for them.
    pub fn settle(&mut self, n: usize) {
        self.points.drain(..n);
        self.in_tx = 0;
        self.settled += n as u64;
        let settled = self.settled;
        let (due, rest): (Vec<_>, Vec<_>) = self.acks.drain(..).partition(|(after, _)| *after <= settled);
        self.acks = rest;
        for (_, ack) in due {
            let _ = ack.send(());
        }
    }

    /// Await `fut` while receiving from the channel (up to the queue's room), so callers blocked on a full channel
    /// keep moving while the writer waits on SQLite.
    pub async fn draining<F: Future>(&mut self, rx: &mut mpsc::Receiver<WriterMsg>, fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        loop {
            let room = self.room();
            if room == 0 || self.stop {
                return fut.await;
            }
            let before = self.incoming.len();
            tokio::select! {
                biased;
                out = &mut fut => {
                    self.sort();
                    return out;
                }
                n = rx.recv_many(&mut self.incoming, room) => {
                    if n == 0 && self.incoming.len() == before {
                        self.sort();
                        return fut.await;
                    }
                    // Sorting now lets a `Stop` end the receiving.
                    self.sort();
                }
            }
        }
    }
}

/// The series the open transaction has written to, with the aggregate of its points there.
#[derive(Default)]
struct OpenSeries {
    index: HashMap<Arc<str>, HashMap<Arc<str>, usize>>,
    list: Vec<Entry>,
}

struct Entry {
    run: Arc<str>,
    key: Arc<str>,
    id: i64,
    /// Created by this transaction: cached only once it commits.
    fresh: bool,
    agg: Option<Agg>,
}

impl OpenSeries {
    fn find(&self, run: &str, key: &str) -> Option<usize> {
        self.index.get(run).and_then(|keys| keys.get(key)).copied()
    }

    fn add(&mut self, p: &Point, id: i64, fresh: bool) {
        self.index.entry(p.run.clone()).or_default().insert(p.key.clone(), self.list.len());
        self.list.push(Entry { run: p.run.clone(), key: p.key.clone(), id, fresh, agg: None });
    }

    /// Make sure every point's series has an id (from the cache, or found or created in the transaction).
    async fn resolve(
        &mut self,
        tx: &mut Transaction<'static, Sqlite>,
        cache: &SeriesIds,
        chunk: &[Point],
    ) -> Result<(), sqlx::Error> {
        for p in chunk {
            if self.find(&p.run, &p.key).is_some() {
                continue;
            }
            match cache.get(&p.run, &p.key) {
                Some(id) => self.add(p, id, false),
                None => {
                    let id = super::writer::series_id(tx, &p.run, &p.key).await?;
                    self.add(p, id, true);
                }
            }
        }
        Ok(())
    }

    /// Fold the chunk into the aggregates and build its INSERT statements (every series resolved).
    fn build<'q>(
        &mut self,
        sql: &'q Statements,
        chunk: &[Point],
    ) -> Vec<sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>> {
        let mut ids = Vec::with_capacity(chunk.len());
        for p in chunk {
            let i = self.find(&p.run, &p.key).expect("series resolved before building");
            let e = &mut self.list[i];
            match &mut e.agg {
                Some(a) => a.add(p),
                None => e.agg = Some(Agg::new(p)),
            }
            ids.push(e.id);
        }
        let mut start = 0;
        super::writer::chunk_sizes(chunk.len(), ROWS_PER_INSERT)
            .into_iter()
            .map(|(idx, n)| {
                let mut q = sqlx::query(sql.insert(idx));
                for j in start..start + n {
                    let p = &chunk[j];
                    q = q.bind(ids[j]).bind(p.step).bind(p.ts_ms).bind(p.value);
                }
                start += n;
                q
            })
            .collect()
    }
}

/// Write a prefix of the queue's points (up to `MAX_BATCH`, more arriving while it runs) in one transaction.
/// Returns how many points the transaction covered and whether it committed; on failure nothing of it is kept and
/// the caller decides what to do with those points.
pub(crate) async fn write_streaming(
    store: &Store,
    sql: &Statements,
    cache: &mut SeriesIds,
    rx: &mut mpsc::Receiver<WriterMsg>,
    queue: &mut Queue,
) -> (usize, Result<(), StoreError>) {
    let mut n = 0;
    let result = transaction(store, sql, cache, rx, queue, &mut n).await;
    (n, result)
}

async fn transaction(
    store: &Store,
    sql: &Statements,
    cache: &mut SeriesIds,
    rx: &mut mpsc::Receiver<WriterMsg>,
    queue: &mut Queue,
    n: &mut usize,
) -> Result<(), StoreError> {
    let mut tx = queue.draining(rx, store.begin_write()).await?;
    let mut open = OpenSeries::default();
    loop {
        if queue.points.len() == *n {
            queue.take_ready(rx, ROWS_PER_INSERT);
        }
        let end = queue.points.len().min(*n + ROWS_PER_INSERT).min(MAX_BATCH);
        if end == *n {
            break;
        }
        // Counted as part of this transaction from here on: a failure below loses (or retries) these points too.
        let start = std::mem::replace(n, end);
        // Taken: room for as many more in the queue, so callers waiting on a full queue move on now, not at commit.
        queue.in_tx = end;
        let chunk = &queue.points[start..end];
        open.resolve(&mut tx, cache, chunk).await?;
        let queries = open.build(sql, chunk);
        let execute = async {
            for q in queries {
                q.execute(&mut *tx).await?;
            }
            Ok::<(), sqlx::Error>(())
        };
        queue.draining(rx, execute).await?;
    }
    let rows: Vec<(&str, &str, Agg)> = open.list.iter().filter_map(|e| e.agg.map(|a| (&*e.run, &*e.key, a))).collect();
    super::writer::upsert_summaries(&mut tx, sql, &rows).await?;
    queue.draining(rx, tx.commit()).await?;
    for e in open.list.iter().filter(|e| e.fresh) {
        cache.insert(&e.run, &e.key, e.id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures::FutureExt;
    use tokio::sync::mpsc;

    use super::{MAX_BATCH, Place, Point, QUEUE_MAX, Queue, WriterMsg, write_streaming};
    use crate::store::Store;
    use crate::tracker::writer::{SeriesIds, Statements};
    use crate::tracker::{METRIC_CHANNEL_CAPACITY, RunStart, Tracker};

    /// A store with one running run (its id is returned), and a writer queue holding `queued` of its points.
    async fn queue_of(dir: &std::path::Path, queued: usize) -> (Store, Arc<str>, Queue) {
        let tracker = Tracker::new(Store::open(&dir.join("t.db")).await.unwrap());
        tracker.create_experiment("e", "", &Default::default()).await.unwrap();
        let run = tracker.start_run(&RunStart { experiment: "e".into(), ..Default::default() }).await.unwrap().id;
        let store = tracker.store().clone();
        tracker.shutdown().await.unwrap();
        let run: Arc<str> = run.into();
        let mut queue = Queue::default();
        queue.points = (0..queued).map(|i| point(&run, i)).collect();
        (store, run, queue)
    }

    fn point(run: &Arc<str>, step: usize) -> Point {
        Point { run: run.clone(), key: "loss".into(), value: 1.0, step: step as i64, ts_ms: 1_767_225_600_000 }
    }

    /// A full queue gets room back as the open transaction takes its points, statement by statement, not only when
    /// the transaction commits: messages waiting on the channel are received while it runs, and it still takes a
    /// whole `MAX_BATCH`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_frees_room_as_the_transaction_takes_points() {
        let dir = tempfile::tempdir().unwrap();
        let (store, run, mut queue) = queue_of(dir.path(), QUEUE_MAX).await;
        let (tx, mut rx) = mpsc::channel(4_096);
        for i in 0..2_000 {
            tx.try_send(WriterMsg::Point(point(&run, QUEUE_MAX + i), Place::Regular)).unwrap();
        }
        let (n, written) =
            write_streaming(&store, &Statements::new(), &mut SeriesIds::default(), &mut rx, &mut queue).await;
        written.unwrap();
        assert_eq!(n, MAX_BATCH, "one whole batch");
        assert!(rx.is_empty(), "{} messages were left on the channel", rx.len());
        assert_eq!(queue.points.len(), QUEUE_MAX + 2_000);
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM metric_points").fetch_one(store.pool()).await.unwrap();
        assert_eq!(stored, MAX_BATCH as i64);
        queue.settle(n);
        assert_eq!(queue.room(), QUEUE_MAX - (QUEUE_MAX + 2_000 - MAX_BATCH));
    }

    /// While SQLite keeps the writer waiting (here: another connection holds the write lock, as a long commit
    /// would), the writer keeps taking points off the channel, so callers find room until its own queue is full
    /// too, instead of stalling as soon as the channel is.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_find_room_while_the_writer_waits_on_sqlite() {
        // 2026-01-01T00:00:00Z, inside the accepted range.
        const TS: i64 = 1_767_225_600_000;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let tracker = Tracker::new(Store::open(&path).await.unwrap());
        tracker.create_experiment("e", "", &Default::default()).await.unwrap();
        let run = tracker.start_run(&RunStart { experiment: "e".into(), ..Default::default() }).await.unwrap().id;
        // The first point checks that the run is running (a read); later ones only queue.
        tracker.log_metric(&run, "loss", 1.0, 0, Some(TS)).await.unwrap();
        let other = Store::open(&path).await.unwrap();
        let lock = other.begin_write().await.unwrap();

        // More than the channel and one batch hold (all that callers could queue before), within channel + queue.
        let total = METRIC_CHANNEL_CAPACITY + QUEUE_MAX - 1_000;
        for i in 1..total {
            let mut waits = 0;
            // Polled once per try: `None` means the caller would have to wait for room.
            loop {
                match tracker.log_metric(&run, "loss", 1.0, i as i64, Some(TS)).now_or_never() {
                    Some(logged) => break logged.unwrap(),
                    None => {
                        waits += 1;
                        assert!(waits < 5_000, "log_metric blocked at point {i} while the writer waited for the lock");
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    }
                }
            }
        }
        lock.rollback().await.unwrap();
        tracker.flush().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points").fetch_one(other.pool()).await.unwrap();
        assert_eq!(n, total as i64);
        let steps: i64 =
            sqlx::query_scalar("SELECT COUNT(DISTINCT step) FROM metric_points").fetch_one(other.pool()).await.unwrap();
        assert_eq!(steps, total as i64);
        tracker.shutdown().await.unwrap();
    }
}

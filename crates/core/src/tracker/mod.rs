//! The experiment tracker: experiments, runs, params, tags, metrics (through a batching background writer),
//! conversation messages and actions. This file holds the `Tracker` handle, its error type and the metric hot path;
//! the operations live in the sibling modules (`experiments`, `runs`, `conversation`, `summary`, `batch`).

mod admission;
pub mod artifacts;
pub mod batch;
pub mod batch_keys;
pub mod conversation;
pub mod experiments;
pub mod runs;
pub mod search;
pub mod steps;
mod stream;
pub mod summary;
pub mod synthetic;
pub mod types;
pub mod validate;
pub(crate) mod writer;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use batch::{BatchLine, BatchReport, ParsedBatch};
pub use experiments::{ExperimentInfo, RunCounts};
pub use runs::RunStart;
pub use summary::{
    ExperimentComparison, ExperimentMetricStats, ExperimentSide, MetricRow, ParamRow, RunComparison, RunSummary,
    RunTotals,
};
pub use types::*;
pub use writer::MetricWriteFailure;

use crate::kind::ErrorKind;
use crate::store::{Store, StoreError};
use writer::{Point, WriterMsg};

/// How many points the metric channel holds before `log_metric` waits for the writer (backpressure; see
/// `admission` for the spare places a caller takes after waiting a few ms).
pub const METRIC_CHANNEL_CAPACITY: usize = 65_536;

#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("experiment {0:?} not found (give the id or the name of an existing experiment, archived ones included)")]
    ExperimentNotFound(String),
    #[error("an experiment named {0:?} already exists; pick another name")]
    ExperimentExists(String),
    #[error("experiment {0:?} is archived; restore it before starting runs in it")]
    ExperimentArchived(String),
    #[error("run {0:?} not found")]
    RunNotFound(String),
    #[error("model version {0:?} not found in the registry")]
    ModelVersionNotFound(String),
    #[error("run {run_id} is not running (it is {status}); {what} needs a running run")]
    RunNotRunning { run_id: String, status: RunStatus, what: &'static str },
    #[error(
        "run {run_id}: param {key:?} is already {stored:?}; params are immutable, refusing to change it to {new:?}"
    )]
    ParamConflict { run_id: String, key: String, stored: String, new: String },
    #[error("run {run_id} has no tag {key:?}")]
    TagNotFound { run_id: String, key: String },
    /// A value the caller gave is malformed (a key, a non-finite number, a bad status…).
    #[error("{0}")]
    Invalid(String),
    /// A line of a batch file is malformed.
    #[error("{file}:{line}: {message}")]
    BatchLine { file: String, line: usize, message: String },
    /// An error about the thing a batch file's line refers to (its run, a param it sets).
    #[error("{file}:{line}: {source}")]
    AtLine {
        file: String,
        line: usize,
        #[source]
        source: Box<TrackerError>,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Metric points accepted earlier could not be written; only the named runs' points are affected.
    #[error("{}", writer::describe_failures(.0))]
    MetricsNotWritten(Vec<MetricWriteFailure>),
    /// A batch id recorded earlier for other content.
    #[error(
        "batch id {batch_id:?} was already stored on {} UTC with different content; nothing was written (resend the same \
         content to retry that batch, or give new content a new batch id)",
        crate::util::fmt_ms(Some(*stored_at_ms))
    )]
    BatchIdReused { batch_id: String, stored_at_ms: i64 },
    /// Writing a batch failed; its transaction was rolled back, so none of its lines are stored.
    #[error("{file}: nothing from this batch was stored (batch id {batch_id}): {source}")]
    BatchNotStored {
        file: String,
        batch_id: String,
        #[source]
        source: Box<TrackerError>,
    },
    #[error("the metric writer has stopped (the tracker was shut down); no more metrics can be logged")]
    WriterStopped,
}

impl TrackerError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            TrackerError::Store(e) => e.kind(),
            TrackerError::AtLine { source, .. } | TrackerError::BatchNotStored { source, .. } => source.kind(),
            TrackerError::ExperimentNotFound(_)
            | TrackerError::RunNotFound(_)
            | TrackerError::ModelVersionNotFound(_)
            | TrackerError::TagNotFound { .. } => ErrorKind::NotFound,
            TrackerError::ExperimentExists(_)
            | TrackerError::ExperimentArchived(_)
            | TrackerError::RunNotRunning { .. }
            | TrackerError::ParamConflict { .. }
            | TrackerError::BatchIdReused { .. } => ErrorKind::Conflict,
            TrackerError::Invalid(_) | TrackerError::BatchLine { .. } => ErrorKind::Input,
            TrackerError::Io { source, .. } => ErrorKind::of_user_path_io(source),
            TrackerError::MetricsNotWritten(_) | TrackerError::WriterStopped => ErrorKind::Failed,
        }
    }
}

impl From<sqlx::Error> for TrackerError {
    fn from(e: sqlx::Error) -> Self {
        TrackerError::Store(StoreError::from(e))
    }
}

/// In-memory state the hot path consults instead of the disk.
#[derive(Default)]
struct Caches {
    /// Runs known to exist and be running (as seen by this process).
    running: HashSet<Arc<str>>,
    /// Interned metric keys, so a point carries a shared pointer rather than a fresh string.
    keys: HashSet<Arc<str>>,
}

/// Most distinct metric keys interned before the interner is reset (bounds memory for pathological key sets).
const MAX_INTERNED_KEYS: usize = 100_000;

/// Handle to the tracker; owns the metric writer task.
pub struct Tracker {
    store: Store,
    tx: mpsc::Sender<WriterMsg>,
    caches: Mutex<Caches>,
    /// Set by the writer when a batch could not be written; checked (cheaply) on every `log_metric`.
    failed: Arc<AtomicBool>,
    failures: Arc<Mutex<Vec<MetricWriteFailure>>>,
    handle: Mutex<Option<JoinHandle<()>>>,
    /// Places in the writer's channel (see `admission`).
    admission: Arc<admission::Admission>,
    /// How many `log_metric` calls found the writer's channel full and had to wait for room.
    room_waits: std::sync::atomic::AtomicU64,
}

impl Tracker {
    /// Create the tracker and spawn its metric writer on the current tokio runtime.
    pub fn new(store: Store) -> Tracker {
        let (tx, rx) = mpsc::channel(admission::CHANNEL_SLOTS);
        let failed = Arc::new(AtomicBool::new(false));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let admission = Arc::new(admission::Admission::new());
        let handle = tokio::spawn(writer::run(store.clone(), rx, admission.clone(), failed.clone(), failures.clone()));
        Tracker {
            store,
            tx,
            caches: Mutex::new(Caches::default()),
            failed,
            failures,
            handle: Mutex::new(Some(handle)),
            admission,
            room_waits: Default::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Queue one metric point for the background writer. Validation uses in-memory state only (the database is
    /// consulted once per run, the first time this process logs to it). Returns once the point is queued, not
    /// written: call [`Tracker::flush`] (or [`Tracker::complete_run`]) to wait for durability. If earlier points could
    /// not be written, that error is returned here (and this point is not queued).
    pub async fn log_metric(
        &self,
        run_id: &str,
        key: &str,
        value: f64,
        step: i64,
        ts_ms: Option<i64>,
    ) -> Result<(), TrackerError> {
        validate::metric(key, value)?;
        if let Some(ts) = ts_ms {
            validate::metric_timestamp(key, ts)?;
        }
        if self.failed.load(Ordering::Acquire) {
            self.take_failures()?;
        }
        let (run, key) = match self.cached(run_id, key) {
            Some(pair) => pair,
            None => {
                runs::require_running(self.store.pool(), run_id, "logging metrics").await?;
                self.remember_running(run_id);
                self.cached(run_id, key).ok_or_else(|| TrackerError::RunNotFound(run_id.to_string()))?
            }
        };
        let ts_ms = ts_ms.unwrap_or_else(crate::util::now_ms);
        let point = Point { run, key, value, step, ts_ms };
        let place = match self.admission.try_enter() {
            Some(place) => place,
            None => {
                self.room_waits.fetch_add(1, Ordering::Relaxed);
                self.admission.enter().await.ok_or(TrackerError::WriterStopped)?
            }
        };
        // The channel has a slot for every place, so this waits only behind flush markers.
        self.tx.send(WriterMsg::Point(point, place)).await.map_err(|_| TrackerError::WriterStopped)
    }

    /// How many [`Tracker::log_metric`] calls so far found the writer's queue full and waited for room (the
    /// back-pressure a caller feels; `bench` uses it to tell those waits from the machine pausing the caller).
    pub fn room_waits(&self) -> u64 {
        self.room_waits.load(Ordering::Relaxed)
    }

    /// How many points so far entered the writer's queue on a spare place, after their caller had waited
    /// `admission::SPARE_AFTER` (4 ms) for a regular one.
    pub fn spare_entries(&self) -> usize {
        self.admission.spares_used()
    }

    /// Write one point now, in its own transaction, without the writer's queue: it is durable when this returns and
    /// an error is this point's own. The transports use this (each request is one transaction); with many callers
    /// sharing one tracker, [`Tracker::flush`] reports lost points to whichever caller asks first.
    pub async fn log_metric_now(
        &self,
        run_id: &str,
        key: &str,
        value: f64,
        step: i64,
        ts_ms: i64,
    ) -> Result<(), TrackerError> {
        validate::metric(key, value)?;
        validate::metric_timestamp(key, ts_ms)?;
        let mut tx = self.store.begin_write().await?;
        runs::require_running(&mut *tx, run_id, "logging metrics").await?;
        let point = Point { run: Arc::from(run_id), key: Arc::from(key), value, step, ts_ms };
        writer::insert_points(&mut tx, &writer::Statements::new(), &writer::SeriesIds::default(), &[&point]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Wait until every metric point queued before this call is committed; reports points that could not be written.
    pub async fn flush(&self) -> Result<(), TrackerError> {
        let (done, wait) = oneshot::channel();
        self.tx.send(WriterMsg::Flush(done)).await.map_err(|_| TrackerError::WriterStopped)?;
        wait.await.map_err(|_| TrackerError::WriterStopped)?;
        self.take_failures()
    }

    /// Flush everything queued so far and stop the writer. Later `log_metric` calls fail with `WriterStopped`.
    pub async fn shutdown(&self) -> Result<(), TrackerError> {
        let (done, wait) = oneshot::channel();
        if self.tx.send(WriterMsg::Stop(done)).await.is_ok() {
            // The writer answers after committing everything before the marker, then exits.
            let _ = wait.await;
        }
        let handle = self.handle.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            let _ = handle.await;
        }
        self.take_failures()
    }

    /// The shared run id and interned key for a run this process knows is running, or `None` on a cache miss.
    fn cached(&self, run_id: &str, key: &str) -> Option<(Arc<str>, Arc<str>)> {
        let mut caches = self.caches.lock().ok()?;
        let run = caches.running.get(run_id)?.clone();
        let key = match caches.keys.get(key) {
            Some(k) => k.clone(),
            None => {
                if caches.keys.len() >= MAX_INTERNED_KEYS {
                    caches.keys.clear();
                }
                let k: Arc<str> = Arc::from(key);
                caches.keys.insert(k.clone());
                k
            }
        };
        Some((run, key))
    }

    pub(crate) fn remember_running(&self, run_id: &str) {
        if let Ok(mut caches) = self.caches.lock() {
            caches.running.insert(Arc::from(run_id));
        }
    }

    pub(crate) fn forget_run(&self, run_id: &str) {
        if let Ok(mut caches) = self.caches.lock() {
            caches.running.remove(run_id);
        }
    }

    fn take_failures(&self) -> Result<(), TrackerError> {
        let taken = match self.failures.lock() {
            Ok(mut f) => {
                self.failed.store(false, Ordering::Release);
                std::mem::take(&mut *f)
            }
            Err(_) => Vec::new(),
        };
        if taken.is_empty() { Ok(()) } else { Err(TrackerError::MetricsNotWritten(taken)) }
    }
}

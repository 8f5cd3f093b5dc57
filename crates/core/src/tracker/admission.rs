//! Admission of `log_metric` points to the metric writer's channel: the bound on how long a caller waits.
//!
//! A caller takes one of `METRIC_CHANNEL_CAPACITY` regular places, which the writer gives back as it takes points off
//! the channel. A caller producing points faster than SQLite takes them finds every place taken and waits for the
//! writer's next step; that is normally well under a millisecond, but a single SQLite step now and then takes several
//! ms (a statement or `BEGIN` descheduled on a busy machine), and the caller then waited for all of it. So a caller
//! waits at most `SPARE_AFTER` for a regular place; past that it enters on one of `SPARE_PLACES` spare places, which
//! the writer gives back the same way. Only when the spare places are taken as well (the writer stuck for far longer
//! than one step) does a caller wait for a regular place however long it takes, so memory stays bounded.
//!
//! Every point still goes through the one channel, in order, so a flush marker still follows every point logged
//! before it and the points of one caller are written in the order it logged them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::METRIC_CHANNEL_CAPACITY;

/// Longest wait for a regular place before a caller takes a spare one.
pub(crate) const SPARE_AFTER: Duration = Duration::from_millis(4);

/// Spare places: points admitted past a full channel after waiting `SPARE_AFTER`.
pub(crate) const SPARE_PLACES: usize = 16_384;

/// What the channel itself must hold: every regular and spare place, and room for flush and stop markers.
pub(crate) const CHANNEL_SLOTS: usize = METRIC_CHANNEL_CAPACITY + SPARE_PLACES + 1_024;

/// Which kind of place a point was admitted on; the writer gives it back when it takes the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Regular,
    Spare,
}

pub(crate) struct Admission {
    regular: Semaphore,
    spare_taken: AtomicUsize,
    /// Points that entered on a spare place since the tracker started.
    spares_used: AtomicUsize,
}

impl Admission {
    pub(crate) fn new() -> Admission {
        Admission {
            regular: Semaphore::new(METRIC_CHANNEL_CAPACITY),
            spare_taken: AtomicUsize::new(0),
            spares_used: AtomicUsize::new(0),
        }
    }

    /// A regular place if one is free now, else `None` (the caller will wait).
    pub(crate) fn try_enter(&self) -> Option<Place> {
        // A closed semaphore also answers `Err` here; `enter` then reports it.
        self.regular.try_acquire().ok().map(|p| {
            p.forget();
            Place::Regular
        })
    }

    /// Wait for a place: a regular one for at most `SPARE_AFTER`, then a spare one if any is free, else a regular one
    /// however long it takes. `None` only if the tracker is closing.
    pub(crate) async fn enter(&self) -> Option<Place> {
        if let Ok(permit) = tokio::time::timeout(SPARE_AFTER, self.regular.acquire()).await {
            permit.ok()?.forget();
            return Some(Place::Regular);
        }
        if self.spare_taken.fetch_add(1, Ordering::AcqRel) < SPARE_PLACES {
            self.spares_used.fetch_add(1, Ordering::Relaxed);
            return Some(Place::Spare);
        }
        self.spare_taken.fetch_sub(1, Ordering::AcqRel);
        self.regular.acquire().await.ok()?.forget();
        Some(Place::Regular)
    }

    /// The writer took `regular` and `spare` points off the channel: their places are free again.
    pub(crate) fn leave(&self, regular: usize, spare: usize) {
        if regular > 0 {
            self.regular.add_permits(regular);
        }
        if spare > 0 {
            self.spare_taken.fetch_sub(spare, Ordering::AcqRel);
        }
    }

    /// No more places: every caller waiting for one, and every later one, gets `None`.
    pub(crate) fn close(&self) {
        self.regular.close();
    }

    /// How many points entered on a spare place so far.
    pub(crate) fn spares_used(&self) -> usize {
        self.spares_used.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With every regular place taken, a caller waits about `SPARE_AFTER` and enters on a spare place; once the spare
    /// places are gone too it waits until the writer gives a place back. (Tokio's clock is paused: time moves only
    /// when every task waits, so the waits below are exact.)
    #[tokio::test(start_paused = true)]
    async fn a_caller_takes_a_spare_place_only_after_waiting_and_only_while_one_is_free() {
        let a = Admission::new();
        for _ in 0..METRIC_CHANNEL_CAPACITY {
            assert_eq!(a.try_enter(), Some(Place::Regular));
        }
        assert_eq!(a.try_enter(), None);
        let t = tokio::time::Instant::now();
        assert_eq!(a.enter().await, Some(Place::Spare));
        assert_eq!(t.elapsed(), SPARE_AFTER, "entered on a spare place without waiting for a regular one");
        for _ in 1..SPARE_PLACES {
            a.spare_taken.fetch_add(1, Ordering::AcqRel);
        }
        let waiting = a.enter();
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(SPARE_AFTER * 3, &mut waiting).await.is_err(),
            "entered although every regular and spare place was taken"
        );
        a.leave(1, 0);
        assert_eq!(waiting.await, Some(Place::Regular));
        a.leave(0, SPARE_PLACES);
        assert_eq!(a.spare_taken.load(Ordering::Acquire), 0);
        assert_eq!(a.spares_used(), 1);
    }
}

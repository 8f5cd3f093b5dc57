//! The model registry: models, immutable versions, aliases, deployments and rollback.

use crate::error::ErrorKind;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RegistryError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            RegistryError::Store(e) => e.kind(),
        }
    }
}

impl From<sqlx::Error> for RegistryError {
    fn from(e: sqlx::Error) -> Self {
        RegistryError::Store(StoreError::from(e))
    }
}

/// Registry operations over the store.
#[derive(Clone)]
pub struct Registry {
    store: Store,
}

impl Registry {
    pub fn new(store: Store) -> Registry {
        Registry { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

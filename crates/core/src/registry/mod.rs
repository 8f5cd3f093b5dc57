//! The model registry: models, immutable versions, aliases, deployments and rollback, version comparison with
//! performance derived from linked runs, and export/import of a version as a YAML or JSON document.
//!
//! Submodules: `types` (domain types and validation), `refs` (parsing and resolving version references),
//! `versions` (creating, listing, archiving), `deploy` (aliases and the audit log), `compare`, `document`, and
//! `overview` (read-only views for other domains: the report's registry state, version names for evaluations).

pub mod compare;
pub mod deploy;
pub mod document;
pub mod overview;
pub mod refs;
pub(crate) mod rows;
pub mod types;
pub mod versions;

pub use compare::{CompareColumn, CompareField, Comparison, Performance};
pub use document::{DocFormat, FORMAT_TAG, VersionDocument};
pub use refs::VersionRef;
pub use types::*;
pub use versions::{ConfigPatch, ModelDetail, ModelSummary, NewVersion};

use crate::kind::ErrorKind;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unknown provider {given:?}: expected one of {valid}")]
    UnknownProvider { given: String, valid: String },
    #[error("{field}: expected {expected}, got {given}")]
    InvalidField { field: String, expected: String, given: String },
    #[error("invalid version reference {reference:?}: {detail} (use an id, NAME, NAME:N or NAME@ALIAS)")]
    InvalidReference { reference: String, detail: String },
    #[error("no model named {name:?}")]
    ModelNotFound { name: String },
    #[error("model version {reference:?} not found: {detail}")]
    VersionNotFound { reference: String, detail: String },
    #[error("{reference} is archived; archived versions cannot be deployed or rolled back to")]
    Archived { reference: String },
    #[error("{reference} is already deployed to {target}")]
    AlreadyDeployed { reference: String, target: String },
    #[error("nothing to roll back for {target} of model {model:?}: {detail}")]
    NothingToRollBack { model: String, target: String, detail: String },
    #[error("no changes: the new version's configuration is identical to its parent {parent}")]
    NoChanges { parent: String },
    #[error("{reference} is already archived")]
    AlreadyArchived { reference: String },
    #[error(
        "{reference} is deployed to {aliases}; deploy another version there first, or archive it with force to leave the aliases pointing at an archived version"
    )]
    ArchiveAliased { reference: String, aliases: String },
    #[error("{0}")]
    Usage(String),
    /// A bad export document: the source (file name or `-`), where in it, the field when known, and what is wrong.
    #[error("{source_name}{}: {}{message}", location(*line, *column), field.as_deref().map(|f| format!("field {f}: ")).unwrap_or_default())]
    Document { source_name: String, line: Option<usize>, column: Option<usize>, field: Option<String>, message: String },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl RegistryError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            RegistryError::Store(e) => e.kind(),
            RegistryError::UnknownProvider { .. }
            | RegistryError::InvalidField { .. }
            | RegistryError::InvalidReference { .. }
            | RegistryError::Usage(_)
            | RegistryError::Document { .. } => ErrorKind::Input,
            RegistryError::ModelNotFound { .. } | RegistryError::VersionNotFound { .. } => ErrorKind::NotFound,
            RegistryError::Archived { .. }
            | RegistryError::AlreadyDeployed { .. }
            | RegistryError::NothingToRollBack { .. }
            | RegistryError::NoChanges { .. }
            | RegistryError::AlreadyArchived { .. }
            | RegistryError::ArchiveAliased { .. } => ErrorKind::Conflict,
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
    /// Who the records this registry writes name (`created_by`, a deployment's user): the signed-in team user on a
    /// server, else the machine's user.
    actor: Option<String>,
}

impl Registry {
    pub fn new(store: Store) -> Registry {
        Registry { store, actor: None }
    }

    /// The same registry writing records in `user`'s name.
    pub fn acting_as(mut self, user: Option<&str>) -> Registry {
        self.actor = user.map(str::to_string);
        self
    }

    /// The name written records carry.
    pub(crate) fn actor(&self) -> String {
        self.actor.clone().unwrap_or_else(crate::util::os_user)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_exit_codes() {
        let nf = RegistryError::VersionNotFound { reference: "m:9".into(), detail: "x".into() };
        assert_eq!(nf.kind().exit_code(), 2);
        assert_eq!(RegistryError::NoChanges { parent: "m:1".into() }.kind(), ErrorKind::Conflict);
        let doc = RegistryError::Document {
            source_name: "v.yaml".into(),
            line: Some(3),
            column: Some(14),
            field: Some("temperature".into()),
            message: "expected a number".into(),
        };
        assert_eq!(doc.to_string(), "v.yaml:3:14: field temperature: expected a number");
        assert_eq!(doc.kind(), ErrorKind::Input);
    }
}

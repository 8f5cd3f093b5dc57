//! The browser agent: planners (LLM-backed and the offline baseline) and the loop that drives a browser with them.

pub mod artifacts;
pub mod baseline;
pub mod driver;
mod episode;
pub mod llm_planner;
pub mod prompt;
pub mod recorder;
pub mod run;
pub mod schema;
pub mod secrets;
pub mod types;

use crate::kind::ErrorKind;
use crate::store::StoreError;
use crate::tracker::TrackerError;

/// Errors of the agent module's storage side (recording, artifacts).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    #[error("artifact {0} not found")]
    ArtifactNotFound(String),
    #[error("artifact {hash}: stored content hashes to {actual}; the database is damaged")]
    ArtifactCorrupt { hash: String, actual: String },
    #[error("artifact {hash}: zstd failed: {detail}")]
    Compression { hash: String, detail: String },
    #[error("{0}")]
    Invalid(String),
}

impl AgentError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            AgentError::Store(e) => e.kind(),
            AgentError::Tracker(e) => e.kind(),
            AgentError::ArtifactNotFound(_) => ErrorKind::NotFound,
            AgentError::Invalid(_) => ErrorKind::Input,
            AgentError::ArtifactCorrupt { .. } | AgentError::Compression { .. } => ErrorKind::Failed,
        }
    }
}

impl From<sqlx::Error> for AgentError {
    fn from(e: sqlx::Error) -> Self {
        AgentError::Store(StoreError::from(e))
    }
}

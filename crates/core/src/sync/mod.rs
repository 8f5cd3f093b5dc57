//! Sync between a host's SQLite file and a team server on PostgreSQL. Records keep their ids everywhere and carry
//! the host they were created on; a host pushes what changed here (`local`: outbox and point cursor) and pulls what
//! the server's change feed lists (`send`), each page all-or-nothing and acknowledged, so replaying or resuming a
//! cut transfer changes nothing twice. The server applies pushes under one set of rules (`receive`), the host
//! applies pulls under the same ones (`apply`); `client` drives both over HTTP. The conflict rules are written down
//! in docs/guide/team-server.md.

pub mod apply;
pub mod blobs;
pub mod client;
pub mod local;
pub mod logs;
pub mod mirror;
pub mod points;
pub mod receive;
pub mod rows;
pub mod send;
pub mod wire;

use crate::kind::ErrorKind;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this store is not connected to a team server: connect it first (sync connect URL)")]
    NotConnected,
    #[error(
        "this server keeps no team database: start it with a PostgreSQL database to receive pushes and serve pulls"
    )]
    NoTeamDatabase,
    #[error(
        "model {name:?} exists on the team server (created on {host}) with another id than the model of that name here; register yours under another name"
    )]
    ModelNameTaken { name: String, host: String },
    #[error(
        "host name {host:?} is already used on the team server by a machine of user {user}; connect this machine under another name (sync connect URL --host NAME)"
    )]
    HostTaken { host: String, user: String },
    #[error("push page: {0}")]
    Invalid(String),
    #[error("{reference}: no sync token there (set it, or connect with another token reference)")]
    NoToken { reference: String },
    #[error("{url}: {status}: {message}")]
    Refused { url: String, status: u16, message: String },
    #[error("{url}: {detail}")]
    Network { url: String, detail: String },
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SyncError {
    fn from(e: sqlx::Error) -> Self {
        SyncError::Store(StoreError::from(e))
    }
}

impl SyncError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            SyncError::NotConnected | SyncError::Invalid(_) | SyncError::NoToken { .. } => ErrorKind::Input,
            SyncError::NoTeamDatabase => ErrorKind::NotFound,
            SyncError::ModelNameTaken { .. } | SyncError::HostTaken { .. } => ErrorKind::Conflict,
            SyncError::Refused { status: 409, .. } => ErrorKind::Conflict,
            SyncError::Refused { status, .. } if (400..500).contains(status) => ErrorKind::Input,
            SyncError::Refused { .. } | SyncError::Network { .. } => ErrorKind::Failed,
            SyncError::Secrets(e) => e.kind(),
            SyncError::Store(e) => e.kind(),
        }
    }
}

impl wire::PushPage {
    /// Reject a page that could not have come from a host: no host name, or point columns of unequal length.
    pub fn validate(&self) -> Result<(), SyncError> {
        if self.host.trim().is_empty() || self.host == "local" {
            return Err(SyncError::Invalid("host: expected the pushing host's name".into()));
        }
        if let Some(s) = self.records.points.iter().find(|s| !s.is_well_formed()) {
            return Err(SyncError::Invalid(format!(
                "points of run {} key {:?}: seq, step, ts_ms and value must have one entry per point",
                s.run_id, s.key
            )));
        }
        if let Some(t) = self.records.tombstones.iter().find(|t| t.table != "runs" && t.table != "run_tag") {
            return Err(SyncError::Invalid(format!("tombstone table {:?}: expected runs or run_tag", t.table)));
        }
        Ok(())
    }
}

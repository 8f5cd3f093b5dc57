//! The crate-wide error: one variant per domain module, each wrapping that module's typed error, plus the
//! classification every transport uses to pick an exit code or a status code.

use crate::metrics::exposition::ExpositionError;
use crate::{
    agent::AgentError, browser::BrowserError, config::ConfigError, evaluator::EvalError, llm::LlmError,
    metrics::alerts::AlertError, metrics::collector::MetricsError, metrics::health::HealthError,
    registry::RegistryError, report::ReportError, secrets::SecretsError, sites::SiteError, store::StoreError,
    tracker::TrackerError,
};

/// How a failure should be reported to the person or program that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request itself is wrong: bad syntax, a value out of range, an unknown id (exit code 2).
    Input,
    /// The request names something that does not exist (exit code 2).
    NotFound,
    /// The request conflicts with stored state: a duplicate name, a re-logged param (exit code 2).
    Conflict,
    /// Something failed while doing a valid request: I/O, a corrupt database (exit code 1).
    Failed,
}

impl ErrorKind {
    /// Process exit code for this kind: 2 for bad usage or input, 1 for a failure.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Input | ErrorKind::NotFound | ErrorKind::Conflict => 2,
            ErrorKind::Failed => 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error(transparent)]
    Agent(#[from] AgentError),
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error(transparent)]
    Health(#[from] HealthError),
    #[error(transparent)]
    Alert(#[from] AlertError),
    #[error(transparent)]
    Exposition(#[from] ExpositionError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// Bad input found at a transport edge (a CLI argument, a JSON body) before any domain code ran.
    #[error("{0}")]
    Input(String),
    /// A name or id given at a transport edge matches nothing.
    #[error("{0}")]
    NotFound(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// A check the user asked for did not pass (e.g. a threshold); not an input error.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Store(e) => e.kind(),
            Error::Tracker(e) => e.kind(),
            Error::Registry(e) => e.kind(),
            Error::Config(e) => e.kind(),
            Error::Llm(e) => e.kind(),
            Error::Agent(e) => e.kind(),
            Error::Eval(e) => e.kind(),
            Error::Site(e) => e.kind(),
            Error::Browser(e) => e.kind(),
            Error::Metrics(e) => e.kind(),
            Error::Health(e) => e.kind(),
            Error::Alert(e) => e.kind(),
            Error::Exposition(e) => e.kind(),
            Error::Report(e) => e.kind(),
            Error::Secrets(e) => e.kind(),
            Error::Input(_) => ErrorKind::Input,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Io { .. } | Error::Failed(_) => ErrorKind::Failed,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Store(StoreError::from(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

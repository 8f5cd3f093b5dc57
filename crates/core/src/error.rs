//! The crate-wide error: one variant per domain module, each wrapping that module's typed error, plus the
//! classification every transport uses to pick an exit code or a status code. It sits above the domains (it only
//! points down at them); domains classify their own errors with the leaf `crate::kind::ErrorKind`, re-exported here.

use crate::metrics::exposition::ExpositionError;
use crate::{
    agent::AgentError, browser::BrowserError, config::ConfigError, evaluator::EvalError, llm::LlmError,
    metrics::alerts::AlertError, metrics::collector::MetricsError, metrics::health::HealthError,
    registry::RegistryError, report::ReportError, secrets::SecretsError, sites::SiteError, store::StoreError,
    tracker::TrackerError, tracker::search::SearchError,
};

pub use crate::kind::ErrorKind;

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
    #[error(transparent)]
    Team(#[from] crate::team::TeamError),
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    /// Bad input found at a transport edge (a CLI argument, a JSON body) before any domain code ran.
    #[error("{0}")]
    Input(String),
    /// A name or id given at a transport edge matches nothing.
    #[error("{0}")]
    NotFound(String),
    /// No platform directory for the data or the config, and the environment variable that names one is unset.
    #[error("no home directory found for the {what}: set {var}")]
    NoHomeDir { what: &'static str, var: &'static str },
    /// A time window (in hours) of zero.
    #[error("the time window must be at least 1 hour")]
    EmptyWindow,
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The signed-in team user's role may not do this.
    #[error("{0}")]
    Forbidden(String),
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
            Error::Team(e) => e.kind(),
            Error::Sync(e) => e.kind(),
            Error::Input(_) => ErrorKind::Input,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::NoHomeDir { .. } | Error::EmptyWindow => ErrorKind::Input,
            Error::Io { source, .. } => ErrorKind::of_user_path_io(source),
            Error::Failed(_) => ErrorKind::Failed,
            Error::Forbidden(_) => ErrorKind::Forbidden,
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

impl From<SearchError> for Error {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Store(s) => Error::Store(s),
            SearchError::Corrupt { .. } => Error::Failed(e.to_string()),
            other => Error::Input(other.to_string()),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::search::Source;

    #[test]
    fn search_errors_keep_their_kind_through_the_aggregate() {
        let syntax = SearchError::Syntax {
            input: Source::Filter,
            text: "a =".into(),
            column: 3,
            message: "expected a value".into(),
        };
        let shown = syntax.to_string();
        let e = Error::from(syntax);
        assert_eq!(e.kind(), ErrorKind::Input);
        assert_eq!(e.to_string(), shown);
        assert_eq!(Error::from(SearchError::UnknownExperiment("nope".into())).kind().exit_code(), 2);
    }
}

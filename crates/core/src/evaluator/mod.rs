//! The evaluator core: task suites (`suite`), success checks against the real final page state (`checks`), the
//! MiniWoB++ adapter (`miniwob`), and the results store with summaries and paired comparisons (`results`,
//! `summary`). The loop that runs an agent over a suite lives in `runner` (written separately).
//!
//! Error locations: suite errors name `file:line:column` and the field path (`tasks[3].check.all[0].js`).

pub mod adhoc;
pub mod checks;
pub mod driver;

pub mod miniwob;
mod positions;
pub mod results;
pub mod runner;
pub mod suite;
pub mod summary;
pub mod window;

pub use checks::{CheckInput, CheckResult, Evidence, PageProbe, evaluate_check};
pub use results::{EvalConfig, EvalStatus, Evaluation, NewTaskResult, Results, TaskResult};
pub use suite::{Category, Check, Difficulty, LoadedSuite, Suite, Task, TaskFilter};
pub use summary::{EvaluationComparison, EvaluationSummary};

use crate::agent::AgentError;
use crate::browser::BrowserError;
use crate::config::ConfigError;
use crate::kind::ErrorKind;
use crate::llm::LlmError;
use crate::metrics::alerts::AlertError;
use crate::registry::RegistryError;
use crate::sites::SiteError;
use crate::store::StoreError;
use crate::tracker::TrackerError;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    // The domains a benchmark or an ad-hoc run drives; their errors pass through unchanged (message and kind).
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
    Browser(#[from] BrowserError),
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    Alert(#[from] AlertError),
    /// A suite file is malformed or invalid: where, which field, what is wrong.
    #[error("{file}{}: {}{message}", location(*line, *column), field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Suite { file: String, line: Option<usize>, column: Option<usize>, field: Option<String>, message: String },
    #[error("no suite {name:?}: not a built-in suite ({builtin}) and no such file")]
    SuiteNotFound { name: String, builtin: String },
    #[error(
        "suite {name:?}: name a built-in suite ({builtin}) or a suite file in {} (a file name, no directories)",
        dir.display()
    )]
    SuiteOutsideDir { name: String, dir: std::path::PathBuf, builtin: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown task id(s) in suite {suite}: {ids}")]
    UnknownTasks { suite: String, ids: String },
    #[error("evaluation {0:?} not found")]
    EvaluationNotFound(String),
    #[error("evaluation id prefix {prefix:?} matches {count} evaluations: {matches}; give more characters")]
    AmbiguousEvaluation { prefix: String, count: usize, matches: String },
    #[error("model version {0:?} not found in the registry")]
    ModelVersionNotFound(String),
    #[error("cannot compare evaluations of different suites: {a} is {suite_a:?}, {b} is {suite_b:?}")]
    SuiteMismatch { a: String, suite_a: String, b: String, suite_b: String },
    #[error("evaluation {id} is {status}; {what}")]
    WrongStatus { id: String, status: String, what: String },
    /// A value the caller passed is malformed.
    #[error("{0}")]
    Invalid(String),
    /// A `miniwob:<task>` id with no MiniWoB directory given with the request nor in the config.
    #[error(
        "task miniwob:{task} needs a MiniWoB directory: give one with the request or set experiments.miniwob_dir in \
         the config (the html/ folder of the pip package `miniwob`)"
    )]
    MiniwobDirMissing { task: String },
    /// The MiniWoB adapter could not do its job (missing task file, page without the MiniWoB globals…).
    #[error("MiniWoB: {0}")]
    Miniwob(String),
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl EvalError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            EvalError::Store(e) => e.kind(),
            EvalError::Tracker(e) => e.kind(),
            EvalError::Registry(e) => e.kind(),
            EvalError::Config(e) => e.kind(),
            EvalError::Llm(e) => e.kind(),
            EvalError::Agent(e) => e.kind(),
            EvalError::Browser(e) => e.kind(),
            EvalError::Site(e) => e.kind(),
            EvalError::Alert(e) => e.kind(),
            EvalError::Suite { .. }
            | EvalError::Invalid(_)
            | EvalError::SuiteMismatch { .. }
            | EvalError::AmbiguousEvaluation { .. }
            | EvalError::SuiteOutsideDir { .. }
            | EvalError::MiniwobDirMissing { .. } => ErrorKind::Input,
            EvalError::SuiteNotFound { .. }
            | EvalError::UnknownTasks { .. }
            | EvalError::EvaluationNotFound(_)
            | EvalError::ModelVersionNotFound(_) => ErrorKind::NotFound,
            EvalError::WrongStatus { .. } => ErrorKind::Conflict,
            EvalError::Io { source, .. } => ErrorKind::of_user_path_io(source),
            EvalError::Miniwob(_) => ErrorKind::Failed,
        }
    }
}

impl From<sqlx::Error> for EvalError {
    fn from(e: sqlx::Error) -> Self {
        EvalError::Store(StoreError::from(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_errors_name_file_line_and_field() {
        let e = EvalError::Suite {
            file: "s.yaml".into(),
            line: Some(4),
            column: Some(7),
            field: Some("tasks[0].max_steps".into()),
            message: "must be positive".into(),
        };
        assert_eq!(e.to_string(), "s.yaml:4:7: tasks[0].max_steps: must be positive");
        assert_eq!(e.kind().exit_code(), 2);
    }
}

//! Hints for the command line: the core phrases its errors in product terms (an HTTP or desktop user reads the
//! same message), and the CLI adds a `hint:` line naming the command or flag that gets the user out of it.

/// The CLI's way out of an error the core phrases in product terms: a command or flag, for the errors that have one.
pub fn for_error(e: &browser_ai_mlops_core::Error) -> Option<String> {
    use browser_ai_mlops_core::{
        Error, config::ConfigError, evaluator::EvalError, metrics::collector::MetricsError, registry::RegistryError,
        report::ReportError, secrets::SecretsError, store::StoreError, tracker::TrackerError,
    };
    let tracker = |t: &TrackerError| match t {
        TrackerError::ExperimentArchived(name) => {
            Some(format!("run `browser-ai-mlops experiment restore {name}` first"))
        }
        TrackerError::ExperimentNotFound(_) => Some("`browser-ai-mlops experiment list --all` lists them".into()),
        _ => None,
    };
    match e {
        Error::Tracker(t) | Error::Eval(EvalError::Tracker(t)) => tracker(t),
        Error::Registry(RegistryError::ArchiveAliased { .. }) => Some("pass --force to archive it anyway".into()),
        Error::Config(ConfigError::Exists { .. }) => Some("pass --force to overwrite it".into()),
        Error::Metrics(MetricsError::ErrorNotFound(_)) => {
            Some("`browser-ai-mlops monitor errors` lists the ids".into())
        }
        Error::Store(StoreError::NotADatabase { .. }) => Some("pass another --data-dir".into()),
        Error::Secrets(SecretsError::NotFound { name, .. })
        | Error::Config(ConfigError::Keychain(SecretsError::NotFound { name, .. })) => {
            Some(format!("store it with `browser-ai-mlops secrets set {name}`"))
        }
        Error::Eval(EvalError::MiniwobDirMissing { .. }) => Some("pass --miniwob-dir DIR".into()),
        Error::Report(ReportError::Days(_)) => {
            Some(format!("pass --days N, N from 1 to {}", browser_ai_mlops_core::report::MAX_DAYS))
        }
        Error::Report(ReportError::UnknownFormat { .. }) => Some("pass --format html|md|json".into()),
        Error::EmptyWindow => Some("pass --hours N, N ≥ 1".into()),
        Error::NoHomeDir { what, .. } => Some(format!("or pass --{what}-dir DIR")),
        _ => None,
    }
}

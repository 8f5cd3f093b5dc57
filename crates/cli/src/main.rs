//! The `browser-ai-mlops` binary: parse the command line, run it, print an error once (with a `hint:` line naming
//! the command or flag that helps, where there is one), exit 0 / 1 / 2.

use clap::Parser;

fn main() {
    let cli = browser_ai_mlops_cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(browser_ai_mlops_cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = hint(&e) {
                eprintln!("hint: {hint}");
            }
            e.kind().exit_code()
        }
    };
    drop(runtime);
    std::process::exit(code);
}

/// The CLI's way out of an error the core phrases in product terms: a command or flag, for the errors that have one.
fn hint(e: &browser_ai_mlops_core::Error) -> Option<String> {
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
        _ => None,
    }
}

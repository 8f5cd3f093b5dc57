//! Environment configuration: typed YAML files per environment, layered with environment variables and CLI flags,
//! validated with file:line:column positions, written back so that they load identically.
//!
//! Other modules use [`load`] (the active environment, all layers, validated), [`Config`] and its sections, and
//! [`resolve_secret`] to turn an `env:`/`keychain:` reference into the secret at the moment it is needed.

mod checks;
mod de;
mod edit;
pub mod files;
pub mod layers;
mod tree;
mod types;
mod validate;
mod write;

use std::path::PathBuf;

pub use checks::reference_problem;
pub use types::*;
pub use validate::{Problem, Severity};
pub use write::{CloneResult, WriteResult, clone_env, set_feature_flag, set_value};

use crate::handle::Settings;
use crate::kind::ErrorKind;
use crate::secrets::SecretRef;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
    /// A config that does not validate: every problem found, errors and warnings.
    #[error("config `{env}` is invalid ({} error(s)):\n{}", count_errors(.problems), list(.problems))]
    Problems { env: String, problems: Vec<Problem> },
    #[error("no environment `{env}` in {} (found: {})", .dir.display(), if .available.is_empty() { "none".to_string() } else { .available.join(", ") })]
    UnknownEnv { env: String, dir: PathBuf, available: Vec<String> },
    #[error("environment `{env}` already exists at {}; overwriting it needs force", .path.display())]
    Exists { env: String, path: PathBuf },
    /// A config file that is not UTF-8: where the first invalid byte is (byte offset from 0, line and column from 1).
    #[error(
        "{}:{line}:{column}: not valid UTF-8: byte 0x{byte:02X} at byte offset {offset} (line {line}, column {column}); save the file as UTF-8",
        .path.display()
    )]
    NotUtf8 { path: PathBuf, offset: usize, byte: u8, line: usize, column: usize },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A secret reference that cannot be resolved; the message never contains a secret.
    #[error("{0}")]
    Secret(String),
    /// A `keychain:NAME` reference that the OS keychain cannot resolve (no entry, locked, no backend).
    #[error(transparent)]
    Keychain(#[from] crate::secrets::SecretsError),
}

fn count_errors(problems: &[Problem]) -> usize {
    problems.iter().filter(|p| p.is_error()).count()
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}

impl ConfigError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConfigError::Invalid(_)
            | ConfigError::Problems { .. }
            | ConfigError::Secret(_)
            | ConfigError::NotUtf8 { .. } => ErrorKind::Input,
            ConfigError::UnknownEnv { .. } => ErrorKind::NotFound,
            ConfigError::Exists { .. } => ErrorKind::Conflict,
            ConfigError::Io { .. } => ErrorKind::Failed,
            ConfigError::Keychain(e) => e.kind(),
        }
    }
}

/// A validated configuration: which environment, from which file, and the warnings it produced.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub env: String,
    pub path: PathBuf,
    pub config: Config,
    pub warnings: Vec<Problem>,
}

/// One environment checked with every layer applied: the config when it has no errors, and all problems.
#[derive(Debug, Clone)]
pub struct Inspected {
    pub env: String,
    pub path: PathBuf,
    pub config: Option<Config>,
    pub problems: Vec<Problem>,
}

impl Inspected {
    pub fn errors(&self) -> usize {
        count_errors(&self.problems)
    }

    pub fn warnings(&self) -> Vec<Problem> {
        self.problems.iter().filter(|p| !p.is_error()).cloned().collect()
    }

    /// The config, or the full problem list as an error.
    pub fn into_loaded(self) -> Result<LoadedConfig, ConfigError> {
        let warnings = self.warnings();
        match self.config {
            Some(config) if self.errors() == 0 => Ok(LoadedConfig { env: self.env, path: self.path, config, warnings }),
            _ => Err(ConfigError::Problems { env: self.env, problems: self.problems }),
        }
    }
}

/// Load the active environment (`settings.env`) with file, environment-variable and `--set` layers, validated.
pub fn load(settings: &Settings) -> Result<LoadedConfig, ConfigError> {
    inspect(settings, &settings.env)?.into_loaded()
}

/// Check environment `env` with all layers (an empty config dir reads as the defaults). Fails only when the file is missing
/// or unreadable — problems inside it are returned, not raised.
pub fn inspect(settings: &Settings, env: &str) -> Result<Inspected, ConfigError> {
    let (path, text) = match files::read(&settings.config_dir, env) {
        Ok(read) => read,
        // Not a failure to inspect: the file is there and its problem has a position, like a YAML syntax error.
        Err(ConfigError::NotUtf8 { path, offset, byte, line, column }) => {
            let problem = Problem {
                severity: Severity::Error,
                file: path.display().to_string(),
                line: Some(line as u32),
                column: Some(column as u32),
                path: String::new(),
                message: format!("not valid UTF-8: byte 0x{byte:02X} at byte offset {offset}; save the file as UTF-8"),
            };
            return Ok(Inspected { env: env.to_string(), path, config: None, problems: vec![problem] });
        }
        Err(e) => return Err(e),
    };
    let label = path.display().to_string();
    let mut problems = Vec::new();
    let vars = layers::env_vars(&mut problems);
    let checked = match tree::parse(&text, tree::Origin::File) {
        Err(e) => validate::Checked { config: None, problems: vec![Problem::syntax(&label, &e)] },
        Ok(mut root) => {
            if let Some(root) = root.as_mut().filter(|r| matches!(r.value, tree::Value::Map(_))) {
                problems.extend(layers::apply(root, &vars, &settings.overrides));
            }
            validate::check_tree(root.as_ref(), &label, env)
        }
    };
    problems.extend(checked.problems);
    let config = checked.config.filter(|_| count_errors(&problems) == 0);
    Ok(Inspected { env: env.to_string(), path, config, problems })
}

/// Validate a config text on its own (no layers) as environment `env`; `file` labels positions.
pub fn validate_text(text: &str, file: &str, env: &str) -> (Option<Config>, Vec<Problem>) {
    match tree::parse(text, tree::Origin::File) {
        Err(e) => (None, vec![Problem::syntax(file, &e)]),
        Ok(root) => {
            let checked = validate::check_tree(root.as_ref(), file, env);
            (checked.config, checked.problems)
        }
    }
}

/// Resolve a secret reference at the moment it is needed: `env:NAME` reads the variable (`None` when unset);
/// `keychain:NAME` reads entry NAME of service `browser-ai-mlops` from the OS keychain (a missing entry is a
/// `Keychain(NotFound)` error naming the reference). A literal is refused without being repeated.
pub fn resolve_secret(reference: &str) -> Result<Option<String>, ConfigError> {
    let reference = SecretRef::parse(reference).map_err(|e| ConfigError::Secret(e.to_string()))?;
    Ok(reference.resolve()?)
}

/// Whether a reference resolves right now (`set`/`unset`; `unavailable` when the keychain cannot be asked,
/// `invalid` for a malformed reference), without revealing a value.
pub fn secret_status(reference: &str) -> &'static str {
    let name = match SecretRef::parse(reference) {
        Err(_) => return "invalid",
        Ok(SecretRef::Env(var)) => {
            return if std::env::var_os(&var).is_some_and(|v| !v.is_empty()) { "set" } else { "unset" };
        }
        Ok(SecretRef::Keychain(name)) => name,
    };
    match crate::secrets::find(&name) {
        Ok(Some(_)) => "set",
        Ok(None) => "unset",
        Err(_) => "unavailable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_validate_clean() {
        for (env, text) in files::DEFAULTS {
            let (config, problems) = validate_text(text, env, env);
            assert!(problems.is_empty(), "{env}: {problems:#?}");
            let config = config.unwrap();
            let via_serde: Config = serde_yaml_ng::from_str(text).unwrap();
            assert_eq!(config, via_serde, "{env}: the tree deserialiser and serde_yaml_ng disagree");
        }
    }

    #[test]
    fn secrets_resolve_only_from_references() {
        assert!(matches!(resolve_secret("sk-abc"), Err(ConfigError::Secret(m)) if !m.contains("sk-abc")));
        assert!(matches!(resolve_secret("keychain:bad name"), Err(ConfigError::Secret(_))));
        assert_eq!(resolve_secret("env:BROWSER_AI_MLOPS_TEST_SURELY_UNSET_VAR").unwrap(), None);
        let path = std::env::var("PATH").ok();
        assert_eq!(resolve_secret("env:PATH").unwrap(), path.filter(|p| !p.is_empty()));
        assert_eq!(secret_status("env:BROWSER_AI_MLOPS_TEST_SURELY_UNSET_VAR"), "unset");
    }
}

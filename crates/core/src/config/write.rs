//! Writing an environment's config file: `config set` (one value), `config set-feature-flag` and `config clone` (a
//! new environment from an existing one). Each validates the result before writing (an invalid result leaves the
//! file untouched), edits the text in place when it can (keeping comments), checks that what will be written loads
//! back to exactly the intended config, and writes atomically.

use std::path::PathBuf;

use super::files;
use super::tree::{self, Node, Origin, Style};
use super::validate::{self, Problem};
use super::{Config, ConfigError, edit, layers, validate_text};
use crate::handle::Settings;

/// What a writing command did.
#[derive(Debug, Clone)]
pub struct WriteResult {
    pub env: String,
    pub path: PathBuf,
    /// The dotted key written.
    pub key: String,
    /// True when the file was edited in place (comments kept); false when it had to be re-serialised.
    pub in_place: bool,
    pub config: Config,
    pub warnings: Vec<Problem>,
}

#[derive(Debug, Clone)]
pub struct CloneResult {
    pub src: String,
    pub dst: String,
    pub path: PathBuf,
    pub overwritten: bool,
    pub warnings: Vec<Problem>,
}

/// `config set KEY VALUE`: `value` is parsed as YAML (`0.3`, `true`, `'["a","b"]'`, `env:OPENAI_API_KEY`).
pub fn set_value(settings: &Settings, env: &str, key: &str, value: &str) -> Result<WriteResult, ConfigError> {
    let path: Vec<String> = key.split('.').map(str::to_string).collect();
    if path.iter().any(|s| s.trim().is_empty()) {
        return Err(ConfigError::Invalid(format!("key {key:?}: expected a dotted key such as llm.temperature")));
    }
    let origin = Origin::Arg(format!("config set {key}"));
    let node = layers::parse_value(value, &origin).map_err(|why| ConfigError::Invalid(format!("{key}: {why}")))?;
    write_path(settings, env, path, node)
}

/// `config set-feature-flag FLAG true|false ENV`.
pub fn set_feature_flag(settings: &Settings, env: &str, flag: &str, enabled: bool) -> Result<WriteResult, ConfigError> {
    let ok = !flag.is_empty() && flag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(ConfigError::Invalid(format!(
            "feature flag name {flag:?} is not valid: use letters, digits, _ and - (snake_case preferred)"
        )));
    }
    let origin = Origin::Arg(format!("config set-feature-flag {flag}"));
    let node = Node::scalar(if enabled { "true" } else { "false" }, Style::Plain, tree::Pos::start(&origin));
    write_path(settings, env, vec!["feature_flags".to_string(), flag.to_string()], node)
}

fn loads_as(text: &str, label: &str, env: &str, intended: &Config) -> bool {
    let (config, problems) = validate_text(text, label, env);
    config.as_ref() == Some(intended) && !problems.iter().any(Problem::is_error)
}

fn write_path(settings: &Settings, env: &str, path: Vec<String>, new: Node) -> Result<WriteResult, ConfigError> {
    let key = path.join(".");
    // An unseeded directory reads as the defaults; it is seeded only once the new value is known to be good, so a
    // refused write leaves the directory as it was.
    let (file, text) = files::read(&settings.config_dir, env)?;
    let label = file.display().to_string();
    validate::check_path(&path).map_err(|why| ConfigError::Invalid(format!("cannot set {key}: {why}")))?;
    let root = match tree::parse(&text, Origin::File) {
        Ok(Some(root)) if matches!(root.value, tree::Value::Map(_)) => root,
        Ok(_) => return Err(ConfigError::Invalid(format!("{label}: not a mapping of sections; fix it by hand first"))),
        Err(e) => {
            return Err(ConfigError::Problems { env: env.to_string(), problems: vec![Problem::syntax(&label, &e)] });
        }
    };
    let mut modified = root.clone();
    modified.set_path(&path, new.clone()).map_err(|why| ConfigError::Invalid(format!("cannot set {key}: {why}")))?;
    let checked = validate::check_tree(Some(&modified), &label, env);
    let intended = match checked.config {
        Some(config) if checked.errors() == 0 => config,
        _ => return Err(ConfigError::Problems { env: env.to_string(), problems: checked.problems }),
    };
    let in_place =
        edit::set_in_place(&text, &root, &path, &new.to_json()).filter(|t| loads_as(t, &label, env, &intended));
    let (out, in_place) = match in_place {
        Some(t) => (t, true),
        None => (rewrite(&intended, env)?, false),
    };
    if !loads_as(&out, &label, env, &intended) {
        return Err(ConfigError::Invalid(format!(
            "{label}: the new text would not load back to the intended config; nothing was written"
        )));
    }
    files::ensure_seeded(&settings.config_dir)?;
    files::write_atomic(&file, &out)?;
    // Warnings from the text as written, so they point at file positions.
    let warnings = validate_text(&out, &label, env).1.into_iter().filter(|p| !p.is_error()).collect();
    Ok(WriteResult { env: env.to_string(), path: file, key, in_place, config: intended, warnings })
}

/// The whole config re-serialised (comments are lost), with a header saying so.
fn rewrite(config: &Config, env: &str) -> Result<String, ConfigError> {
    let body = serde_yaml_ng::to_string(config)
        .map_err(|e| ConfigError::Invalid(format!("cannot serialise the {env} config: {e}")))?;
    Ok(format!(
        "# {env} environment, rewritten by `browser-ai-mlops config` (the previous comments could not be kept)\n{body}"
    ))
}

/// `config clone SRC DST [--force]`: a new environment with SRC's text (comments included), validated as DST.
pub fn clone_env(settings: &Settings, src: &str, dst: &str, force: bool) -> Result<CloneResult, ConfigError> {
    files::check_env_name(dst)?;
    if src == dst {
        return Err(ConfigError::Invalid(format!("cannot clone `{src}` onto itself")));
    }
    let (src_path, text) = files::read(&settings.config_dir, src)?;
    let path = files::env_path(&settings.config_dir, dst);
    let overwritten = path.exists();
    if overwritten && !force {
        return Err(ConfigError::Exists { env: dst.to_string(), path });
    }
    let label = src_path.display().to_string();
    let (config, problems) = validate_text(&text, &label, dst);
    let Some(config) = config.filter(|_| !problems.iter().any(Problem::is_error)) else {
        return Err(ConfigError::Problems { env: src.to_string(), problems });
    };
    files::ensure_seeded(&settings.config_dir)?;
    files::write_atomic(&path, &text)?;
    let (_, written) = files::read(&settings.config_dir, dst)?;
    if !loads_as(&written, &label, dst, &config) {
        return Err(ConfigError::Invalid(format!("{}: the copy does not load back identically", path.display())));
    }
    Ok(CloneResult { src: src.to_string(), dst: dst.to_string(), path, overwritten, warnings: problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused write leaves the config directory as it was, even an unseeded one (found by the `http_body` fuzz
    /// target: `config/set` of a bad value seeded the default files and then refused).
    #[test]
    fn a_refused_write_leaves_an_unseeded_directory_empty() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::in_dir(dir.path());
        let err = set_value(&settings, "development", "llm.temperature", "not a number").unwrap_err();
        assert!(err.to_string().contains("llm.temperature"), "{err}");
        assert!(!settings.config_dir.exists() || std::fs::read_dir(&settings.config_dir).unwrap().next().is_none());
        // A good value seeds the directory and lands in the file.
        set_value(&settings, "development", "llm.temperature", "0.4").unwrap();
        let (_, text) = files::read(&settings.config_dir, "development").unwrap();
        assert!(text.contains("0.4"), "{text}");
        assert!(files::env_path(&settings.config_dir, "production").exists());
    }
}

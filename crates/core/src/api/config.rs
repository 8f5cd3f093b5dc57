//! Operation table: config operations — list environments, load, show, validate, set a value, set a feature flag,
//! clone an environment. Secret values never appear in any output: only references and whether they resolve.

use serde::{Deserialize, Serialize};

use crate::config::{self, Config, Problem, Provider, SECTIONS, Severity};
use crate::error::{Error, Result};
use crate::{Core, Settings};

fn env_or_active(settings: &Settings, env: Option<String>) -> String {
    env.unwrap_or_else(|| settings.env.clone())
}

fn count(problems: &[Problem], severity: Severity) -> u32 {
    problems.iter().filter(|p| p.severity == severity).count() as u32
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct ListEnvsInput {}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct EnvSummary {
    pub name: String,
    pub path: String,
    pub active: bool,
    pub valid: bool,
    pub errors: u32,
    pub warnings: u32,
    /// The first error, when the environment is not valid (a file that cannot be read or parsed included).
    pub first_error: Option<String>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ListEnvsOutput {
    pub config_dir: String,
    pub active: String,
    pub envs: Vec<EnvSummary>,
}

/// The environments in the config dir (the embedded defaults while it holds none; nothing is written), each checked
/// with all layers.
pub async fn list_envs(core: &Core, _input: ListEnvsInput) -> Result<ListEnvsOutput> {
    let settings = core.settings();
    let mut envs = Vec::new();
    for name in config::files::list(&settings.config_dir)? {
        // One broken environment is listed with its error; it does not hide the others.
        let summary = match config::inspect(settings, &name) {
            Ok(inspected) => EnvSummary {
                path: inspected.path.display().to_string(),
                active: name == settings.env,
                valid: inspected.errors() == 0,
                errors: count(&inspected.problems, Severity::Error),
                warnings: count(&inspected.problems, Severity::Warning),
                first_error: inspected.problems.iter().find(|p| p.is_error()).map(|p| p.to_string()),
                name,
            },
            Err(e) => EnvSummary {
                path: config::files::env_path(&settings.config_dir, &name).display().to_string(),
                active: name == settings.env,
                valid: false,
                errors: 1,
                warnings: 0,
                first_error: Some(e.to_string()),
                name,
            },
        };
        envs.push(summary);
    }
    Ok(ListEnvsOutput { config_dir: settings.config_dir.display().to_string(), active: settings.env.clone(), envs })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct EnvInput {
    /// Defaults to the active environment.
    pub env: Option<String>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct LoadOutput {
    pub env: String,
    pub path: String,
    pub provider: Provider,
    pub model: String,
    /// `headless`, `headful` or `remote` (a cdp_url).
    pub browser_mode: String,
    pub enabled_flags: Vec<String>,
    pub disabled_flags: Vec<String>,
    pub ab_tests: u32,
    pub warnings: Vec<Problem>,
    pub config: Config,
}

/// Load and validate an environment with every layer; an invalid config is an error listing every problem.
pub async fn load(core: &Core, input: EnvInput) -> Result<LoadOutput> {
    let env = env_or_active(core.settings(), input.env);
    let loaded = config::inspect(core.settings(), &env)?.into_loaded()?;
    let c = &loaded.config;
    let browser_mode = if c.browser.cdp_url.is_some() {
        "remote"
    } else if c.browser.headless {
        "headless"
    } else {
        "headful"
    };
    let flags = |on: bool| c.feature_flags.iter().filter(|(_, v)| **v == on).map(|(k, _)| k.clone()).collect();
    Ok(LoadOutput {
        env: loaded.env.clone(),
        path: loaded.path.display().to_string(),
        provider: c.llm.provider,
        model: c.llm.model.clone(),
        browser_mode: browser_mode.to_string(),
        enabled_flags: flags(true),
        disabled_flags: flags(false),
        ab_tests: c.ab_tests.len() as u32,
        warnings: loaded.warnings.clone(),
        config: loaded.config.masked(),
    })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct ShowInput {
    pub env: Option<String>,
    /// Only this section (`llm`, `browser`, …).
    pub section: Option<String>,
}

/// A secret reference and whether it resolves now: `set`, `unset`, `unavailable` (keychain) — never the value.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct SecretStatus {
    pub path: String,
    pub reference: String,
    pub status: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ShowOutput {
    pub env: String,
    pub path: String,
    pub section: Option<String>,
    /// The effective config (or one section of it) after all layers.
    pub config: serde_json::Value,
    pub secrets: Vec<SecretStatus>,
}

/// The effective config of an environment (all layers applied), optionally one section.
pub async fn show(core: &Core, input: ShowInput) -> Result<ShowOutput> {
    if let Some(section) = input.section.as_ref().filter(|s| !SECTIONS.contains(&s.as_str())) {
        return Err(Error::Input(format!("unknown section {section:?}: expected one of {}", SECTIONS.join(", "))));
    }
    let env = env_or_active(core.settings(), input.env);
    let loaded = config::inspect(core.settings(), &env)?.into_loaded()?;
    let full = serde_json::to_value(loaded.config.clone().masked())
        .map_err(|e| Error::Failed(format!("cannot render the {env} config: {e}")))?;
    let config = match &input.section {
        Some(section) => {
            let mut one = serde_json::Map::new();
            one.insert(section.clone(), full.get(section).cloned().unwrap_or(serde_json::Value::Null));
            serde_json::Value::Object(one)
        }
        None => full,
    };
    let wants_llm = input.section.as_deref().is_none_or(|s| s == "llm");
    let secrets = loaded
        .config
        .llm
        .api_key
        .iter()
        .filter(|_| wants_llm)
        .map(|r| SecretStatus {
            path: "llm.api_key".into(),
            reference: r.clone(),
            status: config::secret_status(r).into(),
        })
        .collect();
    Ok(ShowOutput { env, path: loaded.path.display().to_string(), section: input.section, config, secrets })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ValidateOutput {
    pub env: String,
    pub path: String,
    pub valid: bool,
    pub errors: u32,
    pub warnings: u32,
    /// Every problem, errors and warnings, in file order.
    pub problems: Vec<Problem>,
}

/// Every problem in an environment (file and layers); an invalid config is a result here, not an error.
pub async fn validate(core: &Core, input: EnvInput) -> Result<ValidateOutput> {
    let env = env_or_active(core.settings(), input.env);
    let inspected = config::inspect(core.settings(), &env)?;
    Ok(ValidateOutput {
        env,
        path: inspected.path.display().to_string(),
        valid: inspected.errors() == 0,
        errors: count(&inspected.problems, Severity::Error),
        warnings: count(&inspected.problems, Severity::Warning),
        problems: inspected.problems,
    })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct SetInput {
    pub env: Option<String>,
    /// Dotted key, e.g. `llm.temperature` or `ab_tests.0.variants.1.traffic`.
    pub key: String,
    /// The value as YAML: `0.3`, `true`, `'["127.0.0.1","localhost"]'`, `env:OPENAI_API_KEY`.
    pub value: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct SetFeatureFlagInput {
    /// Environment (default: the active one, as for `config/set`).
    #[serde(default)]
    pub env: Option<String>,
    pub flag: String,
    pub enabled: bool,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct WriteOutput {
    pub env: String,
    pub path: String,
    pub key: String,
    /// The value now stored at `key` in the file.
    pub value: serde_json::Value,
    /// True when the file was edited in place and its comments kept; false when it was re-serialised.
    pub in_place: bool,
    pub warnings: Vec<Problem>,
}

fn write_output(result: config::WriteResult) -> Result<WriteOutput> {
    let full = serde_json::to_value(result.config.clone().masked())
        .map_err(|e| Error::Failed(format!("cannot render the {} config: {e}", result.env)))?;
    let value = result.key.split('.').try_fold(&full, |v, seg| match v {
        serde_json::Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => v.get(seg),
    });
    Ok(WriteOutput {
        env: result.env,
        path: result.path.display().to_string(),
        key: result.key,
        value: value.cloned().unwrap_or(serde_json::Value::Null),
        in_place: result.in_place,
        warnings: result.warnings,
    })
}

/// Set one value in an environment's file (validated first; written atomically, comments kept when possible).
pub async fn set(core: &Core, input: SetInput) -> Result<WriteOutput> {
    refuse_key_routing_for_remote_callers(core, &input.key)?;
    let env = env_or_active(core.settings(), input.env);
    write_output(config::set_value(core.settings(), &env, &input.key, &input.value)?)
}

/// Keys that decide which host receives an API key. A remote caller (a server client, the desktop's web view) may
/// not change them: whoever could would redirect the machine's keys. They are set at the machine itself.
pub const KEY_ROUTING_KEYS: &[&str] = &["llm.api_key", "llm.base_url", "llm.key_hosts"];

fn refuse_key_routing_for_remote_callers(core: &Core, key: &str) -> Result<()> {
    let key = key.trim();
    if core.caller() == crate::core::Caller::Remote && KEY_ROUTING_KEYS.contains(&key) {
        return Err(Error::Input(format!(
            "{key} decides where API keys are sent, so it can only be set at this machine \
             (browser-ai-mlops config set {key} VALUE), not over the server or from the web view"
        )));
    }
    Ok(())
}

/// Turn a feature flag on or off in an environment's file (added at the end of `feature_flags` when new).
pub async fn set_flag(core: &Core, input: SetFeatureFlagInput) -> Result<WriteOutput> {
    let env = env_or_active(core.settings(), input.env);
    write_output(config::set_feature_flag(core.settings(), &env, &input.flag, input.enabled)?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct CloneInput {
    pub src: String,
    pub dst: String,
    /// Overwrite `dst` when it exists.
    #[serde(default)]
    pub force: bool,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct CloneOutput {
    pub src: String,
    pub dst: String,
    pub path: String,
    pub overwritten: bool,
    pub warnings: Vec<Problem>,
}

/// Create environment `dst` as a copy of `src` (comments included); refuses to overwrite unless `force`.
pub async fn clone(core: &Core, input: CloneInput) -> Result<CloneOutput> {
    let r = config::clone_env(core.settings(), &input.src, &input.dst, input.force)?;
    Ok(CloneOutput {
        src: r.src,
        dst: r.dst,
        path: r.path.display().to_string(),
        overwritten: r.overwritten,
        warnings: r.warnings,
    })
}

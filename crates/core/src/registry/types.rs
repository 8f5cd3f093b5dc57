//! Domain types of the model registry: providers, a version's configuration, versions, aliases, deployments and
//! the config diff, plus the validation every way of creating a version goes through.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::RegistryError;
use crate::limits;

/// Base URL an `ollama` version gets when none is given.
pub const OLLAMA_DEFAULT_BASE_URL: &str = "http://127.0.0.1:11434/v1";

/// The built-in alias names; any other name matching `[a-z][a-z0-9_-]*` works too.
pub const STANDARD_TARGETS: [&str; 3] = ["production", "staging", "development"];

/// Which LLM API a version talks to (`baseline` is the offline scripted agent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    Openai,
    Anthropic,
    Gemini,
    Ollama,
    OpenaiCompatible,
    Baseline,
}

impl Provider {
    pub const ALL: [Provider; 6] = [
        Provider::Openai,
        Provider::Anthropic,
        Provider::Gemini,
        Provider::Ollama,
        Provider::OpenaiCompatible,
        Provider::Baseline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Gemini => "gemini",
            Provider::Ollama => "ollama",
            Provider::OpenaiCompatible => "openai-compatible",
            Provider::Baseline => "baseline",
        }
    }

    /// Parse a provider name; the error lists the valid names.
    /// Hosted providers that refuse requests without a key.
    pub fn needs_api_key(self) -> bool {
        matches!(self, Provider::Openai | Provider::Anthropic | Provider::Gemini)
    }

    pub fn parse(s: &str) -> Result<Provider, RegistryError> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| RegistryError::UnknownProvider {
            given: s.to_string(),
            valid: Provider::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
        })
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that decides how a version behaves. Two versions with equal configs behave the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ModelConfig {
    pub provider: Provider,
    /// The provider's model id, e.g. `gpt-4o-mini`.
    pub model_id: String,
    pub base_url: Option<String>,
    pub temperature: f64,
    pub max_tokens: Option<i64>,
    pub top_p: Option<f64>,
    pub system_prompt: String,
    /// Further provider parameters, passed through as given.
    pub extra_params: BTreeMap<String, serde_json::Value>,
}

/// Names of the config fields, in display order (the names used in diffs, `compare` and export documents).
pub const CONFIG_FIELDS: [&str; 8] =
    ["provider", "model_id", "base_url", "temperature", "max_tokens", "top_p", "system_prompt", "extra_params"];

impl ModelConfig {
    /// Check ranges and required fields, and fill in defaults (the ollama base URL).
    pub fn validated(mut self) -> Result<ModelConfig, RegistryError> {
        let bad = |field: &str, expected: &str, given: String| RegistryError::InvalidField {
            field: field.to_string(),
            expected: expected.to_string(),
            given,
        };
        if self.model_id.trim().is_empty() {
            return Err(bad("model_id", "a non-empty provider model id", format!("{:?}", self.model_id)));
        }
        if let Some(problem) = limits::name_problem(&self.model_id, limits::MAX_MODEL_ID_CHARS) {
            return Err(RegistryError::Usage(format!("field model_id: {problem}")));
        }
        if let Some(problem) = limits::bytes_problem(&self.system_prompt, limits::MAX_PROMPT_BYTES) {
            return Err(RegistryError::Usage(format!("field system_prompt: {problem}")));
        }
        if !self.temperature.is_finite() || !(0.0..=2.0).contains(&self.temperature) {
            return Err(bad("temperature", "a number from 0 to 2", self.temperature.to_string()));
        }
        if let Some(n) = self.max_tokens.filter(|n| *n <= 0) {
            return Err(bad("max_tokens", "a whole number greater than 0", n.to_string()));
        }
        if let Some(p) = self.top_p.filter(|p| !p.is_finite() || !(0.0..=1.0).contains(p)) {
            return Err(bad("top_p", "a number from 0 to 1", p.to_string()));
        }
        if let Some(url) = &self.base_url {
            let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")).unwrap_or("");
            if rest.is_empty() || rest.chars().any(char::is_whitespace) {
                return Err(bad("base_url", "an http:// or https:// URL", format!("{url:?}")));
            }
        }
        match self.provider {
            Provider::Ollama if self.base_url.is_none() => self.base_url = Some(OLLAMA_DEFAULT_BASE_URL.to_string()),
            Provider::OpenaiCompatible if self.base_url.is_none() => {
                return Err(bad("base_url", "a base URL (required for provider openai-compatible)", "none".into()));
            }
            _ => {}
        }
        if let Some(k) = self.extra_params.keys().find(|k| k.trim().is_empty()) {
            return Err(bad("extra_params", "non-empty parameter names", format!("{k:?}")));
        }
        for k in self.extra_params.keys() {
            if let Some(problem) = limits::name_problem(k, limits::MAX_KEY_CHARS) {
                return Err(RegistryError::Usage(format!("field extra_params, parameter name {k:?}: {problem}")));
            }
        }
        Ok(self)
    }

    /// The value of one config field as JSON (for diffs and side-by-side comparison).
    pub fn field(&self, name: &str) -> serde_json::Value {
        use serde_json::Value;
        match name {
            "provider" => Value::from(self.provider.as_str()),
            "model_id" => Value::from(self.model_id.clone()),
            "base_url" => self.base_url.clone().map_or(Value::Null, Value::from),
            "temperature" => Value::from(self.temperature),
            "max_tokens" => self.max_tokens.map_or(Value::Null, Value::from),
            "top_p" => self.top_p.map_or(Value::Null, Value::from),
            "system_prompt" => Value::from(self.system_prompt.clone()),
            "extra_params" => Value::Object(self.extra_params.clone().into_iter().collect()),
            _ => Value::Null,
        }
    }

    /// The fields that differ from `parent`, in display order.
    pub fn diff_from(&self, parent: &ModelConfig) -> Vec<ConfigChange> {
        CONFIG_FIELDS
            .iter()
            .filter_map(|f| {
                let (from, to) = (parent.field(f), self.field(f));
                (from != to).then(|| ConfigChange { field: f.to_string(), from, to })
            })
            .collect()
    }
}

/// One changed config field against the parent version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ConfigChange {
    pub field: String,
    pub from: serde_json::Value,
    pub to: serde_json::Value,
}

/// A named model family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Model {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at_ms: i64,
}

/// One immutable version of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ModelVersion {
    pub id: String,
    pub model_id: String,
    pub model_name: String,
    pub version: i64,
    /// `NAME:N`, the human reference to this version.
    pub reference: String,
    pub config: ModelConfig,
    pub description: String,
    pub changelog: String,
    pub parent_version_id: Option<String>,
    /// `NAME:N` of the parent, when there is one.
    pub parent_reference: Option<String>,
    /// What changed against the parent (empty without a parent).
    pub config_diff: Vec<ConfigChange>,
    pub created_by: String,
    pub archived_at_ms: Option<i64>,
    pub created_at_ms: i64,
    /// Aliases of this version's model that point at it right now.
    pub aliases: Vec<String>,
}

/// An alias and the version it points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Alias {
    pub alias: String,
    pub version_id: String,
    pub version: i64,
    pub reference: String,
    pub updated_at_ms: i64,
}

/// Whether an audit record moved an alias forward or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum DeployAction {
    Deploy,
    Rollback,
}

impl DeployAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DeployAction::Deploy => "deploy",
            DeployAction::Rollback => "rollback",
        }
    }
}

/// One alias move from the append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Deployment {
    pub id: String,
    pub model_id: String,
    pub model_name: String,
    pub target: String,
    pub action: DeployAction,
    pub from_version_id: Option<String>,
    /// `NAME:N` the alias pointed at before, if it existed.
    pub from_reference: Option<String>,
    pub to_version_id: String,
    pub to_reference: String,
    pub os_user: String,
    /// The host the deployment was made on.
    pub host: String,
    pub reason: String,
    pub created_at_ms: i64,
}

/// Check a model name: it is used inside references, so it may not contain `:` or `@`.
pub fn validate_model_name(name: &str) -> Result<(), RegistryError> {
    let ok_first = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let ok_rest = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok_first && ok_rest && name.len() <= 200 {
        Ok(())
    } else {
        Err(RegistryError::InvalidField {
            field: "model name".into(),
            expected: "letters, digits, '-', '_', '.', '/' starting with a letter or digit (no ':' or '@')".into(),
            given: format!("{name:?}"),
        })
    }
}

/// Check an alias (deployment target) name: `[a-z][a-z0-9_-]*`.
pub fn validate_alias(alias: &str) -> Result<(), RegistryError> {
    let ok_first = alias.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_rest = alias.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok_first && ok_rest && alias.len() <= 100 {
        Ok(())
    } else {
        Err(RegistryError::InvalidField {
            field: "target".into(),
            expected: format!(
                "an alias matching [a-z][a-z0-9_-]* (e.g. {})",
                STANDARD_TARGETS.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
            ),
            given: format!("{alias:?}"),
        })
    }
}

/// A `base_url` value (a JSON string) with its credentials masked (`crate::util::mask_url`).
fn mask_url_value(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => serde_json::Value::String(crate::util::mask_url(s)),
        other => other.clone(),
    }
}

impl ModelVersion {
    /// The version as every read route shows it: credentials in `base_url` (and in its config diff) masked.
    pub fn masked(mut self) -> ModelVersion {
        self.config.base_url = self.config.base_url.as_deref().map(crate::util::mask_url);
        for change in &mut self.config_diff {
            if change.field == "base_url" {
                change.from = mask_url_value(&change.from);
                change.to = mask_url_value(&change.to);
            }
        }
        self
    }
}

/// The compare table's `base_url` row with credentials masked.
pub fn mask_compare_field(field: &str, values: &mut [serde_json::Value]) {
    if field == "base_url" {
        for v in values {
            *v = mask_url_value(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ModelConfig {
        ModelConfig {
            provider: Provider::Openai,
            model_id: "gpt-4o-mini".into(),
            base_url: None,
            temperature: 0.2,
            max_tokens: None,
            top_p: None,
            system_prompt: String::new(),
            extra_params: BTreeMap::new(),
        }
    }

    #[test]
    fn provider_names_round_trip_and_unknown_lists_valid_ones() {
        for p in Provider::ALL {
            assert_eq!(Provider::parse(p.as_str()).unwrap(), p);
            assert_eq!(serde_json::to_value(p).unwrap(), serde_json::Value::from(p.as_str()));
        }
        let msg = Provider::parse("openia").unwrap_err().to_string();
        assert!(msg.contains("openia") && msg.contains("openai-compatible") && msg.contains("baseline"), "{msg}");
    }

    #[test]
    fn ranges_are_checked() {
        let with = |f: fn(&mut ModelConfig)| {
            let mut c = config();
            f(&mut c);
            c.validated()
        };
        assert!(with(|c| c.temperature = 2.0).is_ok());
        assert!(with(|c| c.temperature = 2.01).unwrap_err().to_string().contains("temperature"));
        assert!(with(|c| c.temperature = f64::NAN).is_err());
        assert!(with(|c| c.max_tokens = Some(0)).unwrap_err().to_string().contains("max_tokens"));
        assert!(with(|c| c.top_p = Some(1.5)).unwrap_err().to_string().contains("top_p"));
        assert!(with(|c| c.base_url = Some("localhost:8000".into())).unwrap_err().to_string().contains("base_url"));
        assert!(with(|c| c.provider = Provider::OpenaiCompatible).unwrap_err().to_string().contains("required"));
    }

    #[test]
    fn ollama_gets_a_default_base_url() {
        let mut c = config();
        c.provider = Provider::Ollama;
        assert_eq!(c.validated().unwrap().base_url.as_deref(), Some(OLLAMA_DEFAULT_BASE_URL));
    }

    #[test]
    fn diff_lists_only_changed_fields_in_order() {
        let a = config();
        let mut b = config();
        b.temperature = 0.7;
        b.extra_params.insert("seed".into(), serde_json::Value::from(7));
        let d = b.diff_from(&a);
        assert_eq!(d.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["temperature", "extra_params"]);
        assert_eq!(d[0].from, serde_json::Value::from(0.2));
        assert_eq!(d[0].to, serde_json::Value::from(0.7));
        assert!(a.diff_from(&a).is_empty());
    }

    #[test]
    fn names_and_aliases_are_checked() {
        assert!(validate_model_name("checkout-agent").is_ok());
        assert!(validate_model_name("a:b").is_err());
        assert!(validate_model_name("a@b").is_err());
        assert!(validate_model_name("").is_err());
        assert!(validate_alias("canary_2").is_ok());
        assert!(validate_alias("Production").is_err());
        assert!(validate_alias("2nd").is_err());
    }
}

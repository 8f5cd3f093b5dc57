//! API keys: a client holds only a reference (`env:OPENAI_API_KEY`), resolved at the moment of each call into an
//! [`ApiKey`] whose `Debug` and `Display` never show the value.

use crate::config::{ConfigError, resolve_secret};
use crate::registry::Provider;
use crate::secrets::SecretRef;

use super::LlmError;

/// Where a client's key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// No key is sent (a local Ollama, or an OpenAI-compatible server without auth).
    None,
    /// A reference resolved at call time; a missing value is an error.
    Reference { provider: String, reference: String },
}

impl KeySource {
    /// The configured reference when given, else the provider's default variable (`OPENAI_API_KEY`,
    /// `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`); local providers without a reference send no key.
    pub fn for_provider(provider: Provider, configured: Option<&str>) -> KeySource {
        let default_var = match provider {
            Provider::Openai => Some("OPENAI_API_KEY"),
            Provider::Anthropic => Some("ANTHROPIC_API_KEY"),
            Provider::Gemini => Some("GEMINI_API_KEY"),
            _ => None,
        };
        let reference =
            configured.map(str::to_string).or_else(|| default_var.map(|v| SecretRef::Env(v.to_string()).to_string()));
        match reference {
            Some(reference) => KeySource::Reference { provider: provider.as_str().to_string(), reference },
            None => KeySource::None,
        }
    }

    /// The reference as shown in error messages (`env:OPENAI_API_KEY`), or `no key` when none is used.
    pub fn describe(&self) -> String {
        match self {
            KeySource::None => "no key (none configured: set llm.api_key)".to_string(),
            KeySource::Reference { reference, .. } => reference.clone(),
        }
    }

    /// Resolve the key now. `Ok(None)` only for [`KeySource::None`].
    pub fn resolve(&self) -> Result<Option<ApiKey>, LlmError> {
        let (provider, reference) = match self {
            KeySource::None => return Ok(None),
            KeySource::Reference { provider, reference } => (provider, reference),
        };
        match resolve_secret(reference) {
            Ok(Some(value)) => Ok(Some(ApiKey(value))),
            Ok(None) => Err(LlmError::MissingKey {
                provider: provider.clone(),
                variable: match SecretRef::parse(reference) {
                    Ok(SecretRef::Env(var)) => var,
                    _ => reference.clone(),
                },
            }),
            Err(e @ (ConfigError::Secret(_) | ConfigError::Keychain(_))) => {
                Err(LlmError::KeyReference { provider: provider.clone(), detail: e.to_string() })
            }
            Err(_) => Err(LlmError::KeyReference {
                provider: provider.clone(),
                detail: "the key reference could not be resolved".into(),
            }),
        }
    }
}

/// A resolved API key. Only [`ApiKey::expose`] reveals it (to build a request header).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by `***` (for provider messages that might echo it).
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 { text.to_string() } else { text.replace(&self.0, "***") }
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_print() {
        let key = ApiKey("sk-canary-123456".into());
        assert!(!format!("{key:?} {key}").contains("canary"));
        assert_eq!(key.redact("bad key sk-canary-123456 given"), "bad key *** given");
    }

    #[test]
    fn default_variables_per_provider() {
        let src = KeySource::for_provider(Provider::Gemini, None);
        assert_eq!(src.describe(), "env:GEMINI_API_KEY");
        assert_eq!(KeySource::for_provider(Provider::Ollama, None), KeySource::None);
        let own = KeySource::for_provider(Provider::OpenaiCompatible, Some("env:VLLM_KEY"));
        assert_eq!(own.describe(), "env:VLLM_KEY");
    }

    #[test]
    fn missing_variable_is_named() {
        let src = KeySource::Reference {
            provider: "openai".into(),
            reference: "env:BROWSER_AI_MLOPS_TEST_UNSET_KEY_VAR".into(),
        };
        let err = src.resolve().unwrap_err();
        assert!(
            matches!(&err, LlmError::MissingKey { variable, .. } if variable == "BROWSER_AI_MLOPS_TEST_UNSET_KEY_VAR")
        );
        let literal = KeySource::Reference { provider: "openai".into(), reference: "sk-literal-secret".into() };
        let msg = literal.resolve().unwrap_err().to_string();
        assert!(!msg.contains("sk-literal-secret"), "{msg}");
    }
}

//! API keys: a client holds only a reference (`env:OPENAI_API_KEY`), resolved at the moment of each call into an
//! [`ApiKey`] whose `Debug` and `Display` never show the value.
//!
//! A key is bound to hosts ([`KeyBinding`]): a provider's key goes to the provider's official API host over https,
//! and to other hosts only when the environment's config names them (`llm.base_url`, `llm.key_hosts`). A model
//! version's own `base_url` never widens the binding, so registering a model cannot redirect a key. Keys are read
//! only from environment variables named `*_API_KEY` or from the keychain, so a reference cannot turn an unrelated
//! variable (a cloud credential, a token) into an "API key". Provider messages are scrubbed of the key, of any
//! prefix or suffix of it of 4 characters or more, and of key-like words ([`ApiKey::redact`]).

use url::Url;

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
        if let Ok(SecretRef::Env(var)) = SecretRef::parse(reference)
            && !var.ends_with(KEY_VAR_SUFFIX)
        {
            return Err(LlmError::KeyReference {
                provider: provider.clone(),
                detail: format!(
                    "env:{var} is not an API key variable: keys are read only from environment variables named \
                     *{KEY_VAR_SUFFIX} (or from keychain:NAME)"
                ),
            });
        }
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

/// Environment variables a key may be read from end with this.
pub const KEY_VAR_SUFFIX: &str = "_API_KEY";

/// The provider's official API host, where its key may always go (over https).
pub fn official_host(provider: Provider) -> Option<&'static str> {
    match provider {
        Provider::Openai => Some("api.openai.com"),
        Provider::Anthropic => Some("api.anthropic.com"),
        Provider::Gemini => Some("generativelanguage.googleapis.com"),
        _ => None,
    }
}

/// One allowed host: a name or address, with a port when one was given (`127.0.0.1:8000`, `proxy.example.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostRule {
    host: String,
    port: Option<u16>,
}

impl HostRule {
    /// `host`, `host:port` or a URL (whose port, explicit or the scheme's, is then part of the rule).
    fn parse(text: &str) -> Option<HostRule> {
        let text = text.trim();
        let (url, port_given) = if text.contains("://") {
            (Url::parse(text).ok()?, true)
        } else {
            (Url::parse(&format!("http://{text}")).ok()?, false)
        };
        let host = url.host_str().filter(|h| !h.is_empty())?.to_ascii_lowercase();
        let port = if port_given { url.port_or_known_default() } else { url.port() };
        Some(HostRule { host, port })
    }

    fn describe(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

/// The hosts a client's key may be sent to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyBinding {
    official: Option<&'static str>,
    allowed: Vec<HostRule>,
}

impl KeyBinding {
    /// Only the provider's official host (none for local and compatible providers).
    pub fn official(provider: Provider) -> KeyBinding {
        KeyBinding { official: official_host(provider), allowed: Vec::new() }
    }

    /// Also allow `host` (`name`, `name:port` or a URL); returns false when it names no host.
    pub fn allow(&mut self, host: &str) -> bool {
        match HostRule::parse(host) {
            Some(rule) => {
                self.allowed.push(rule);
                true
            }
            None => false,
        }
    }

    /// `Ok` when `source` sends no key or `base_url`'s host is one the key is bound to.
    pub fn check(&self, source: &KeySource, base_url: &str) -> Result<(), LlmError> {
        let KeySource::Reference { provider, reference } = source else { return Ok(()) };
        let url = Url::parse(base_url).ok();
        let host = url.as_ref().and_then(|u| u.host_str()).unwrap_or_default().to_ascii_lowercase();
        let port = url.as_ref().and_then(Url::port_or_known_default);
        let https = url.as_ref().is_some_and(|u| u.scheme() == "https");
        if !host.is_empty() {
            if https && self.official == Some(host.as_str()) {
                return Ok(());
            }
            if self.allowed.iter().any(|r| r.host == host && (r.port.is_none() || r.port == port)) {
                return Ok(());
            }
        }
        let mut allowed: Vec<String> = self.official.map(|h| format!("https://{h}")).into_iter().collect();
        allowed.extend(self.allowed.iter().map(HostRule::describe));
        Err(LlmError::KeyHost {
            provider: provider.clone(),
            key_ref: reference.clone(),
            host: match port {
                Some(p) if !host.is_empty() => format!("{host}:{p}"),
                _ => format!("{base_url:?}"),
            },
            allowed: if allowed.is_empty() { "no host yet".to_string() } else { allowed.join(", ") },
        })
    }
}

/// A resolved API key. Only [`ApiKey::expose`] reveals it (to build a request header).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with the key, every prefix or suffix of it of 4 characters or more, and every key-like word (see
    /// [`redact_key_like`]) replaced by `***` (for provider messages that might echo the key, whole or in part).
    pub fn redact(&self, text: &str) -> String {
        let key = self.0.as_str();
        let mut out = redact_key_like(text);
        if key.chars().count() >= 4 {
            out = out.replace(key, "***");
            let cuts: Vec<usize> = key.char_indices().map(|(i, _)| i).skip(1).collect();
            // Longest fragments first, so a long echo is not left half masked by a shorter one.
            for &cut in cuts.iter().rev() {
                let prefix = &key[..cut];
                if prefix.chars().count() >= 4 && out.contains(prefix) {
                    out = out.replace(prefix, "***");
                }
            }
            for &cut in &cuts {
                let suffix = &key[cut..];
                if suffix.chars().count() >= 4 && out.contains(suffix) {
                    out = out.replace(suffix, "***");
                }
            }
        }
        while out.contains("****") {
            out = out.replace("****", "***");
        }
        out
    }
}

/// `text` with key-like words replaced by `***`: words starting like a provider key (`sk-`, `sk_`, `AIza`, `key-`,
/// `xai-`, `gsk_`), words already partly masked by the provider (`sk-abc***xyz`), and long runs of letters and digits
/// (32 characters or more) that look like tokens.
pub fn redact_key_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let core = word.trim_matches(|c: char| ".,;:()[]{}<>".contains(c));
        if !core.is_empty() && key_like(core) {
            out.push_str(&word.replacen(core, "***", 1));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || c == '"' || c == '\'' || c == '`' || c == '=' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn key_like(word: &str) -> bool {
    const PREFIXES: [&str; 6] = ["sk-", "sk_", "AIza", "key-", "xai-", "gsk_"];
    if word == "***" {
        return false;
    }
    if PREFIXES.iter().any(|p| word.starts_with(p) && word.len() > p.len() + 2) {
        return true;
    }
    if word.contains("**") && word.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 2 {
        return true;
    }
    let tokenish = word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    tokenish
        && word.len() >= 32
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_alphabetic())
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
    fn partial_echoes_of_the_key_are_redacted() {
        let key = ApiKey("sk-canary-7f3b9e1d-DO-NOT-LEAK".into());
        for echo in [
            "Incorrect API key provided: sk-can***LEAK. You can find your API key at https://x/keys.",
            "Incorrect API key provided: sk-canary-7f3b****************LEAK",
            "key 'sk-canary-7f' is invalid",
            "key ending in NOT-LEAK is invalid",
        ] {
            let out = key.redact(echo);
            for fragment in ["sk-c", "7f3b", "LEAK", "NOT-"] {
                assert!(!out.contains(fragment), "{echo:?} -> {out:?} still holds {fragment:?}");
            }
        }
        assert_eq!(
            key.redact("Incorrect API key provided: sk-can***LEAK. See the docs."),
            "Incorrect API key provided: ***. See the docs."
        );
        // Other keys are masked too, plain words and model ids are not.
        assert_eq!(redact_key_like("other key sk-proj-abcdef1234 here"), "other key *** here");
        assert_eq!(
            redact_key_like("model claude-sonnet-4-20250514 not found"),
            "model claude-sonnet-4-20250514 not found"
        );
    }

    #[test]
    fn keys_are_bound_to_hosts() {
        let key = KeySource::for_provider(Provider::Openai, Some("env:OPENAI_API_KEY"));
        let binding = KeyBinding::official(Provider::Openai);
        assert!(binding.check(&key, "https://api.openai.com/v1").is_ok());
        assert!(binding.check(&key, "http://api.openai.com/v1").is_err(), "never over plain http");
        let err = binding.check(&key, "https://evil.example.com/v1").unwrap_err().to_string();
        assert!(err.contains("evil.example.com:443") && err.contains("llm.key_hosts"), "{err}");
        let mut wider = binding.clone();
        assert!(wider.allow("127.0.0.1:8000"));
        assert!(wider.allow("proxy.example.com"));
        assert!(wider.check(&key, "http://127.0.0.1:8000/v1").is_ok());
        assert!(wider.check(&key, "http://127.0.0.1:8001/v1").is_err(), "the port is part of the rule");
        assert!(wider.check(&key, "https://PROXY.example.com:9443/v1").is_ok(), "no port: any port");
        assert!(wider.check(&key, "http://127.0.0.2:8000/v1").is_err());
        assert!(binding.check(&KeySource::None, "http://anywhere:1").is_ok(), "no key, nothing to bind");
    }

    #[test]
    fn only_api_key_variables_are_read() {
        let src = KeySource::Reference { provider: "openai".into(), reference: "env:HOME".into() };
        let err = src.resolve().unwrap_err().to_string();
        assert!(err.contains("env:HOME is not an API key variable") && err.contains("_API_KEY"), "{err}");
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
            reference: "env:BROWSER_AI_MLOPS_TEST_UNSET_API_KEY".into(),
        };
        let err = src.resolve().unwrap_err();
        assert!(
            matches!(&err, LlmError::MissingKey { variable, .. } if variable == "BROWSER_AI_MLOPS_TEST_UNSET_API_KEY")
        );
        let literal = KeySource::Reference { provider: "openai".into(), reference: "sk-literal-secret".into() };
        let msg = literal.resolve().unwrap_err().to_string();
        assert!(!msg.contains("sk-literal-secret"), "{msg}");
    }
}

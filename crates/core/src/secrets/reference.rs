//! `SecretRef`: the one parser of secret references. A config (or a request) never holds a key, only where to find
//! it: `env:NAME` (an environment variable) or `keychain:NAME` (entry NAME of this app's OS keychain service).
//! Parsing never repeats the text it refused (it may be a pasted key); `Display` gives the reference text back;
//! `resolve` reads the value at the moment it is needed.

use std::fmt;
use std::str::FromStr;

use super::SecretsError;

/// The prefix of an environment-variable reference.
pub const ENV_PREFIX: &str = "env:";
/// The prefix of an OS-keychain reference.
pub const KEYCHAIN_PREFIX: &str = "keychain:";

/// Where a secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretRef {
    /// `env:NAME`: the environment variable NAME (letters, digits, `_`; not starting with a digit).
    Env(String),
    /// `keychain:NAME`: entry NAME of the keychain service (letters, digits, `_ - . @`).
    Keychain(String),
}

/// Why a text is not a secret reference: what was expected, never the text itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretRefError {
    #[error("an env: reference needs a variable name (letters, digits, _), e.g. env:OPENAI_API_KEY")]
    EnvName,
    #[error("a keychain: reference needs an entry name (letters, digits, _ - . @)")]
    KeychainName,
    #[error("looks like a literal secret; use env:NAME or keychain:NAME")]
    NotAReference,
}

fn name_ok(name: &str, extra: &[char]) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
}

impl SecretRef {
    /// Parse `env:NAME` or `keychain:NAME`.
    pub fn parse(text: &str) -> Result<SecretRef, SecretRefError> {
        if let Some(var) = text.strip_prefix(ENV_PREFIX) {
            let starts_ok = var.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            return if starts_ok && name_ok(var, &[]) {
                Ok(SecretRef::Env(var.to_string()))
            } else {
                Err(SecretRefError::EnvName)
            };
        }
        if let Some(name) = text.strip_prefix(KEYCHAIN_PREFIX) {
            return if name_ok(name, &['-', '.', '@']) {
                Ok(SecretRef::Keychain(name.to_string()))
            } else {
                Err(SecretRefError::KeychainName)
            };
        }
        Err(SecretRefError::NotAReference)
    }

    /// The variable or entry name, without the prefix.
    pub fn name(&self) -> &str {
        match self {
            SecretRef::Env(name) | SecretRef::Keychain(name) => name,
        }
    }

    /// The value now: an unset or empty variable is `None`; a keychain entry is read from the OS keychain (a missing
    /// entry is `SecretsError::NotFound` naming the reference).
    pub fn resolve(&self) -> Result<Option<String>, SecretsError> {
        match self {
            SecretRef::Env(var) => Ok(std::env::var(var).ok().filter(|v| !v.is_empty())),
            SecretRef::Keychain(name) => super::get(name).map(Some),
        }
    }
}

/// The entry name of a `keychain:NAME` reference, or the text unchanged when it has no such prefix.
pub fn strip_keychain(text: &str) -> &str {
    text.strip_prefix(KEYCHAIN_PREFIX).unwrap_or(text)
}

impl FromStr for SecretRef {
    type Err = SecretRefError;

    fn from_str(text: &str) -> Result<SecretRef, SecretRefError> {
        SecretRef::parse(text)
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "{ENV_PREFIX}{name}"),
            SecretRef::Keychain(name) => write!(f, "{KEYCHAIN_PREFIX}{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_references_parse_and_round_trip() {
        for (text, parsed) in [
            ("env:OPENAI_API_KEY", SecretRef::Env("OPENAI_API_KEY".into())),
            ("env:_k1", SecretRef::Env("_k1".into())),
            ("keychain:openai", SecretRef::Keychain("openai".into())),
            ("keychain:team.openai-prod@eu", SecretRef::Keychain("team.openai-prod@eu".into())),
        ] {
            let got: SecretRef = text.parse().unwrap();
            assert_eq!(got, parsed, "{text}");
            assert_eq!(got.to_string(), text);
            assert_eq!(SecretRef::parse(&got.to_string()).unwrap(), got);
        }
        assert_eq!(SecretRef::parse("keychain:openai").unwrap().name(), "openai");
    }

    #[test]
    fn invalid_names_say_what_was_expected_without_repeating_the_text() {
        for (text, err) in [
            ("env:", SecretRefError::EnvName),
            ("env:1BAD", SecretRefError::EnvName),
            ("env:A-B", SecretRefError::EnvName),
            ("env:A.B", SecretRefError::EnvName),
            ("keychain:", SecretRefError::KeychainName),
            ("keychain:has space", SecretRefError::KeychainName),
            ("keychain:a/b", SecretRefError::KeychainName),
            ("keychain:ключ", SecretRefError::KeychainName),
            ("sk-live-1234567890", SecretRefError::NotAReference),
            ("", SecretRefError::NotAReference),
            ("ENV:OPENAI_API_KEY", SecretRefError::NotAReference),
        ] {
            let got = SecretRef::parse(text).unwrap_err();
            assert_eq!(got, err, "{text:?}");
            let msg = got.to_string();
            let name = text.split_once(':').map_or(text, |(_, n)| n);
            assert!(name.len() < 3 || !msg.contains(name), "{msg} repeats {text:?}");
        }
        assert!(SecretRefError::NotAReference.to_string().contains("env:NAME or keychain:NAME"));
    }

    #[test]
    fn an_env_reference_resolves_from_the_environment() {
        // A name no other test sets; an unset variable is `None`, not an error.
        let r = SecretRef::Env("BROWSER_AI_MLOPS_TEST_SECRET_REF_UNSET".into());
        assert_eq!(r.resolve().unwrap(), None);
        let path = SecretRef::parse("env:PATH").unwrap();
        assert_eq!(path.resolve().unwrap(), std::env::var("PATH").ok().filter(|v| !v.is_empty()));
    }

    #[test]
    fn the_keychain_prefix_is_optional_for_entry_names() {
        assert_eq!(strip_keychain("keychain:openai"), "openai");
        assert_eq!(strip_keychain("openai"), "openai");
    }
}

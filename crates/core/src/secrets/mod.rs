//! Provider API keys in the OS keychain. A config never holds a key: it holds a reference (`keychain:NAME`), and this
//! module stores, reads, locates and deletes the entry `NAME` of the service `browser-ai-mlops` in the platform's
//! store. Values are only ever returned by [`get`] (for building a request header); every error and every status
//! names the reference and the backend, never a value.
//!
//! References are parsed in one place, [`SecretRef`] (`reference`).
//!
//! Backends (see `store`): macOS Keychain, Windows Credential Manager, and on Linux the freedesktop Secret Service
//! (GNOME Keyring / KWallet over D-Bus, persistent) with the kernel keyutils persistent keyring (no daemon; lost at
//! reboot) as the fallback when no Secret Service answers. `BROWSER_AI_MLOPS_KEYCHAIN` picks one on Linux.

mod reference;
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod store;
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
#[path = "unsupported.rs"]
mod store;

use serde::{Deserialize, Serialize};

use crate::kind::ErrorKind;

pub use reference::{ENV_PREFIX, KEYCHAIN_PREFIX, SecretRef, SecretRefError, strip_keychain};
pub use store::{available_backends, delete, find, get, set};

/// The keychain service every entry is stored under; the entry's account/user is the reference name.
pub const SERVICE: &str = "browser-ai-mlops";
/// Linux only: `auto` (default: Secret Service, else kernel keyutils), `secret-service` or `keyutils`.
pub const BACKEND_VAR: &str = "BROWSER_AI_MLOPS_KEYCHAIN";
/// Longest accepted entry name (keyutils descriptions are limited to 4 KiB; names are identifiers, not texts).
pub const MAX_NAME_LEN: usize = 128;

/// Where a key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum KeychainBackend {
    /// freedesktop Secret Service over D-Bus (GNOME Keyring, KWallet): persistent, encrypted at rest.
    SecretService,
    /// Linux kernel keyutils, the user's persistent keyring: no daemon, survives logout, lost at reboot.
    Keyutils,
    /// macOS Keychain.
    MacosKeychain,
    /// Windows Credential Manager.
    WindowsCredentialManager,
}

impl KeychainBackend {
    pub fn as_str(self) -> &'static str {
        match self {
            KeychainBackend::SecretService => "secret_service",
            KeychainBackend::Keyutils => "keyutils",
            KeychainBackend::MacosKeychain => "macos_keychain",
            KeychainBackend::WindowsCredentialManager => "windows_credential_manager",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            KeychainBackend::SecretService => "Secret Service (D-Bus keyring)",
            KeychainBackend::Keyutils => "kernel keyutils keyring",
            KeychainBackend::MacosKeychain => "macOS Keychain",
            KeychainBackend::WindowsCredentialManager => "Windows Credential Manager",
        }
    }

    /// How long a stored key lasts there.
    pub fn persistence(self) -> &'static str {
        match self {
            KeychainBackend::SecretService
            | KeychainBackend::MacosKeychain
            | KeychainBackend::WindowsCredentialManager => "persistent until deleted",
            KeychainBackend::Keyutils => {
                "kept in kernel memory: survives logout (expires after /proc/sys/kernel/keys/persistent_keyring_expiry \
                 seconds unused, 3 days by default), lost at reboot"
            }
        }
    }
}

impl std::fmt::Display for KeychainBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("invalid keychain entry name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("the value for keychain:{name} is empty: nothing was stored")]
    EmptyValue { name: String },
    /// Nothing stored under the name in any backend consulted.
    #[error(
        "no key stored for keychain:{name} (service {SERVICE}, looked in: {looked_in}); store a key \
         under the name {name:?} first"
    )]
    NotFound { name: String, looked_in: String },
    /// The backend answered with a failure; `detail` comes from the platform and never holds a value.
    #[error("{backend}: cannot {op} keychain:{name}: {detail}")]
    Backend { backend: KeychainBackend, op: &'static str, name: String, detail: String },
    /// No backend could be reached (or this platform has none compiled in).
    #[error("no OS keychain is available for keychain:{name}: {detail}")]
    Unavailable { name: String, detail: String },
    #[error("{BACKEND_VAR}={value:?}: expected auto, secret-service or keyutils")]
    BadChoice { value: String },
}

impl SecretsError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            SecretsError::InvalidName { .. } | SecretsError::EmptyValue { .. } | SecretsError::BadChoice { .. } => {
                ErrorKind::Input
            }
            SecretsError::NotFound { .. } => ErrorKind::NotFound,
            SecretsError::Backend { .. } | SecretsError::Unavailable { .. } => ErrorKind::Failed,
        }
    }
}

/// The entry name of a `keychain:NAME` reference or a bare name, checked: letters, digits, `_ - . @`, at most
/// [`MAX_NAME_LEN`] characters.
pub fn entry_name(reference_or_name: &str) -> Result<&str, SecretsError> {
    let name = strip_keychain(reference_or_name);
    let invalid = |reason: &str| SecretsError::InvalidName { name: name.to_string(), reason: reason.to_string() };
    if name.is_empty() {
        return Err(invalid("it is empty"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(SecretsError::InvalidName {
            name: format!("{}…", name.chars().take(16).collect::<String>()),
            reason: format!("longer than {MAX_NAME_LEN} characters"),
        });
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@')) {
        return Err(invalid("use letters, digits, _ - . @ only (e.g. openai)"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_the_prefix_is_optional() {
        assert_eq!(entry_name("keychain:openai").unwrap(), "openai");
        assert_eq!(entry_name("team.openai-prod@eu").unwrap(), "team.openai-prod@eu");
        for bad in ["", "keychain:", "has space", "a/b", "ключ"] {
            let err = entry_name(bad).unwrap_err();
            assert!(matches!(err, SecretsError::InvalidName { .. }), "{bad:?}: {err}");
            assert_eq!(err.kind(), ErrorKind::Input);
        }
        let long = "x".repeat(MAX_NAME_LEN + 1);
        let msg = entry_name(&long).unwrap_err().to_string();
        assert!(msg.contains("longer than") && msg.len() < 200, "{msg}");
    }

    #[test]
    fn not_found_names_the_reference_and_the_fix() {
        let e = SecretsError::NotFound { name: "openai".into(), looked_in: KeychainBackend::Keyutils.label().into() };
        let msg = e.to_string();
        assert!(msg.contains("keychain:openai") && msg.contains("store a key under the name \"openai\""), "{msg}");
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
}

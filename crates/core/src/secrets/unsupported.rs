//! The keychain on platforms without a backend in this build (e.g. the BSDs): every operation fails with
//! `Unavailable`, so `keychain:` references are reported as unresolvable instead of silently using a memory store.

use super::{KeychainBackend, SecretsError, entry_name};

const WHY: &str = "this build has no keychain backend for this platform; use an env:VAR_NAME reference";

fn unavailable(name: &str) -> Result<(), SecretsError> {
    let name = entry_name(name)?;
    Err(SecretsError::Unavailable { name: name.to_string(), detail: WHY.into() })
}

pub fn set(name: &str, _value: &str) -> Result<KeychainBackend, SecretsError> {
    unavailable(name).map(|()| KeychainBackend::Keyutils)
}

pub fn get(name: &str) -> Result<String, SecretsError> {
    unavailable(name).map(|()| String::new())
}

pub fn find(name: &str) -> Result<Option<KeychainBackend>, SecretsError> {
    unavailable(name).map(|()| None)
}

pub fn delete(name: &str) -> Result<Vec<KeychainBackend>, SecretsError> {
    unavailable(name).map(|()| Vec::new())
}

pub fn available_backends() -> Result<Vec<KeychainBackend>, SecretsError> {
    Ok(Vec::new())
}

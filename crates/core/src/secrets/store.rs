//! The platform side of the keychain: which backends this build and this machine offer, in which order they are
//! consulted, and the four operations (set, get, find, delete) over them. Errors are mapped to [`SecretsError`]
//! without ever formatting a value (keyring's `BadEncoding` carries the stored bytes, so it is never displayed).
//!
//! Linux, `BROWSER_AI_MLOPS_KEYCHAIN=auto` (the default): writes go to the Secret Service when one answers on the
//! D-Bus session bus, else to the kernel keyutils persistent keyring; reads, finds and deletes consult both, Secret
//! Service first. A Secret Service that answers but is locked (or whose unlock prompt was dismissed) is an error for
//! a write, never a silent fallback to the non-persistent kernel keyring.

use keyring::Entry;

use super::{KeychainBackend, SecretsError, entry_name};

/// Keys are small; a longer "value" is a pasted file, not an API key.
const MAX_VALUE_BYTES: usize = 16 * 1024;

/// Store `value` under `name`, returning where it went.
pub fn set(name: &str, value: &str) -> Result<KeychainBackend, SecretsError> {
    let name = entry_name(name)?;
    let value = value.trim_end_matches(['\r', '\n']);
    if value.trim().is_empty() {
        return Err(SecretsError::EmptyValue { name: name.to_string() });
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(SecretsError::Backend {
            backend: write_order()?[0],
            op: "store",
            name: name.to_string(),
            detail: format!("the value is longer than {MAX_VALUE_BYTES} bytes; an API key is much shorter"),
        });
    }
    let order = write_order()?;
    let mut unreachable = Vec::new();
    for (i, &backend) in order.iter().enumerate() {
        match entry(backend, name).and_then(|e| e.set_password(value).map_err(|err| map(backend, "store", name, err))) {
            Ok(()) => return Ok(backend),
            Err(Unreachable(detail)) if i + 1 < order.len() => unreachable.push(format!("{backend}: {detail}")),
            // keyring reports a refused link (EACCES) or a revoked key as "no entry"; for a write that is a refusal.
            Err(NoEntry) => {
                return Err(SecretsError::Backend {
                    backend,
                    op: "store",
                    name: name.to_string(),
                    detail: "the keychain refused the entry (access denied or revoked)".into(),
                });
            }
            Err(e) => return Err(e.into_error(backend, name, &unreachable)),
        }
    }
    Err(SecretsError::Unavailable { name: name.to_string(), detail: unreachable.join("; ") })
}

/// The value stored under `name`, from the first backend that has it; `NotFound` names where it looked.
pub fn get(name: &str) -> Result<String, SecretsError> {
    lookup(name, "read", |entry| entry.get_password()).map(|(value, _)| value)
}

/// Which backend holds `name`, without returning the value; `Ok(None)` when none does.
pub fn find(name: &str) -> Result<Option<KeychainBackend>, SecretsError> {
    match lookup(name, "look up", |entry| entry.get_password().map(drop)) {
        Ok(((), backend)) => Ok(Some(backend)),
        Err(SecretsError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Delete `name` from every backend that holds it; `NotFound` when none did.
pub fn delete(name: &str) -> Result<Vec<KeychainBackend>, SecretsError> {
    let name = entry_name(name)?;
    let mut removed = Vec::new();
    let mut problems = Vec::new();
    let order = read_order()?;
    for &backend in &order {
        match entry(backend, name).and_then(|e| e.delete_credential().map_err(|err| map(backend, "delete", name, err)))
        {
            Ok(()) => removed.push(backend),
            Err(NoEntry | Unreachable(_)) => {}
            Err(e) => problems.push(e.into_error(backend, name, &[])),
        }
    }
    if let Some(first) = problems.into_iter().next() {
        return Err(first);
    }
    if removed.is_empty() {
        return Err(not_found(name, &order));
    }
    Ok(removed)
}

/// The backends this build consults on this machine, in order (the first one that answers receives new keys).
pub fn available_backends() -> Result<Vec<KeychainBackend>, SecretsError> {
    read_order()
}

/// What one backend call came to, before it becomes a [`SecretsError`].
enum Outcome {
    NoEntry,
    /// The backend is not there at all (no D-Bus session, no Secret Service): the next one is tried.
    Unreachable(String),
    Failed(SecretsError),
}
use Outcome::{Failed, NoEntry, Unreachable};

impl Outcome {
    fn into_error(self, backend: KeychainBackend, name: &str, skipped: &[String]) -> SecretsError {
        match self {
            Failed(e) => e,
            NoEntry => not_found(name, &[backend]),
            Unreachable(detail) => {
                let mut all = skipped.to_vec();
                all.push(format!("{backend}: {detail}"));
                SecretsError::Unavailable { name: name.to_string(), detail: all.join("; ") }
            }
        }
    }
}

/// Ask each backend in read order; the first that holds `name` wins. A backend that cannot be reached is skipped;
/// a locked one is remembered and reported when no other backend holds the key.
fn lookup<T>(
    name: &str,
    op: &'static str,
    read: impl Fn(&Entry) -> keyring::Result<T>,
) -> Result<(T, KeychainBackend), SecretsError> {
    let name = entry_name(name)?;
    let order = read_order()?;
    let mut blocked = None;
    let mut reached = Vec::new();
    let mut unreachable = Vec::new();
    for &backend in &order {
        let result = entry(backend, name).and_then(|e| read(&e).map_err(|err| map(backend, op, name, err)));
        match result {
            Ok(value) => return Ok((value, backend)),
            Err(NoEntry) => reached.push(backend),
            Err(Unreachable(detail)) => unreachable.push(format!("{backend}: {detail}")),
            Err(Failed(e)) => {
                reached.push(backend);
                blocked.get_or_insert(e);
            }
        }
    }
    Err(match blocked {
        Some(e) => e,
        None if reached.is_empty() => {
            SecretsError::Unavailable { name: name.to_string(), detail: unreachable.join("; ") }
        }
        None => not_found(name, &reached),
    })
}

fn not_found(name: &str, looked_in: &[KeychainBackend]) -> SecretsError {
    SecretsError::NotFound {
        name: name.to_string(),
        looked_in: looked_in.iter().map(|b| b.label()).collect::<Vec<_>>().join(", "),
    }
}

/// Map a keyring error, dropping anything that could hold a value.
fn map(backend: KeychainBackend, op: &'static str, name: &str, err: keyring::Error) -> Outcome {
    let failed = |detail: String| Failed(SecretsError::Backend { backend, op, name: name.to_string(), detail });
    match err {
        keyring::Error::NoEntry => NoEntry,
        keyring::Error::PlatformFailure(e) if backend == KeychainBackend::SecretService => Unreachable(e.to_string()),
        keyring::Error::PlatformFailure(e) => failed(e.to_string()),
        keyring::Error::NoStorageAccess(e) => failed(format!("the keychain is locked or access was refused ({e})")),
        keyring::Error::BadEncoding(_) => failed("the stored value is not UTF-8 text".into()),
        keyring::Error::TooLong(field, max) => failed(format!("{field} is longer than the platform's {max}")),
        keyring::Error::Invalid(field, reason) => failed(format!("{field}: {reason}")),
        keyring::Error::Ambiguous(found) => {
            failed(format!("{} entries match; remove the duplicates with the platform's keychain tool", found.len()))
        }
        other => failed(format!("{other:?}").chars().take(200).collect()),
    }
}

#[cfg(target_os = "linux")]
fn entry(backend: KeychainBackend, name: &str) -> Result<Entry, Outcome> {
    use keyring::keyutils::KeyutilsCredential;
    use keyring::secret_service::SsCredential;
    let credential: Box<keyring::Credential> = match backend {
        KeychainBackend::SecretService => Box::new(
            SsCredential::new_with_target(None, super::SERVICE, name).map_err(|e| map(backend, "open", name, e))?,
        ),
        KeychainBackend::Keyutils => {
            // A credential captures "the session keyring" and then links the persistent keyring into it. A thread
            // that has no session keyring of its own (a process not started by a PAM login: services, containers,
            // CI) is given a new one by that link, so the first credential made on such a thread holds a stale id
            // and its keys cannot be linked into the persistent keyring (EACCES). The one made right after holds
            // the thread's real session keyring. Both calls are cheap syscalls.
            let _ = KeyutilsCredential::new_with_target(None, super::SERVICE, name);
            Box::new(
                KeyutilsCredential::new_with_target(None, super::SERVICE, name)
                    .map_err(|e| map(backend, "open", name, e))?,
            )
        }
        other => return Err(Unreachable(format!("{other} is not available on Linux"))),
    };
    Ok(Entry::new_with_credential(credential))
}

#[cfg(any(target_os = "macos", target_os = "windows"))]
fn entry(backend: KeychainBackend, name: &str) -> Result<Entry, Outcome> {
    Entry::new(super::SERVICE, name).map_err(|e| map(backend, "open", name, e))
}

#[cfg(target_os = "linux")]
fn read_order() -> Result<Vec<KeychainBackend>, SecretsError> {
    let choice = std::env::var(super::BACKEND_VAR).unwrap_or_default();
    match choice.trim() {
        "" | "auto" => Ok(vec![KeychainBackend::SecretService, KeychainBackend::Keyutils]),
        "secret-service" | "secret_service" => Ok(vec![KeychainBackend::SecretService]),
        "keyutils" => Ok(vec![KeychainBackend::Keyutils]),
        _ => Err(SecretsError::BadChoice { value: choice }),
    }
}

#[cfg(target_os = "macos")]
fn read_order() -> Result<Vec<KeychainBackend>, SecretsError> {
    Ok(vec![KeychainBackend::MacosKeychain])
}

#[cfg(target_os = "windows")]
fn read_order() -> Result<Vec<KeychainBackend>, SecretsError> {
    Ok(vec![KeychainBackend::WindowsCredentialManager])
}

fn write_order() -> Result<Vec<KeychainBackend>, SecretsError> {
    read_order()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(msg: &str) -> Box<dyn std::error::Error + Send + Sync> {
        msg.to_string().into()
    }

    #[test]
    fn a_non_utf8_value_is_reported_without_its_bytes() {
        let err = keyring::Error::BadEncoding(b"sk-secret-bytes\xff".to_vec());
        match map(KeychainBackend::Keyutils, "read", "n", err) {
            Failed(e) => assert!(!format!("{e} {e:?}").contains("sk-secret"), "{e:?}"),
            _ => panic!("expected a failure"),
        }
    }

    #[test]
    fn only_an_unreachable_secret_service_is_skipped() {
        let ss = KeychainBackend::SecretService;
        assert!(matches!(map(ss, "read", "n", keyring::Error::PlatformFailure(boxed("no bus"))), Unreachable(_)));
        assert!(matches!(map(ss, "read", "n", keyring::Error::NoStorageAccess(boxed("locked"))), Failed(_)));
        let ku = KeychainBackend::Keyutils;
        assert!(matches!(map(ku, "read", "n", keyring::Error::PlatformFailure(boxed("EPERM"))), Failed(_)));
        assert!(matches!(map(ku, "read", "n", keyring::Error::NoEntry), NoEntry));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_keyring_round_trips_here() {
        // Real keyutils (no daemon needed): set, find, get, delete, then gone.
        let name = format!("bam-unit-{}", uuid::Uuid::now_v7().simple());
        let Ok(entry) = entry(KeychainBackend::Keyutils, &name) else { panic!("no keyutils entry") };
        entry.set_password("v-123").expect("set");
        assert_eq!(entry.get_password().expect("get"), "v-123");
        entry.delete_credential().expect("delete");
        assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
    }
}

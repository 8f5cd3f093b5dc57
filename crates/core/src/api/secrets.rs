//! Operation table: provider API keys in the OS keychain — store a key (`set`; the value is never echoed back),
//! `delete` it, and `status`: which `env:`/`keychain:` references an environment uses and whether each resolves,
//! and from where. No output of this module ever holds a value. Only `status` is served over HTTP; `set` and
//! `delete` are for the CLI and the desktop app's IPC. For remote callers `status` checks only references some
//! environment's config uses, so it cannot probe arbitrary environment variables or keychain entries.

use serde::{Deserialize, Serialize};

use crate::config::{self, Provider};
use crate::error::{Error, Result};
use crate::secrets::{self, KeychainBackend, SecretsError};
use crate::{Core, llm::KeySource};

/// The key to store. `Debug` shows the name only.
#[derive(Serialize, Deserialize, specta::Type, Clone)]
pub struct SetSecretInput {
    /// Entry name, with or without the `keychain:` prefix (letters, digits, `_ - . @`).
    pub name: String,
    pub value: String,
}

impl std::fmt::Debug for SetSecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetSecretInput").field("name", &self.name).field("value", &"***").finish()
    }
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct SetSecretOutput {
    pub name: String,
    /// What to put in a config: `keychain:NAME`.
    pub reference: String,
    pub backend: KeychainBackend,
    /// How long the key lasts in that backend.
    pub persistence: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct DeleteSecretInput {
    pub name: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct DeleteSecretOutput {
    pub name: String,
    pub reference: String,
    /// Every backend the entry was removed from.
    pub removed_from: Vec<KeychainBackend>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct SecretsStatusInput {
    /// The environment whose references are listed; defaults to the active one.
    #[serde(default)]
    pub env: Option<String>,
    /// Check these references instead (`env:NAME`, `keychain:NAME`, or a bare keychain entry name).
    #[serde(default)]
    pub names: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    Env,
    Keychain,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SecretState {
    /// The reference resolves to a non-empty value right now.
    Set,
    NotSet,
    /// The keychain could not be asked (no backend reachable, locked); `detail` says why.
    Unavailable,
    /// Not a well-formed reference.
    Invalid,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ReferenceStatus {
    pub reference: String,
    pub kind: ReferenceKind,
    /// The variable or entry name.
    pub name: String,
    /// Where the environment uses it: `llm.api_key`, `llm.provider default (openai)`, or `requested`.
    pub used_by: String,
    pub state: SecretState,
    /// Where the value was found: `environment variable` or a keychain backend's label.
    pub source: Option<String>,
    /// The keychain backend holding it, for `keychain:` references that are set.
    pub backend: Option<KeychainBackend>,
    pub detail: Option<String>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct BackendInfo {
    pub backend: KeychainBackend,
    pub label: String,
    pub persistence: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct SecretsStatusOutput {
    pub env: String,
    pub service: String,
    /// The keychain backends consulted on this machine, in order (new keys go to the first that answers).
    pub backends: Vec<BackendInfo>,
    pub references: Vec<ReferenceStatus>,
}

/// Run a blocking keychain call off the async workers (a Secret Service call is a D-Bus round trip, and may wait for
/// an unlock prompt).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, SecretsError> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Failed(format!("keychain task failed: {e}")))?
        .map_err(Into::into)
}

/// Store a key in the OS keychain under `browser-ai-mlops` / NAME (replacing any previous value).
pub async fn set(_core: &Core, input: SetSecretInput) -> Result<SetSecretOutput> {
    let name = secrets::entry_name(&input.name)?.to_string();
    let value = input.value;
    let key = name.clone();
    let backend = blocking(move || secrets::set(&key, &value)).await?;
    Ok(SetSecretOutput {
        reference: format!("keychain:{name}"),
        name,
        backend,
        persistence: backend.persistence().to_string(),
    })
}

/// Delete a key from every keychain backend holding it; a name stored nowhere is a NotFound error.
pub async fn delete(_core: &Core, input: DeleteSecretInput) -> Result<DeleteSecretOutput> {
    let name = secrets::entry_name(&input.name)?.to_string();
    let key = name.clone();
    let removed_from = blocking(move || secrets::delete(&key)).await?;
    Ok(DeleteSecretOutput { reference: format!("keychain:{name}"), name, removed_from })
}

/// The references an environment uses (or the ones asked for) and whether each resolves; never a value.
pub async fn status(core: &Core, input: SecretsStatusInput) -> Result<SecretsStatusOutput> {
    let env = input.env.unwrap_or_else(|| core.settings().env.clone());
    let wanted: Vec<(String, String)> = match input.names {
        Some(names) => names
            .into_iter()
            .map(|n| {
                let reference =
                    if n.starts_with("env:") || n.starts_with("keychain:") { n } else { format!("keychain:{n}") };
                (reference, "requested".to_string())
            })
            .collect(),
        None => {
            let loaded = config::inspect(core.settings(), &env)?.into_loaded()?;
            used_references(loaded.config.llm.provider, loaded.config.llm.api_key.as_deref())
        }
    };
    let known = match core.caller() {
        crate::core::Caller::Local => None,
        crate::core::Caller::Remote => Some(configured_references(core)),
    };
    let (references, backends) = blocking(move || {
        let refs = wanted
            .into_iter()
            .map(|(r, used_by)| match &known {
                Some(known) if !known.contains(&r) => unchecked(r, used_by),
                _ => check(r, used_by),
            })
            .collect::<Vec<_>>();
        Ok((refs, secrets::available_backends()))
    })
    .await?;
    let backends = backends?
        .into_iter()
        .map(|b| BackendInfo { backend: b, label: b.label().to_string(), persistence: b.persistence().to_string() })
        .collect();
    Ok(SecretsStatusOutput { env, service: secrets::SERVICE.to_string(), backends, references })
}

/// The key reference the `llm` section makes the clients use: `llm.api_key`, else the provider's default variable.
fn used_references(provider: Provider, api_key: Option<&str>) -> Vec<(String, String)> {
    match (api_key, KeySource::for_provider(provider, api_key)) {
        (Some(r), _) => vec![(r.to_string(), "llm.api_key".to_string())],
        (None, KeySource::Reference { reference, .. }) => {
            vec![(reference, format!("llm.provider default ({})", provider.as_str()))]
        }
        (None, KeySource::None) => Vec::new(),
    }
}

/// Every reference some environment's config makes the clients use (environments that do not load are skipped).
fn configured_references(core: &Core) -> Vec<String> {
    let settings = core.settings();
    let envs = config::files::list(&settings.config_dir).unwrap_or_default();
    envs.iter()
        .filter_map(|env| config::inspect(settings, env).ok()?.into_loaded().ok())
        .flat_map(|loaded| used_references(loaded.config.llm.provider, loaded.config.llm.api_key.as_deref()))
        .map(|(reference, _)| reference)
        .collect()
}

/// A requested reference no config uses, answered without looking it up.
fn unchecked(reference: String, used_by: String) -> ReferenceStatus {
    let mut out = check_shape(reference, used_by);
    out.state = SecretState::Invalid;
    out.detail = Some("no environment's config uses this reference, so it is not checked over this connection".into());
    out
}

fn check(reference: String, used_by: String) -> ReferenceStatus {
    let mut out = check_shape(reference, used_by);
    if let Some(problem) = config::reference_problem(&out.reference) {
        out.state = SecretState::Invalid;
        out.detail = Some(problem);
        return out;
    }
    match out.kind {
        ReferenceKind::Env => {
            if std::env::var_os(&out.name).is_some_and(|v| !v.is_empty()) {
                out.state = SecretState::Set;
                out.source = Some("environment variable".into());
            }
        }
        ReferenceKind::Keychain => match secrets::find(&out.name) {
            Ok(Some(backend)) => {
                out.state = SecretState::Set;
                out.source = Some(backend.label().to_string());
                out.backend = Some(backend);
            }
            Ok(None) => {}
            Err(e) => {
                out.state = SecretState::Unavailable;
                out.detail = Some(e.to_string());
            }
        },
    }
    out
}

/// The status of a reference before it is looked up: its kind and name, not set.
fn check_shape(reference: String, used_by: String) -> ReferenceStatus {
    // An invalid reference keeps the kind its prefix names; `reference_problem` below says what is wrong with it.
    let (kind, name) = match crate::secrets::SecretRef::parse(&reference) {
        Ok(crate::secrets::SecretRef::Env(name)) => (ReferenceKind::Env, name),
        Ok(crate::secrets::SecretRef::Keychain(name)) => (ReferenceKind::Keychain, name),
        Err(_) if reference.starts_with("env:") => (ReferenceKind::Env, reference[4..].to_string()),
        Err(_) => (ReferenceKind::Keychain, reference.split_once(':').map(|(_, n)| n.to_string()).unwrap_or_default()),
    };
    ReferenceStatus {
        reference,
        kind,
        name,
        used_by,
        state: SecretState::NotSet,
        source: None,
        backend: None,
        detail: None,
    }
}

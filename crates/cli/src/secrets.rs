//! `secrets set NAME` / `secrets delete NAME` / `secrets status`: provider API keys in the OS keychain. The value
//! of `set` comes from standard input (piped) or a prompt that does not echo — never from the command line, so it
//! lands neither in shell history nor in `ps`.

use std::io::{IsTerminal, Read};

use clap::{Args, Subcommand};

use super::output::{Output, table};
use browser_ai_mlops_core::api::secrets::{
    self as api, DeleteSecretInput, ReferenceStatus, SecretState, SecretsStatusInput, SecretsStatusOutput,
    SetSecretInput,
};
use browser_ai_mlops_core::core::Core;
use browser_ai_mlops_core::error::{Error, Result};

/// Longest value read from standard input; anything longer is not an API key.
const MAX_STDIN_BYTES: u64 = 64 * 1024;

#[derive(Debug, Subcommand)]
pub enum SecretsCmd {
    /// Store a key in the OS keychain as keychain:NAME; the value is read from stdin or a hidden prompt
    Set(SetArgs),
    /// Remove keychain:NAME from the OS keychain
    Delete {
        /// Entry name (or keychain:NAME)
        name: String,
    },
    /// Which key references the environment (--env) uses and whether each is set, and where; never the values
    Status {
        /// Check these references instead (env:NAME, keychain:NAME or a keychain entry name)
        #[arg(value_name = "REFERENCE")]
        names: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Entry name (or keychain:NAME): letters, digits, _ - . @
    pub name: String,
}

pub async fn run(core: &Core, cmd: SecretsCmd, out: &Output) -> Result<i32> {
    match cmd {
        SecretsCmd::Set(args) => {
            // Check the name before asking for the value.
            let name = browser_ai_mlops_core::secrets::entry_name(&args.name)?.to_string();
            let value = read_value(&name)?;
            let stored = api::set(core, SetSecretInput { name, value }).await?;
            out.emit(&stored, |s| {
                format!(
                    "stored {} in the {} ({})\nuse it in a config: llm.api_key: {}",
                    s.reference,
                    s.backend.label(),
                    s.persistence,
                    s.reference
                )
            })?;
        }
        SecretsCmd::Delete { name } => {
            let deleted = api::delete(core, DeleteSecretInput { name }).await?;
            out.emit(&deleted, |d| {
                let from = d.removed_from.iter().map(|b| b.label()).collect::<Vec<_>>().join(", ");
                format!("deleted {} from the {from}", d.reference)
            })?;
        }
        SecretsCmd::Status { names } => {
            let names = (!names.is_empty()).then_some(names);
            let status = api::status(core, SecretsStatusInput { env: None, names }).await?;
            out.emit(&status, render_status)?;
        }
    }
    Ok(0)
}

/// The value from a hidden prompt when stdin is a terminal, else all of stdin (one trailing newline dropped).
fn read_value(name: &str) -> Result<String> {
    let stdin = std::io::stdin();
    let value = if stdin.is_terminal() {
        rpassword::prompt_password(format!("value for keychain:{name} (input hidden): "))
            .map_err(|e| Error::io("cannot read the value from the terminal", e))?
    } else {
        let mut buf = String::new();
        stdin
            .lock()
            .take(MAX_STDIN_BYTES + 1)
            .read_to_string(&mut buf)
            .map_err(|e| Error::io("cannot read the value from standard input (expected UTF-8 text)", e))?;
        if buf.len() as u64 > MAX_STDIN_BYTES {
            return Err(Error::Input(format!(
                "standard input holds more than {MAX_STDIN_BYTES} bytes; pipe only the key, e.g. `printf %s \"$KEY\" | \
                 browser-ai-mlops secrets set {name}`"
            )));
        }
        buf
    };
    let value = value.strip_suffix('\n').map(|v| v.strip_suffix('\r').unwrap_or(v)).unwrap_or(&value).to_string();
    if value.trim().is_empty() {
        return Err(Error::Input(format!(
            "no value given for keychain:{name}: pipe the key on standard input or type it at the prompt"
        )));
    }
    Ok(value)
}

fn state(r: &ReferenceStatus) -> &'static str {
    match r.state {
        SecretState::Set => "set",
        SecretState::NotSet => "not set",
        SecretState::Unavailable => "unavailable",
        SecretState::Invalid => "invalid",
    }
}

fn render_status(s: &SecretsStatusOutput) -> String {
    let mut lines = Vec::new();
    if s.references.is_empty() {
        lines.push(format!("environment {} uses no API key reference", s.env));
    } else {
        lines.push(table(
            &["reference", "used by", "status", "source"],
            s.references.iter().map(|r| {
                let source = r.source.clone().or_else(|| r.detail.clone()).unwrap_or_else(|| "-".into());
                vec![r.reference.clone(), r.used_by.clone(), state(r).to_string(), source]
            }),
        ));
    }
    let backends = s.backends.iter().map(|b| b.label.as_str()).collect::<Vec<_>>().join(", then ");
    let backends = if backends.is_empty() { "none in this build".to_string() } else { backends };
    lines.push(format!("\nenvironment: {}   keychain service: {}   backends: {backends}", s.env, s.service));
    lines.join("\n")
}

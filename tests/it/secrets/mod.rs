//! Provider API keys in the real OS keychain of this machine (on this headless Linux: the kernel keyutils persistent
//! keyring, reached through the same `auto` order a desktop uses — no Secret Service answers here): a stored key is
//! resolved at call time and sent to the provider; a deleted one is a clear error naming the reference; the CLI
//! reads values only from stdin; the server serves `status` but never `set`/`delete`; and a canary key used by a
//! real agent run appears in no file, log, report or export (`secrets/canary.rs`).

mod canary;
mod urls;

use std::io::Write;
use std::process::Stdio;

use browser_ai_mlops_core::api::secrets::{
    self as api, DeleteSecretInput, SecretState, SecretsStatusInput, SetSecretInput,
};
use browser_ai_mlops_core::config::{ConfigError, Provider as CfgProvider, resolve_secret};
use browser_ai_mlops_core::llm::{self, ChatMessage, ChatRequest};
use browser_ai_mlops_core::registry::Provider;
use browser_ai_mlops_core::secrets::SecretsError;
use browser_ai_mlops_core::tracker::Role;
use browser_ai_mlops_core::{Core, ErrorKind};

use crate::llm::fake::{self, FakeServer, Reply, fixture};
use crate::util::Home;

/// A keychain entry name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    format!("bam-it-{prefix}-{}", uuid::Uuid::now_v7().simple())
}

/// Run the binary with `stdin` piped in; returns (exit code, stdout, stderr).
pub fn run_with_stdin(home: &Home, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = home
        .cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn browser-ai-mlops");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage { role: Role::User, content: "Say hi as JSON.".into(), image_png_base64: None }],
        temperature: 0.0,
        max_tokens: Some(50),
        top_p: None,
        json_output: true,
        schema: None,
    }
}

#[tokio::test]
async fn a_stored_key_reaches_the_provider_and_a_deleted_one_is_named_in_the_error() {
    let home = Home::new();
    let core = Core::new(home.settings());
    let name = unique("llm");
    let reference = format!("keychain:{name}");
    let key = format!("sk-it-{}", uuid::Uuid::now_v7().simple());

    let stored = api::set(&core, SetSecretInput { name: name.clone(), value: format!("{key}\n") }).await.unwrap();
    assert_eq!(stored.reference, reference);
    assert!(!serde_json::to_string(&stored).unwrap().contains(&key), "set never echoes the value");
    assert_eq!(resolve_secret(&reference).unwrap().as_deref(), Some(key.as_str()), "one trailing newline is dropped");

    let server = FakeServer::start(vec![Reply::json(200, &fixture("openai", "text.json"))]).await;
    let version = fake::version(Provider::Openai, "gpt-4o", Some(format!("{}/v1", server.base)));
    let mut cfg = fake::llm_config(CfgProvider::Openai, Some(&reference), 0);
    cfg.key_hosts = vec![server.base.clone()];
    let client = llm::client_for(&version, &cfg).unwrap();
    client.complete(&request()).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].headers.get("authorization").map(String::as_str), Some(format!("Bearer {key}").as_str()));

    // Status sees it in a keychain backend, without the value.
    let status =
        api::status(&core, SecretsStatusInput { env: None, names: Some(vec![reference.clone()]) }).await.unwrap();
    let text = serde_json::to_string(&status).unwrap();
    assert!(!text.contains(&key), "{text}");
    assert_eq!(status.references[0].state, SecretState::Set, "{text}");
    assert!(status.references[0].backend.is_some(), "{text}");

    let deleted = api::delete(&core, DeleteSecretInput { name: reference.clone() }).await.unwrap();
    assert_eq!(Some(deleted.removed_from[0]), status.references[0].backend, "deleted where status found it");
    match resolve_secret(&reference) {
        Err(ConfigError::Keychain(SecretsError::NotFound { name: n, .. })) => assert_eq!(n, name),
        other => panic!("expected NotFound for {reference}, got {other:?}"),
    }
    // The client resolves at call time: the same client now fails before sending anything, naming the reference.
    let err = client.complete(&request()).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&reference) && msg.contains("store a key under the name"), "{msg}");
    assert_eq!(err.kind(), ErrorKind::Input);
    assert_eq!(server.seen().len(), 1, "no request without a key");

    let again = api::delete(&core, DeleteSecretInput { name: name.clone() }).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::NotFound);
    assert!(again.to_string().contains(&reference), "{again}");
    core.shutdown().await.unwrap();
}

#[test]
fn cli_reads_the_value_from_stdin_only_and_reports_status_without_it() {
    let home = Home::new();
    let name = unique("cli");
    let key = format!("sk-cli-{}", uuid::Uuid::now_v7().simple());

    // The value is never an argument: a second positional is a usage error, and nothing is stored.
    let out = home.run(&["secrets", "set", &name, &key]);
    assert_eq!(out.status.code(), Some(2));
    let (code, _, err) = run_with_stdin(&home, &["secrets", "set", &name], "\n");
    assert_eq!(code, 2, "empty value: {err}");
    assert!(err.contains(&format!("keychain:{name}")), "{err}");
    let (code, _, err) = run_with_stdin(&home, &["secrets", "set", "bad/name"], &key);
    assert_eq!(code, 2);
    assert!(err.contains("\"bad/name\"") && !err.contains(&key), "{err}");

    let (code, out, err) = run_with_stdin(&home, &["secrets", "set", &name], &format!("{key}\n"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("stored keychain:{name}")) && !out.contains(&key) && !err.contains(&key), "{out}");

    // Another process finds it; the environment's own reference is listed too.
    home.ok(&["config", "set", "llm.api_key", &format!("keychain:{name}")]);
    home.ok(&["config", "set", "llm.provider", "openai"]);
    let status = home.json(&["secrets", "status"]);
    assert!(!status.to_string().contains(&key));
    assert_eq!(status["env"], "development");
    let refs = status["references"].as_array().unwrap();
    assert_eq!(refs.len(), 1, "{status}");
    assert_eq!(refs[0]["reference"], format!("keychain:{name}"));
    assert_eq!(refs[0]["used_by"], "llm.api_key");
    assert_eq!(refs[0]["state"], "set");
    let table = home.ok(&["secrets", "status"]);
    assert!(table.contains(&format!("keychain:{name}")) && table.contains(" set "), "{table}");

    // `config show` agrees, and still shows only the reference.
    let shown = home.json(&["config", "show", "--section", "llm"]);
    assert_eq!(shown["secrets"][0]["status"], "set", "{shown}");

    let deleted = home.json(&["secrets", "delete", &name]);
    assert_eq!(deleted["reference"], format!("keychain:{name}"));
    let status = home.json(&["secrets", "status"]);
    assert_eq!(status["references"][0]["state"], "not_set", "{status}");
    let err = home.fails(&["secrets", "delete", &name], 2);
    assert!(err.contains(&format!("no key stored for keychain:{name}")), "{err}");
}

#[test]
fn status_lists_explicit_references_and_says_when_the_environment_uses_none() {
    let home = Home::new();
    // The seeded development environment talks to a local Ollama without a key.
    let status = home.json(&["secrets", "status"]);
    assert_eq!(status["references"], serde_json::json!([]), "{status}");
    assert!(home.ok(&["secrets", "status"]).contains("environment development uses no API key reference"));

    let missing = unique("absent");
    let out = home
        .cmd(&["--json", "secrets", "status", "env:BAM_IT_SECRETS_SET_VAR", &missing, "keychain:bad name"])
        .env("BAM_IT_SECRETS_SET_VAR", "x")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<(&str, &str)> = status["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reference"].as_str().unwrap(), r["state"].as_str().unwrap()))
        .collect();
    let keychain_missing = format!("keychain:{missing}");
    assert_eq!(
        states,
        [
            ("env:BAM_IT_SECRETS_SET_VAR", "set"),
            (keychain_missing.as_str(), "not_set"),
            ("keychain:bad name", "invalid")
        ]
    );
}

#[test]
fn a_bad_backend_choice_is_an_input_error() {
    let home = Home::new();
    let out =
        home.cmd(&["secrets", "status", "keychain:x"]).env("BROWSER_AI_MLOPS_KEYCHAIN", "floppy").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("BROWSER_AI_MLOPS_KEYCHAIN=\"floppy\""), "{err}");
}

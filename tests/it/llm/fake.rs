//! A scripted fake provider: an axum server on 127.0.0.1:0 that records every request it receives and answers from a
//! queue of replies (the last reply repeats once the queue is empty), plus fixture loading and client construction.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use browser_ai_mlops_core::config::{LlmConfig, Provider as CfgProvider};
use browser_ai_mlops_core::llm::{self, ClientOptions, LlmClient, Price, PriceTable};
use browser_ai_mlops_core::registry::{ModelConfig, ModelVersion, Provider};

/// The canary key: set once for the whole test binary, referenced as `env:LLM_IT_CANARY_API_KEY`.
pub const CANARY_VAR: &str = "LLM_IT_CANARY_API_KEY";
pub const CANARY: &str = "sk-canary-7f3b9e1d-DO-NOT-LEAK";

pub fn set_canary() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: set exactly once, to a fixed value, before any client reads it; the standard library serialises its own
    // environment reads and writes, and nothing else in this process writes this variable.
    ONCE.call_once(|| unsafe { std::env::set_var(CANARY_VAR, CANARY) });
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply { status, headers: Vec::new(), body: body.to_string() }
    }

    pub fn raw(status: u16, body: &str) -> Reply {
        Reply { status, headers: Vec::new(), body: body.to_string() }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    last: Option<Reply>,
    seen: Vec<Seen>,
}

pub struct FakeServer {
    pub base: String,
    script: Arc<Mutex<Script>>,
}

impl FakeServer {
    pub async fn start(replies: Vec<Reply>) -> FakeServer {
        FakeServer::start_on("127.0.0.1", replies).await
    }

    /// The same on another loopback address (`127.0.0.2` stands for another host).
    pub async fn start_on(ip: &str, replies: Vec<Reply>) -> FakeServer {
        let script = Arc::new(Mutex::new(Script { replies: replies.into(), ..Script::default() }));
        let app = axum::Router::new().fallback(handle).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeServer { base: format!("http://{addr}"), script }
    }

    /// The same recorder, but clients built from it point at `base` (e.g. a port nobody listens on).
    pub fn with_base(self, base: String) -> FakeServer {
        FakeServer { base, script: self.script }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.script.lock().expect("script lock").seen.clone()
    }
}

async fn handle(
    State(script): State<Arc<Mutex<Script>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let mut s = script.lock().expect("script lock");
        s.seen.push(Seen {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: headers
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("<binary>").to_string()))
                .collect(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        let next = s.replies.pop_front().or_else(|| s.last.clone());
        if let Some(r) = &next {
            s.last = Some(r.clone());
        }
        next.unwrap_or_else(|| Reply::raw(599, "no reply scripted"))
    };
    let mut resp = (StatusCode::from_u16(reply.status).expect("status"), reply.body).into_response();
    resp.headers_mut().insert("content-type", "application/json".parse().expect("header"));
    for (k, v) in reply.headers {
        resp.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            v.parse().expect("header value"),
        );
    }
    resp
}

/// A fixture file as JSON, with `{KEY}` replaced by the canary key.
pub fn fixture(provider: &str, name: &str) -> Value {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("tests/fixtures/llm")
        .join(provider)
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.replace("{KEY}", CANARY);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The reply for an error scenario of `errors.json`.
pub fn error_reply(provider: &str, scenario: &str) -> Reply {
    let all = fixture(provider, "errors.json");
    let entry = &all[scenario];
    Reply::json(entry["status"].as_u64().expect("status") as u16, &entry["body"])
}

/// The model id each provider's fixtures use.
pub fn model_of(provider: &str) -> &'static str {
    match provider {
        "openai" => "gpt-4o",
        "anthropic" => "claude-sonnet-4-20250514",
        "gemini" => "gemini-2.5-flash",
        _ => "llama3.1:8b",
    }
}

pub fn version(provider: Provider, model: &str, base_url: Option<String>) -> ModelVersion {
    ModelVersion {
        id: "v-1".into(),
        model_id: "m-1".into(),
        model_name: "agent".into(),
        version: 1,
        reference: "agent:1".into(),
        config: ModelConfig {
            provider,
            model_id: model.to_string(),
            base_url,
            temperature: 0.3,
            max_tokens: Some(300),
            top_p: Some(0.9),
            system_prompt: String::new(),
            extra_params: BTreeMap::new(),
        },
        description: String::new(),
        changelog: String::new(),
        parent_version_id: None,
        parent_reference: None,
        config_diff: Vec::new(),
        created_by: "test".into(),
        archived_at_ms: None,
        created_at_ms: 0,
        aliases: Vec::new(),
    }
}

pub fn llm_config(provider: CfgProvider, api_key: Option<&str>, max_retries: u32) -> LlmConfig {
    LlmConfig {
        provider,
        model: "unused".into(),
        temperature: 0.0,
        max_tokens: 100,
        api_key: api_key.map(str::to_string),
        base_url: None,
        timeout_secs: 10,
        max_retries,
        key_hosts: Vec::new(),
    }
}

pub fn provider_of(name: &str) -> (Provider, CfgProvider) {
    match name {
        "openai" => (Provider::Openai, CfgProvider::Openai),
        "anthropic" => (Provider::Anthropic, CfgProvider::Anthropic),
        "gemini" => (Provider::Gemini, CfgProvider::Gemini),
        "ollama" => (Provider::Ollama, CfgProvider::Ollama),
        other => panic!("unknown provider {other}"),
    }
}

/// A client for `provider` pointed at `server` (allowed in `llm.key_hosts`), keyed with the canary, fast backoff, and
/// `price` for its model.
pub fn client(provider: &str, server: &FakeServer, max_retries: u32, price: Option<Price>) -> Box<dyn LlmClient> {
    client_of_model(provider, model_of(provider), server, max_retries, price)
}

/// [`client`] for another model id of the provider.
pub fn client_of_model(
    provider: &str,
    model: &str,
    server: &FakeServer,
    max_retries: u32,
    price: Option<Price>,
) -> Box<dyn LlmClient> {
    set_canary();
    let (p, cfg_p) = provider_of(provider);
    let base = if provider == "openai" { format!("{}/v1", server.base) } else { server.base.clone() };
    let mut pricing = PriceTable::default();
    if let Some(price) = price {
        pricing.providers.entry(provider.to_string()).or_default().insert(model.to_string(), price);
    }
    let options = ClientOptions {
        pricing: Arc::new(pricing),
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_secs(2),
    };
    let key_ref = format!("env:{CANARY_VAR}");
    let mut cfg = llm_config(cfg_p, Some(&key_ref), max_retries);
    cfg.key_hosts = vec![server.base.clone()];
    llm::client_with(&version(p, model, Some(base)), &cfg, options).expect("client")
}

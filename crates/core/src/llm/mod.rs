//! LLM providers behind one trait, with retries, usage by token type and cost.
//!
//! [`LlmClient`] is the seam the planner calls; [`client_for`] builds the right implementation from a registry
//! version and the environment's `llm` config section. Submodules: `openai` (Chat Completions, also Ollama, vLLM,
//! LM Studio), `anthropic` (Messages), `gemini` (generateContent), `retry` (the shared HTTP loop with backoff),
//! `keys` (API key references resolved at call time, never printed), `pricing` (per-1M-token prices), `error`.
//!
//! User view: `docs/guide/evaluation.md` (LLM providers).
//!
//! - Wire implementations: `openai` (OpenAI and compatible servers), `anthropic`, `gemini`.
//!   `client_for(&version, &config.llm)` refuses `baseline` versions ("… uses provider baseline, which is not an LLM").
//!   Anthropic requests carry `anthropic-version: 2023-06-01`; Gemini's key goes in the `x-goog-api-key` header, never
//!   in the URL.
//! - Request mapping: `max_tokens` is sent as `max_completion_tokens` to api.openai.com, `max_tokens` to compatible
//!   servers and Anthropic (which requires it: 1024 when the version sets none), and `generationConfig.maxOutputTokens`
//!   to Gemini. JSON output: `response_format: {"type": "json_object"}` (OpenAI and compatible),
//!   `responseMimeType: application/json` (Gemini), the prompt only (Anthropic). Screenshots: an `image_url` data URL,
//!   a base64 `image` block, or `inlineData`. `extra_params` go at the top level of the body and never replace a field
//!   the client sets.
//! - Keys (`keys`): resolved at every call through `config::resolve_secret`; the key type's `Debug`/`Display` print
//!   `***`; provider error texts have the key replaced with `***`, and for 401/403 the provider's text is dropped
//!   (providers may echo part of a key). Each key is bound to hosts (`keys::KeyBinding`): the provider's official
//!   host over https, plus `llm.base_url` and `llm.key_hosts` for the key of the `llm` section's provider; a
//!   version whose `base_url` is elsewhere is refused before anything is sent (`LlmError::KeyHost`). Gemini reports a bad key as HTTP 400 with `API_KEY_INVALID`, treated as an
//!   authentication failure.
//! - Retries (`retry`): 429, 5xx (including 529) and refused connections are retried up to `max_retries` times. The
//!   wait doubles from 0.5 s with jitter into [d/2, d], capped at 30 s; `Retry-After` (seconds or an HTTP date) and
//!   `retry-after-ms` are honoured up to the same cap. Each attempt is bounded by `timeout_secs`; a timeout is not
//!   retried. `LlmError::is_transient()` decides between `PlanError::Recoverable` and `PlanError::Fatal`.
//! - Error texts, as captured against the test fakes:
//!
//!   ```text
//!   anthropic server error: HTTP 529 after 3 attempt(s): Overloaded
//!   anthropic refused the request (HTTP 400): max_tokens: Field required
//!   openai returned invalid JSON at line 1 column 14: expected value (body starts with "{\"choices\": [oops")
//!   openai returned a response that does not match its API: missing field `choices`
//!   ```
//!
//! - Usage (`types`), split into non-overlapping token types:
//!
//!   | `TokenCounts` | OpenAI | Anthropic | Gemini |
//!   |---|---|---|---|
//!   | `input` | `prompt_tokens − cached_tokens` | `input_tokens` | `promptTokenCount − cachedContentTokenCount` |
//!   | `cache_read` | `prompt_tokens_details.cached_tokens` | `cache_read_input_tokens` | `cachedContentTokenCount` |
//!   | `cache_write` | 0 | `cache_creation_input_tokens` | 0 |
//!   | `output` | `completion_tokens − reasoning_tokens` | `output_tokens` | `candidatesTokenCount` |
//!   | `reasoning` | `completion_tokens_details.reasoning_tokens` | 0 | `thoughtsTokenCount` |
//!
//! - Pricing (`pricing`): `PriceTable::load(&settings.config_dir)` merges the embedded `config/pricing.yaml` with the
//!   config directory's `pricing.yaml`, model by model; pass it to `client_with`. Example from the tests: a 429 with
//!   `Retry-After: 1`, then the OpenAI `usage.json` fixture priced at 1.10 / 4.40 / 0.275 gives `attempts: 2` and
//!   `cost_usd` = (86×1.10 + 108×4.40 + 1920×0.275 + 192×4.40) / 1e6 = 0.0019426 (reasoning tokens at the output
//!   price).
//! - Tests: `tests/it/llm/mod.rs` runs an axum server on `127.0.0.1:0` per case, playing one provider from
//!   `tests/fixtures/llm/<provider>/`, and asserts the request on the wire (path, auth header with a canary key, no
//!   query string, body mapping) and every outcome above.

pub mod anthropic;
mod error;
pub mod gemini;
pub mod keys;
pub mod openai;
pub mod pricing;
pub mod retry;
pub mod types;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

pub use error::LlmError;
pub use keys::{KeyBinding, KeySource};
pub use pricing::{Price, PriceTable};
pub use retry::RetryPolicy;
pub use types::{ChatMessage, ChatRequest, ChatResponse};

use crate::config::LlmConfig;
use crate::registry::{ModelVersion, Provider};

/// Default API roots (tests and self-hosted servers override them with the version's `base_url`).
pub const OPENAI_DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const ANTHROPIC_DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
pub const GEMINI_DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// One chat model at one provider.
pub trait LlmClient: Send + Sync {
    /// Provider name as in the registry (`openai`, `anthropic`, `gemini`, `ollama`, `openai-compatible`).
    fn provider(&self) -> &str;
    /// The provider's model id.
    fn model(&self) -> &str;
    /// Send one request (with retries) and return the answer with usage, cost, latency and attempts.
    fn complete<'a>(&'a self, req: &'a ChatRequest) -> BoxFuture<'a, Result<ChatResponse, LlmError>>;
}

/// What every provider implementation shares: where to send, how to authenticate, how to retry, how to price.
#[derive(Clone)]
pub struct Endpoint {
    pub provider: String,
    pub model: String,
    /// API root without a trailing slash.
    pub base_url: String,
    pub key: KeySource,
    pub retry: RetryPolicy,
    pub pricing: Arc<PriceTable>,
    /// The version's `extra_params`, added to the request body (never replacing a field the client sets).
    pub extra_params: serde_json::Map<String, serde_json::Value>,
    pub http: reqwest::Client,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("key", &self.key)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Knobs of [`client_with`] that [`client_for`] fills with defaults.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub pricing: Arc<PriceTable>,
    /// First backoff delay; doubled per retry, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff delay and longest `Retry-After` honoured.
    pub backoff_cap: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            pricing: Arc::new(PriceTable::embedded()),
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
        }
    }
}

/// Build the client for a registry version: provider, model, base URL and `extra_params` come from the version;
/// timeout, retries and the API key reference from the environment's `llm` section. Uses the embedded price table;
/// use [`client_with`] and [`PriceTable::load`] to honour a user `pricing.yaml`.
pub fn client_for(version: &ModelVersion, llm: &LlmConfig) -> Result<Box<dyn LlmClient>, LlmError> {
    client_with(version, llm, ClientOptions::default())
}

/// [`client_for`] with explicit pricing and backoff settings.
pub fn client_with(
    version: &ModelVersion,
    llm: &LlmConfig,
    options: ClientOptions,
) -> Result<Box<dyn LlmClient>, LlmError> {
    let cfg = &version.config;
    let provider = cfg.provider;
    let same_provider = llm.provider.as_str() == provider.as_str();
    let default_base = match provider {
        Provider::Baseline => return Err(LlmError::NotAnLlm { reference: version.reference.clone() }),
        Provider::Openai => Some(OPENAI_DEFAULT_BASE_URL),
        Provider::Anthropic => Some(ANTHROPIC_DEFAULT_BASE_URL),
        Provider::Gemini => Some(GEMINI_DEFAULT_BASE_URL),
        Provider::Ollama => Some(crate::registry::OLLAMA_DEFAULT_BASE_URL),
        Provider::OpenaiCompatible => None,
    };
    let base = cfg
        .base_url
        .clone()
        .or_else(|| llm.base_url.clone().filter(|_| same_provider))
        .or_else(|| default_base.map(str::to_string))
        .ok_or_else(|| {
            LlmError::Config(format!("{}: provider openai-compatible needs a base_url", version.reference))
        })?;
    let base_url = normalise_base(provider, &base)?;
    let key = KeySource::for_provider(provider, llm.api_key.as_deref().filter(|_| same_provider));
    // The version's base_url is the caller's choice; only the environment's config may widen where a key goes.
    let mut binding = KeyBinding::official(provider);
    if same_provider {
        for host in llm.base_url.iter().chain(&llm.key_hosts) {
            binding.allow(host);
        }
    }
    binding.check(&key, &base_url)?;
    let timeout = Duration::from_secs(u64::from(llm.timeout_secs.max(1)));
    let http = reqwest::Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .build()
        .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))?;
    let endpoint = Endpoint {
        provider: provider.as_str().to_string(),
        model: cfg.model_id.clone(),
        base_url,
        key,
        retry: RetryPolicy {
            max_retries: llm.max_retries,
            timeout,
            backoff_base: options.backoff_base,
            backoff_cap: options.backoff_cap,
        },
        pricing: options.pricing,
        extra_params: cfg.extra_params.clone().into_iter().collect(),
        http,
    };
    Ok(match provider {
        Provider::Anthropic => Box::new(anthropic::AnthropicClient::new(endpoint)),
        Provider::Gemini => Box::new(gemini::GeminiClient::new(endpoint)),
        _ => Box::new(openai::OpenAiClient::new(endpoint, provider == Provider::Openai)),
    })
}

/// Trim trailing slashes and check the scheme; Ollama's OpenAI-compatible API lives under `/v1`, which is added when
/// a bare server address like `http://127.0.0.1:11434` is given.
fn normalise_base(provider: Provider, base: &str) -> Result<String, LlmError> {
    let trimmed = base.trim().trim_end_matches('/');
    let rest = trimmed.strip_prefix("http://").or_else(|| trimmed.strip_prefix("https://"));
    if rest.is_none_or(|r| r.is_empty() || r.chars().any(char::is_whitespace)) {
        return Err(LlmError::Config(format!("base_url must be an http:// or https:// URL, got {base:?}")));
    }
    let host_only = rest.is_some_and(|r| !r.contains('/'));
    if provider == Provider::Ollama && host_only {
        return Ok(format!("{trimmed}/v1"));
    }
    Ok(trimmed.to_string())
}

/// Insert `extra` into a request body object without replacing anything already set.
pub(crate) fn merge_extra(body: &mut serde_json::Value, extra: &serde_json::Map<String, serde_json::Value>) {
    if let Some(obj) = body.as_object_mut() {
        for (k, v) in extra {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        assert_eq!(normalise_base(Provider::Ollama, "http://127.0.0.1:11434").unwrap(), "http://127.0.0.1:11434/v1");
        assert_eq!(normalise_base(Provider::Ollama, "http://h:1/v1/").unwrap(), "http://h:1/v1");
        assert_eq!(
            normalise_base(Provider::Openai, "https://api.openai.com/v1/").unwrap(),
            "https://api.openai.com/v1"
        );
        assert_eq!(normalise_base(Provider::Anthropic, "http://127.0.0.1:9").unwrap(), "http://127.0.0.1:9");
        assert!(normalise_base(Provider::Openai, "localhost:8000").is_err());
        assert!(normalise_base(Provider::Openai, "http://").is_err());
    }

    #[test]
    fn extra_params_never_replace_set_fields() {
        let mut body = serde_json::json!({"model": "a", "temperature": 0.1});
        let extra: serde_json::Map<_, _> =
            serde_json::json!({"model": "b", "seed": 7}).as_object().cloned().unwrap_or_default();
        merge_extra(&mut body, &extra);
        assert_eq!(body, serde_json::json!({"model": "a", "temperature": 0.1, "seed": 7}));
    }
}
